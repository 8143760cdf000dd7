"""Third-person pronouns and the entity mention each refers to, for sentiment toward an entity.

News says most of what it says of a person through "he", "she" and "his" once the name has been
given ("Trump said he would fire him"); a pronoun that refers to no mention leaves that judgement
unattributed. The resolution is the simplest one known to work for news prose (Hobbs-style
recency, without the tree search): a pronoun refers to the nearest preceding mention in the same
document that is a PERSON, when spaCy's tagger finds the pronoun singular masculine or feminine
("he", "her", "himself"). "It" and "they" are left alone: resolved to the nearest ORG, GPE or NORP
they gained nothing on the tone gold (`fit`), tripled the pronouns scored and are the readings
most often wrong ("it" is mostly not an organisation). Names carry no gender here, so "she" may
take the nearest man's name; no pronoun looks past MAX_SENTENCES_BACK sentences. When no PERSON
precedes, the first one after the pronoun in its sentence is taken ("His critics say Trump
lost"), unless the pronoun governs it ("He said Trump lost" is about someone else: binding
theory's Principle C).
First and second person ("I", "we", "you") are never resolved: in a quote or a comment they are the
speaker and the reader, whom no mention names.
"""
from __future__ import annotations

from bisect import bisect_right

import numpy
from spacy.attrs import POS
from spacy.parts_of_speech import PRON
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span

PERSON_LABELS = frozenset({"PERSON"})

MAX_SENTENCES_BACK = 2
"""The antecedent is in the pronoun's sentence or one of the two before it."""

if not Span.has_extension("antecedent"):
    Span.set_extension("antecedent", default=None)


def referable_labels(pronoun) -> frozenset[str]:
    """The mention labels a third-person pronoun token can refer to (empty: none)."""
    if pronoun.pos_ != "PRON":
        return frozenset()
    morph = pronoun.morph
    if morph.get("Person") != ["3"] or morph.get("PronType") != ["Prs"]:
        return frozenset()
    if morph.get("Number") == ["Sing"] and morph.get("Gender") in (["Masc"], ["Fem"]):
        return PERSON_LABELS
    return frozenset()


def _c_commands(pronoun, span: Span) -> bool:
    """Whether the pronoun, as an argument of its head (not a possessor), has the span inside its
    clause: "He said Trump won" cannot mean Trump said it (binding theory's Principle C), while
    "His critics say Trump lost" can be about Trump."""
    if pronoun.dep_ == "poss":
        return False
    head = pronoun.head
    return head.left_edge.i <= span.root.i <= head.right_edge.i


def _preceding(i: int, ordered: list[Span], ends: list[int], sentence_of, labels: frozenset[str]) -> Span | None:
    """The nearest mention ending at or before token i that it may refer to, within
    MAX_SENTENCES_BACK sentences."""
    for k in range(bisect_right(ends, i) - 1, -1, -1):
        span = ordered[k]
        if sentence_of(i) - sentence_of(span.start) > MAX_SENTENCES_BACK:
            return None
        if span.label_ in labels:
            return span
    return None


def _following(pronoun, ordered: list[Span], ends: list[int], labels: frozenset[str]) -> Span | None:
    """The first mention after the pronoun in its sentence that it may refer to (cataphora)."""
    sent_end = pronoun.sent.end
    for k in range(bisect_right(ends, pronoun.i), len(ordered)):
        span = ordered[k]
        if span.end > sent_end:
            return None
        if span.start > pronoun.i and span.label_ in labels:
            return None if _c_commands(pronoun, span) else span
    return None


def pronoun_mentions(doc: SpacyDoc, mentions) -> list[Span]:
    """A span for every third-person pronoun of `doc` that refers to one of `mentions` (spans of
    the doc, in any order), labelled and with the `kb_id_` of that mention, which is also its
    `span._.antecedent`. A pronoun inside a mention ("his" in "his brother Robert") is left alone."""
    if not len(mentions):
        return []
    # Pronouns found from the POS array: no Token is made for the other words.
    positions = numpy.flatnonzero(doc.to_array(POS) == PRON).tolist()
    if not positions:
        return []
    ordered = sorted(mentions, key=lambda s: (s.end, s.start))
    ends = [s.end for s in ordered]
    covered = {i for s in ordered for i in range(s.start, s.end)}
    starts = [sent.start for sent in doc.sents]

    def sentence_of(i: int) -> int:
        return bisect_right(starts, i)

    out: list[Span] = []
    for i in positions:
        if i in covered:
            continue
        token = doc[i]
        labels = referable_labels(token)
        if not labels:
            continue
        antecedent = _preceding(i, ordered, ends, sentence_of, labels) or _following(token, ordered, ends, labels)
        if antecedent is None:
            continue
        pronoun = Span(doc, i, i + 1, label=antecedent.label_, kb_id=antecedent.kb_id_)
        pronoun._.antecedent = antecedent
        out.append(pronoun)
    return out
