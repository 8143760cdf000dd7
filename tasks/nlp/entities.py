"""Entity mentions from spaCy Docs, each resolved to one canonical entity.

Resolution order for a mention: the gazetteer (ruler id, then folded alias lookup), an acronym
defined in the same document ("Popular Mobilization Forces (PMF)"), a short form of a person named
in full in the same document ("al-Sudani" after "Mohammed Shia al-Sudani"), and finally a stable id
from the normalized name and type, identical across documents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy
from spacy.attrs import LEMMA, ORTH
from spacy.language import Language
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span

from tasks.core.ids import stable_id
from tasks.nlp.entity_rules import RULES_PATH, EntityRules, load_entity_rules
from tasks.nlp.gazetteer import COUNTRY_ID_PREFIXES, GAZETTEER_DIR, Gazetteer, fold, fuzzy_lookup, load_gazetteer

ENTITY_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE")
"""spaCy labels kept as entity mentions; dates and numbers are event attributes, not entities."""


def acronym_definition(connectors: frozenset[str]) -> re.Pattern:
    """'Popular Mobilization Forces (PMF)': capitalised words, joined by lower-case connectors
    (entity_rules.json acronym_connectors), then the acronym in brackets. At most 12 words: a
    long form is never longer, and an unbounded run made a line of capitalised words quadratic."""
    joins = "|".join(sorted(map(re.escape, connectors)))
    return re.compile(rf"((?:[A-Z][\w'’-]*)(?:\s+(?:{joins}|[A-Z][\w'’-]*)){{1,12}})\s+\(([A-Z][A-Za-z]{{1,7}})\)")


MENTIONS = "mentions"
"""The `doc.spans` key of the entity mentions."""

MODEL_ENTITIES = "model_entities"
"""The `doc.spans` key of the statistical model's own entities, kept before the gazetteer's
matches overwrite them."""


def load_rules(path: Path = RULES_PATH) -> EntityRules:
    """The entity rules (data/entity_rules.json), checked against their schema."""
    return load_entity_rules(Path(path))


def _distinct(doc: SpacyDoc, attr: int) -> list[str]:
    """The distinct strings of one token attribute in the document (a few hundred where the
    document has thousands of tokens, and no Token objects made)."""
    strings = doc.vocab.strings
    return [strings[int(h)] for h in numpy.unique(doc.to_array(attr))]


def _positions(doc: SpacyDoc, words: set[str]) -> list[int]:
    """Indices of the tokens whose text is one of `words`, in order."""
    orths = doc.to_array(ORTH)
    wanted = [doc.vocab.strings[w] for w in words if w in doc.vocab.strings]
    return numpy.flatnonzero(numpy.isin(orths, numpy.array(wanted, dtype=orths.dtype))).tolist() if wanted else []


def is_sports_report(doc: SpacyDoc, rules: EntityRules, text: str | None = None) -> bool:
    cues = {lemma.lower() for lemma in _distinct(doc, LEMMA)} & rules.sports_cues
    text = (doc.text if text is None else text).lower()
    cues |= {phrase for phrase in rules.sports_phrases if phrase in text}
    return len(cues) >= rules.min_sports_cues


def national_team(country: "Canonical") -> "Canonical":
    """A country acting as its sports team ("Belgium beat Panama"): an ORG tied to that country."""
    return Canonical(stable_id("ent", "ORG", country.country_code, "national team"),
                     f"{country.canonical_name} national team", "ORG", country.country_code, None)


@dataclass(frozen=True)
class Canonical:
    entity_id: str
    canonical_name: str
    entity_type: str
    country_code: str | None
    sector: str | None


def clean_name(text: str) -> str:
    text = re.sub(r"^(?:the|The)\s+", "", text.strip())
    text = re.sub(r"['’]s$", "", text)
    return " ".join(text.split())


def initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-z][\w'’-]*", name) if w[0].isupper())


def from_gazetteer(gaz: Gazetteer, eid: str) -> Canonical:
    e = gaz.entries[eid]
    return Canonical(e.id, e.name, e.type, e.country, e.sector)


def unknown_entity(name: str, label: str) -> Canonical:
    return Canonical(stable_id("ent", label, fold(name)), name, label, None, None)


class DocResolver:
    """Resolves the mentions of one document, remembering its acronyms and full person names."""

    def __init__(self, gaz: Gazetteer, text: str, rules: EntityRules | None = None):
        self.gaz = gaz
        self.rules = rules or load_entity_rules()
        definitions = acronym_definition(self.rules.acronym_connectors)
        self.acronyms: dict[str, str] = {m.group(2): clean_name(m.group(1)) for m in definitions.finditer(text)}
        self.people: list[tuple[list[str], Canonical]] = []
        self.by_initials: dict[str, Canonical] = {}

    def resolve(self, text: str, label: str, ent_id: str) -> Canonical:
        gaz = self.gaz
        if ent_id.startswith("institution:"):
            return self._institution(text, ent_id.split(":", 1)[1])
        person = self._person_by_surname(clean_name(text)) if label != "NORP" else None
        if person is not None:  # "Washington" after "George Washington": one sense per document
            return person
        if ent_id and ent_id in gaz.entries:
            return self._remember(from_gazetteer(gaz, ent_id), text)
        name = clean_name(text)
        entry = gaz.lookup(name)
        if entry is not None and entry.type in (label, "GPE", "LOC", "FAC", "ORG") and label != "PERSON" \
                and (entry.matched_alone or label in ("GPE", "LOC")):
            return self._remember(from_gazetteer(gaz, entry.id), text)
        if name in self.acronyms:
            long_form = self.acronyms[name]
            entry = gaz.lookup(long_form)
            found = from_gazetteer(gaz, entry.id) if entry else unknown_entity(long_form, label)
            return self._remember(found, text)
        if name in self.by_initials:
            return self.by_initials[name]
        words = name.split()
        if label == "PERSON" or len(words) == 1:
            # A short form of a person named in full earlier, whatever the model guessed it was.
            for full, canonical in self.people:
                if len(words) < len(full) and full[-len(words):] == words:
                    return canonical
        slip = fuzzy_lookup(gaz, words)
        if slip is not None and slip[0] == len(words):
            return self._remember(from_gazetteer(gaz, slip[1]), text)
        return self._remember(unknown_entity(name, label), text)

    def _person_by_surname(self, name: str) -> Canonical | None:
        """The person named in full earlier in the document whose last name is this one word."""
        if len(name.split()) != 1:
            return None
        for full, canonical in self.people:
            if len(full) > 1 and full[-1] == name:
                return canonical
        return None

    def _institution(self, text: str, noun: str) -> Canonical:
        name = clean_name(text)
        demonym = name.split()[0]
        country = self.gaz.entries.get(self.gaz.by_demonym.get(demonym, ""))
        code = country.country if country else None
        canonical = f"{demonym} {noun}"
        return Canonical(stable_id("ent", "ORG", code, noun), canonical, "ORG", code, self.rules.institution_nouns.get(noun))

    def _remember(self, canonical: Canonical, text: str) -> Canonical:
        name = clean_name(text)
        if canonical.entity_type == "PERSON" and len(name.split()) >= 2:
            self.people.append((name.split(), canonical))
        ini = initials(canonical.canonical_name)
        if len(ini) >= 2 and ini not in self.by_initials and len(canonical.canonical_name.split()) >= 2:
            self.by_initials[ini] = canonical
        return canonical


def _covered(found: list[tuple[Span, str, Canonical]]) -> set[int]:
    """Token indices already inside a found mention."""
    return {i for span, _, _ in found for i in range(span.start, span.end)}


def _repeat_mentions(doc: SpacyDoc, found: list[tuple[Span, str, Canonical]]) -> list[tuple[Span, str, Canonical]]:
    """Names the model tagged once but missed elsewhere in the same document: other occurrences of
    a tagged name, and a person's surname alone ("Rathbun" after "Mark Rathbun")."""
    covered = _covered(found)
    keys: dict[str, list[tuple[tuple[str, ...], str, Canonical]]] = {}
    for span, label, c in found:
        words = tuple(t.text for t in span)
        if len(span.text) >= 3 and span[0].text[:1].isupper():
            keys.setdefault(words[0], []).append((words, label, c))
        if c.entity_type == "PERSON" and len(span) >= 2 and len(span[-1].text) >= 3 and span[-1].text[:1].isupper():
            keys.setdefault(span[-1].text, []).append(((span[-1].text,), label, c))
    extra = []
    for i in _positions(doc, set(keys)):
        tok = doc[i]
        if tok.i in covered or tok.pos_ not in ("PROPN", "NOUN", "ADJ"):
            continue
        for words, label, c in sorted(keys[tok.text], key=lambda k: -len(k[0])):
            end = tok.i + len(words)
            if end <= len(doc) and tuple(t.text for t in doc[tok.i:end]) == words and not covered.intersection(range(tok.i, end)):
                extra.append((doc[tok.i:end], label, c))
                covered.update(range(tok.i, end))
                break
    return extra


