"""Entity mentions from spaCy Docs, each resolved to one canonical entity.

Resolution order for a mention: the gazetteer (ruler id, then folded alias lookup), an acronym
defined in the same document ("Popular Mobilization Forces (PMF)"), a short form of a person named
in full in the same document ("al-Sudani" after "Mohammed Shia al-Sudani"), and finally a stable id
from the normalized name and type, identical across documents.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from spacy.tokens import Doc as SpacyDoc

from tasks.gazetteer import INSTITUTION_NOUNS, Gazetteer, fold
from tasks.ids import stable_id

ENTITY_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE")
"""spaCy labels kept as entity mentions; dates and numbers are event attributes, not entities."""

_ACRONYM_DEF = re.compile(r"((?:[A-Z][\w'’-]*)(?:\s+(?:of|the|and|for|de|al|[A-Z][\w'’-]*))+)\s+\(([A-Z][A-Za-z]{1,7})\)")


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

    def __init__(self, gaz: Gazetteer, text: str):
        self.gaz = gaz
        self.acronyms: dict[str, str] = {m.group(2): clean_name(m.group(1)) for m in _ACRONYM_DEF.finditer(text)}
        self.people: list[tuple[list[str], Canonical]] = []
        self.by_initials: dict[str, Canonical] = {}

    def resolve(self, text: str, label: str, ent_id: str) -> Canonical:
        gaz = self.gaz
        if ent_id.startswith("institution:"):
            return self._institution(text, ent_id.split(":", 1)[1])
        if ent_id and ent_id in gaz.entries:
            return self._remember(from_gazetteer(gaz, ent_id), text)
        name = clean_name(text)
        entry = gaz.lookup(name)
        if entry is not None and entry.type in (label, "GPE", "LOC", "FAC", "ORG") and label != "PERSON":
            return self._remember(from_gazetteer(gaz, entry.id), text)
        if name in self.acronyms:
            long_form = self.acronyms[name]
            entry = gaz.lookup(long_form)
            found = from_gazetteer(gaz, entry.id) if entry else unknown_entity(long_form, label)
            return self._remember(found, text)
        if name in self.by_initials:
            return self.by_initials[name]
        if label == "PERSON":
            words = name.split()
            for full, canonical in self.people:
                if len(words) < len(full) and full[-len(words):] == words:
                    return canonical
        return self._remember(unknown_entity(name, label), text)

    def _institution(self, text: str, noun: str) -> Canonical:
        name = clean_name(text)
        demonym = name.split()[0]
        country = self.gaz.entries.get(self.gaz.by_demonym.get(demonym, ""))
        code = country.country if country else None
        canonical = f"{demonym} {noun}"
        return Canonical(stable_id("ent", "ORG", code, noun), canonical, "ORG", code, INSTITUTION_NOUNS.get(noun))

    def _remember(self, canonical: Canonical, text: str) -> Canonical:
        name = clean_name(text)
        if canonical.entity_type == "PERSON" and len(name.split()) >= 2:
            self.people.append((name.split(), canonical))
        ini = initials(canonical.canonical_name)
        if len(ini) >= 2 and ini not in self.by_initials and len(canonical.canonical_name.split()) >= 2:
            self.by_initials[ini] = canonical
        return canonical


def sentence_starts(doc: SpacyDoc) -> list[int]:
    return [s.start_char for s in doc.sents]


def sentence_index(starts: list[int], char: int) -> int:
    return max(bisect_right(starts, char) - 1, 0)


def extract_mentions(doc: SpacyDoc, doc_id: str, doc_kind: str, article_id: str, gaz: Gazetteer,
                     starts: list[int] | None = None) -> list[dict]:
    """Entity mention rows for one analysed document; offsets count into the document's text."""
    starts = starts if starts is not None else sentence_starts(doc)
    resolver = DocResolver(gaz, doc.text)
    rows = []
    for ent in doc.ents:
        if ent.label_ not in ENTITY_LABELS:
            continue
        # Leading articles and trailing possessives are not part of the name.
        span = ent
        while len(span) > 1 and span[0].lower_ in ("the", "a", "an"):
            span = span[1:]
        if len(span) > 1 and span[-1].tag_ == "POS":
            span = span[:-1]
        c = resolver.resolve(span.text, ent.label_, ent.ent_id_)
        rows.append({
            "mention_id": stable_id("men", doc_id, span.start_char, span.end_char),
            "doc_id": doc_id,
            "doc_kind": doc_kind,
            "article_id": article_id,
            "sentence_index": sentence_index(starts, span.start_char),
            "start_char": span.start_char,
            "end_char": span.end_char,
            "text": span.text,
            "label": ent.label_,
            "entity_id": c.entity_id,
            "canonical_name": c.canonical_name,
            "entity_type": c.entity_type,
            "country_code": c.country_code,
            "sector": c.sector,
        })
    return rows
