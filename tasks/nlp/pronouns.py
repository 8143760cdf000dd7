"""Third-person pronouns and the entity mention each refers to: one resolver for the whole pipeline
(entity rows and tone's sentiment toward an entity; events' actors and targets).

News says most of what it says of a person through "he", "she" and "his" once the name has been
given ("Trump said he would fire him"), and of a group or a country through "they" and "it" ("Hamas
fired rockets. They also attacked ..."); a pronoun that refers to no mention leaves its judgement or
its event's participant unattributed. The resolution is the simplest one known to work for news prose
(Hobbs-style recency, without the tree search): a pronoun refers to the nearest preceding mention in
the same document of a compatible kind, from spaCy's morphology: singular masculine or feminine
("he", "her", "himself") a PERSON; plural or neuter ("they", "them", "its") an organisation, a
country or a group (GROUP_LABELS). Names carry no gender here, so "she" may take the nearest man's
name; no pronoun looks past MAX_SENTENCES_BACK sentences. With no PERSON in reach, a person pronoun
takes a one-word ORG or GPE name that no gazetteer knows (`_Index.may_be_person`): news gives a
person's surname alone after the first mention, and the small model often calls it an organisation. When no compatible mention precedes, the
first one after the pronoun in its sentence is taken ("His critics say Trump lost"), unless the
pronoun governs it ("He said Trump lost" is about someone else: binding theory's Principle C).
First and second person ("I", "we", "you") are never resolved: in a quote or a comment they are the
speaker and the reader, whom no mention names.

`pronoun_mentions` (entity rows, tone) keeps to the person pronouns: "it" and "they" resolved to the
nearest ORG, GPE or NORP gained nothing on the tone gold (`fit`), tripled the pronouns scored and are
the readings most often wrong there ("it" is mostly not an organisation). Events ask `antecedent` for
the one pronoun that is an actor or a target, where a group reading is what the clause needs.
"""
from __future__ import annotations

from bisect import bisect_right

import numpy
from spacy.attrs import POS, SENT_START
from spacy.parts_of_speech import PRON
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span
from spacy.tokens import Token

PERSON_LABELS = frozenset({"PERSON"})
GROUP_LABELS = frozenset({"ORG", "GPE", "NORP"})
"""What "they" and "it" can refer to: organizations, countries, groups."""

_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})

_MISREAD_NAME_LABELS = frozenset({"ORG", "GPE"})
"""Labels a surname standing alone is often given by spaCy's small model ("Lynch", "Conway" ORG;
"Bergdahl" GPE): a person pronoun may take such a one-word name when no PERSON is in reach."""

MAX_SENTENCES_BACK = 2
"""The antecedent is in the pronoun's sentence or one of the two before it."""

_INDEX_KEY = "newsflow.pronoun_index"
"""`doc.user_data` key of the mentions ordered for resolution (`_index`): built once per Doc, for
every component that resolves pronouns against the same mentions."""

if not Span.has_extension("antecedent"):
    Span.set_extension("antecedent", default=None)


def referable_labels(pronoun: Token) -> frozenset[str]:
    """The mention labels a third-person pronoun token can refer to (empty: none)."""
    if pronoun.pos_ != "PRON":
        return frozenset()
    feats = pronoun.morph.to_dict()
    if feats.get("Person") != "3" or feats.get("PronType") != "Prs":
        return frozenset()
    number, gender = feats.get("Number"), feats.get("Gender")
    if number == "Sing" and gender in ("Masc", "Fem"):
        return PERSON_LABELS
    if number == "Plur" or gender == "Neut":
        return GROUP_LABELS
    return frozenset()


class _Index:
    """A document's mentions ordered by where they end, with the sentence each starts in."""

    def __init__(self, doc: SpacyDoc, mentions):
        self.mentions, self.size = mentions, len(mentions)
        self.ordered = sorted(mentions, key=lambda s: (s.end, s.start))
        self.ends = [s.end for s in self.ordered]
        self.covered = {i for s in self.ordered for i in range(s.start, s.end)}
        # From the SENT_START array: iterating doc.sents makes a Token of every word.
        starts = numpy.flatnonzero(doc.to_array(SENT_START) == 1).tolist() if len(doc) else []
        self.starts = starts if starts[:1] == [0] else [0, *starts]
        self.sentence = [bisect_right(self.starts, s.start) for s in self.ordered]
        self.n_tokens = len(doc)
        self._subject: dict[int, bool] = {}
        self._misread: dict[int, bool] = {}

    def sentence_of(self, i: int) -> int:
        return bisect_right(self.starts, i)

    def sentence_end(self, i: int) -> int:
        k = self.sentence_of(i)
        return self.starts[k] if k < len(self.starts) else self.n_tokens

    def may_be_person(self, k: int) -> bool:
        """Whether mention k, though not labelled PERSON, may be a person's surname: one capitalised
        word that no gazetteer knows (no place, no country, no sector). News names a person in full
        once and by the surname alone after, which the small model often calls an organisation;
        a place or an organisation it knows carries a place, a country or a sector."""
        if k not in self._misread:
            span = self.ordered[k]
            canonical = span._.get("canonical") if span.has_extension("canonical") else None
            place = span._.get("place") if span.has_extension("place") else None
            self._misread[k] = (span.label_ in _MISREAD_NAME_LABELS and len(span) == 1 and span[0].is_title
                                and place is None and canonical is not None
                                and canonical.country_code is None and canonical.sector is None)
        return self._misread[k]

    def accepts(self, k: int, labels: frozenset[str], fallback: bool) -> bool:
        """Whether mention k can be the antecedent: of a label in `labels`, or, in the `fallback`
        pass of a person pronoun, a name that may be a misread surname (may_be_person)."""
        if fallback:
            return labels == PERSON_LABELS and self.may_be_person(k)
        return self.ordered[k].label_ in labels

    def is_subject(self, k: int) -> bool:
        if k not in self._subject:
            self._subject[k] = self.ordered[k].root.dep_ in _SUBJECT_DEPS
        return self._subject[k]