def _misspelt_names(doc: SpacyDoc, gaz: Gazetteer, found) -> list[tuple[Span, str, Canonical]]:
    """Gazetteer names written with one slip that neither the ruler nor the model caught."""
    covered = _covered(found)
    extra = []
    first_words = {w for w in _distinct(doc, ORTH) if fold(w) in gaz.by_first_word}
    for i in _positions(doc, first_words):
        tok = doc[i]
        if tok.i in covered:
            continue
        words = [t for t in doc[tok.i:tok.i + 8] if t.text != "-"]
        match = fuzzy_lookup(gaz, [t.text for t in words])
        if match is None:
            continue
        n, eid = match
        span = doc[tok.i:words[n - 1].i + 1]
        if covered.intersection(range(span.start, span.end)) or not span[-1].text[:1].isupper():
            continue
        entry = gaz.entries[eid]
        extra.append((span, entry.type, from_gazetteer(gaz, eid)))
        covered.update(range(span.start, span.end))
    return extra


def _names_organization_after(doc: SpacyDoc, span: Span, rules: EntityRules) -> bool:
    """A capitalised organization word right after a place name: "LA Weekly", "US Navy"."""
    if span.end >= len(doc):
        return False
    after = doc[span.end]
    return after.text in rules.organization_heads and not after.ent_type_


def _is_organization_guess(span: Span, rules: EntityRules) -> bool:
    """A model's LOC the gazetteer does not know is an organization only with evidence: a word of
    an organization's name in it ("Sea Org", "Port Authority"), and no geographic word."""
    words = {t.lower_ for t in span}
    return bool(words & rules.organization_words) and not words & rules.geographic_words


NAME_LABELS = ("PERSON", "ORG", "FAC")
"""Labels of longer names that may hold a gazetteer match ("George Washington", "the Australian
Centre for ...")."""


def may_hide_a_longer_name(doc: SpacyDoc, ents=None) -> bool:
    """A gazetteer match (an entity with an id) right beside a capitalised word outside every
    entity: the match may have cut a longer name the model alone would have read. `ents`: the
    document's entities when the caller has them (doc.ents walks every token each time)."""
    for ent in doc.ents if ents is None else ents:
        if not ent.ent_id_:
            continue
        for i in (ent.start - 1, ent.end):
            if 0 <= i < len(doc) and not doc[i].ent_type_ and doc[i].is_title and doc[i].pos_ == "PROPN":
                return True
    return False


def restore_longer_names(doc: SpacyDoc, model_ents, gaz: Gazetteer, doc_ents=None) -> list[Span]:
    """The document's entities, where the model alone read a longer name around gazetteer matches:
    a person's name ("George Washington" around the capital's "Washington") replaces the matches
    inside it; an organization or facility named with a demonym ("the Australian Centre for ...")
    is added, the demonym kept as a nested mention. An organization or place of the gazetteer inside
    a longer organization ("NATO" in "NATO Istanbul Summit") stays as it is, and names the gazetteer
    knows are left to it."""
    ents = list(doc.ents if doc_ents is None else doc_ents)
    for name in model_ents:
        if name.label_ not in NAME_LABELS or gaz.lookup(clean_name(name.text)) is not None:
            continue
        inside = [e for e in ents if e.ent_id_ and name.start <= e.start and e.end <= name.end and len(e) < len(name)]
        clashing = [e for e in ents if e.start < name.end and name.start < e.end and e not in inside]
        if not inside or clashing:
            continue
        if name.label_ != "PERSON" and any(e.label_ != "NORP" for e in inside):
            continue
        span = Span(doc, name.start, name.end, label=name.label_)
        if name.label_ == "PERSON":
            ents = [e for e in ents if e not in inside]
        ents.append(span)
    return sorted(ents, key=lambda e: (e.start, -e.end))