def _index(doc: SpacyDoc, mentions) -> _Index:
    """The index of `mentions`, built once per Doc while they stay the same group of spans."""
    cached = doc.user_data.get(_INDEX_KEY)
    if cached is None or cached.mentions is not mentions or cached.size != len(mentions):
        cached = doc.user_data[_INDEX_KEY] = _Index(doc, mentions)
    return cached


def _c_commands(pronoun: Token, span: Span) -> bool:
    """Whether the pronoun, as an argument of its head (not a possessor), has the span inside its
    clause: "He said Trump won" cannot mean Trump said it (binding theory's Principle C), while
    "His critics say Trump lost" can be about Trump."""
    if pronoun.dep_ == "poss":
        return False
    head = pronoun.head
    return head.left_edge.i <= span.root.i <= head.right_edge.i


def _preceding(i: int, index: _Index, labels: frozenset[str], fallback: bool = False) -> Span | None:
    """The nearest mention ending at or before token i that it may refer to, within
    MAX_SENTENCES_BACK sentences; a subject before any other (centering: the subject is what a
    sentence is about, "Hamas fired rockets at Israel. They also attacked ..." is Hamas)."""
    ordered, here = index.ordered, index.sentence_of(i)
    nearest = None
    for k in range(bisect_right(index.ends, i) - 1, -1, -1):
        if here - index.sentence[k] > MAX_SENTENCES_BACK:
            break
        span = ordered[k]
        if index.accepts(k, labels, fallback):
            if index.is_subject(k):
                return span
            nearest = nearest or span
    return nearest


def _following(pronoun: Token, index: _Index, labels: frozenset[str], fallback: bool = False) -> Span | None:
    """The first mention after the pronoun in its sentence that it may refer to (cataphora)."""
    sent_end = index.sentence_end(pronoun.i)
    ordered = index.ordered
    for k in range(bisect_right(index.ends, pronoun.i), len(ordered)):
        span = ordered[k]
        if span.end > sent_end:
            return None
        if span.start > pronoun.i and index.accepts(k, labels, fallback):
            return None if _c_commands(pronoun, span) else span
    return None


def _mention_at(i: int, index: _Index) -> Span | None:
    """The mention that holds token i, if any."""
    return next((span for span in index.ordered if span.start <= i < span.end), None)


def _bound(reflexive: Token, index: _Index, labels: frozenset[str]) -> Span | None:
    """A reflexive ("himself", "themselves") is bound in its clause (binding theory's Principle A):
    it is the subject of its verb, or of the verb whose complement or conjunct it is in ("McDade
    blew himself up", "he tried to kill himself"); a subject that names no mention of the right kind
    leaves it unresolved rather than reaching for one further away."""
    verb = reflexive.head
    for _ in range(3):
        subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS]
        if subjects:
            subject = subjects[0]
            if subject.tag_ in ("WP", "WDT") and verb.dep_ == "relcl":
                subject = verb.head  # "the man who killed himself": the man
            if subject.morph.get("Reflex") == ["Yes"]:
                return None  # "had himself died": the parser made the reflexive a subject
            if subject.pos_ == "PRON" and subject.i not in index.covered:
                found = _resolve(subject, index, referable_labels(subject))
            else:
                found = _mention_at(subject.i, index)
            return found if found is not None and found.label_ in labels else None
        if verb.dep_ not in ("xcomp", "conj", "advcl", "acl") or verb.head.i == verb.i:
            return None
        verb = verb.head
    return None


def _resolve(token: Token, index: _Index, labels: frozenset[str]) -> Span | None:
    if not labels:
        return None
    if token.morph.get("Reflex") == ["Yes"]:
        return _bound(token, index, labels)
    return (_preceding(token.i, index, labels) or _following(token, index, labels)
            or _preceding(token.i, index, labels, True) or _following(token, index, labels, True))


def antecedent(token: Token, mentions) -> Span | None:
    """The mention (of `mentions`, spans of the token's doc) a third-person pronoun refers to; None
    for any other token, for a pronoun inside a mention and for one that refers to none of them."""
    labels = referable_labels(token)
    if not labels or not len(mentions):
        return None
    index = _index(token.doc, mentions)
    return None if token.i in index.covered else _resolve(token, index, labels)


def pronoun_mentions(doc: SpacyDoc, mentions) -> list[Span]:
    """A span for every person pronoun ("he", "her") of `doc` that refers to one of `mentions`
    (spans of the doc, in any order), labelled and with the `kb_id_` of that mention, which is also
    its `span._.antecedent`. A pronoun inside a mention ("his" in "his brother Robert") is left alone."""
    if not len(mentions):
        return []
    # Pronouns found from the POS array: no Token is made for the other words.
    positions = numpy.flatnonzero(doc.to_array(POS) == PRON).tolist()
    if not positions:
        return []
    index = _index(doc, mentions)
    out: list[Span] = []
    for i in positions:
        if i in index.covered:
            continue
        token = doc[i]
        if referable_labels(token) != PERSON_LABELS:
            continue
        found = _resolve(token, index, PERSON_LABELS)
        if found is None:
            continue
        pronoun = Span(doc, i, i + 1, label=found.label_, kb_id=found.kb_id_)
        pronoun._.antecedent = found
        out.append(pronoun)
    return out