def find_mentions(doc: SpacyDoc, gaz: Gazetteer, rules: EntityRules, model_ents=None,
                  doc_ents=None) -> list[tuple[Span, str, Canonical]]:
    """(span, label, canonical entity) for every entity mention of one analysed document, in
    document order; nested mentions ("LA" inside "LA Weekly") are kept. `model_ents`: the entities
    the statistical model reads without the gazetteer, where they were asked for."""
    text = doc.text  # joined from the tokens at every call: once here
    resolver = DocResolver(gaz, text, rules)
    sports = is_sports_report(doc, rules, text)
    found: list[tuple[Span, str, Canonical]] = []
    doc_ents = doc.ents if doc_ents is None else doc_ents
    ents = restore_longer_names(doc, model_ents, gaz, doc_ents) if model_ents else doc_ents
    matched = {(e.start, e.end): e.ent_id_ for e in doc_ents}
    for ent in ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        # A span's ent_id_ is its root token's: a restored longer name has none of its own.
        ent_id = matched.get((ent.start, ent.end), "")
        # Leading articles and trailing possessives are not part of the name.
        span = ent
        while len(span) > 1 and span[0].lower_ in rules.leading_articles:
            span = span[1:]
        if len(span) > 3 and span[-3].like_num and span[-2].text in rules.score_dashes and span[-1].like_num:
            span = span[:-3]  # a score: "Panama 3-0"
        if len(span) > 1 and span[-1].tag_ == "POS":
            span = span[:-1]
        label = ent.label_
        if label == "GPE" and _names_organization_after(doc, span, rules):
            # "LA Weekly", "United States Navy": an organization named after the place, which the
            # name also mentions.
            org = doc[span.start:span.end + 1]
            found.append((org, "ORG", resolver.resolve(org.text, "ORG", "")))
        c = resolver.resolve(span.text, label, ent_id)
        if c.entity_type in ("PERSON", "GPE", "ORG", "FAC", "LOC") and c.entity_type != label and label != "NORP" \
                and not ent_id.startswith("institution:"):
            label = c.entity_type  # the resolved entity's type wins over the model's guess
        if label == "LOC" and not ent_id and c.entity_id.startswith("ent_") and _is_organization_guess(span, rules):
            label, c = "ORG", resolver.resolve(span.text, "ORG", "")
        as_place = span.root.dep_ == "pobj" and span.root.head.lower_ in rules.place_preps
        if sports and label == "GPE" and c.entity_id.startswith(COUNTRY_ID_PREFIXES) and not as_place:
            label, c = "ORG", national_team(c)
        found.append((span, label, c))
    found += _misspelt_names(doc, gaz, found)
    found += _repeat_mentions(doc, found)
    found.sort(key=lambda f: f[0].start)
    return found


if not Span.has_extension("canonical"):
    Span.set_extension("canonical", default=None)


class EntityCanonicalizer:
    """spaCy component: every entity mention of a Doc, resolved to one canonical entity, in
    `doc.spans["mentions"]` (overlaps allowed). Each span's `kb_id_` is the canonical entity id and
    `span._.canonical` the entity (name, type, ISO country, sector)."""

    def __init__(self, nlp: Language, name: str, gazetteer_dir: str | None, rules_path: str | None):
        self.name = name
        self.nlp = nlp
        self.gaz = load_gazetteer(Path(gazetteer_dir) if gazetteer_dir else GAZETTEER_DIR)
        self.rules = load_entity_rules(Path(rules_path) if rules_path else RULES_PATH)

    def __call__(self, doc: SpacyDoc) -> SpacyDoc:
        spans = []
        ents = doc.ents
        model_ents = doc.spans.get(MODEL_ENTITIES) if may_hide_a_longer_name(doc, ents) else None
        for span, label, canonical in find_mentions(doc, self.gaz, self.rules, model_ents, ents):
            mention = Span(doc, span.start, span.end, label=label, kb_id=canonical.entity_id)
            mention._.canonical = canonical
            spans.append(mention)
        doc.spans[MENTIONS] = spans
        return doc


@Language.component("newsflow_model_entities")
def keep_model_entities(doc: SpacyDoc) -> SpacyDoc:
    """The model's entities as it read them, before the gazetteer's ruler overwrites some: a
    gazetteer match may cut a longer name ("Washington" in "George Washington") that
    newsflow_entities then restores. Keeping them costs nothing; reading them again would cost a
    second NER pass."""
    doc.spans[MODEL_ENTITIES] = list(doc.ents)
    return doc


@Language.factory("newsflow_entities", default_config={"gazetteer_dir": None, "rules_path": None})
def make_entity_canonicalizer(nlp: Language, name: str, gazetteer_dir: str | None, rules_path: str | None):
    """Data paths come from the component's config (`gazetteer_dir`: a folder of *.jsonl files;
    `rules_path`: an entity_rules.json); None means the files shipped in tasks/nlp/data/."""
    return EntityCanonicalizer(nlp, name, gazetteer_dir, rules_path)
