"""The word sets and thresholds of the entity rules, read from data/entity_rules.json and checked
against a schema at load: a bad entry stops the run with the file, the line and the reason.

Keys starting with "_" are documentation (`_doc`, `_sources`, `_<key>` notes) and are not read.
Every other key must be one of SCHEMA's, with a value of its kind:
  words     a list of distinct, non-empty strings (compared lower-cased unless noted)
  int       a whole number >= 1
  sectors   an object: phrase -> sector code (GOV, MIL, ...)
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from tasks.core.errors import DataFileError

RULES_PATH = Path(__file__).parent / "data" / "entity_rules.json"

SECTORS = {"GOV", "MIL", "REB", "OPP", "IGO", "NGO", "MED", "BUS", "CVL", "JUD", "LEG", "POL"}

SCHEMA = {
    "sports_cues": "words",
    "sports_phrases": "words",
    "min_sports_cues": "int",
    "place_preps": "words",
    "geographic_words": "words",
    "organization_heads": "words",
    "organization_words": "words",
    "institution_nouns": "sectors",
    "leading_articles": "words",
    "score_dashes": "words",
    "acronym_connectors": "words",
}
"""Every rule key and the kind of its value; all are required."""


@dataclass(frozen=True)
class EntityRules:
    sports_cues: frozenset[str]
    """Lemmas of team-sport reporting; a document with min_sports_cues distinct ones is a sports report."""
    sports_phrases: tuple[str, ...]
    min_sports_cues: int
    place_preps: frozenset[str]
    """Prepositions whose object is a place ("in Belgium" stays a place in a sports report)."""
    geographic_words: frozenset[str]
    """Words that keep a model's LOC a place."""
    organization_heads: frozenset[str]
    """Capitalised words that, after a place name, make an organization's name ("LA Weekly")."""
    organization_words: frozenset[str]
    """Words that show an unknown LOC of the model is an organization ("Sea Org" is not)."""
    institution_nouns: dict[str, str]
    """Noun -> sector: after a demonym, a state body ("Iraqi parliament": an ORG of Iraq, LEG)."""
    leading_articles: frozenset[str]
    score_dashes: frozenset[str]
    acronym_connectors: frozenset[str]
    """Lower-case words inside a name an acronym is defined for ("Islamic State of Iraq (ISI)")."""


def _line_of(lines: list[str], key: str, item: object = None) -> int | None:
    """The line of `key` in the file, or of `item` after it: where the reader should look."""
    start = next((i for i, line in enumerate(lines) if f'"{key}"' in line), None)
    if start is None:
        return None
    if item is None:
        return start + 1
    needle = json.dumps(item, ensure_ascii=False)
    for i in range(start, len(lines)):
        if needle in lines[i]:
            return i + 1
    return start + 1


def _check(path: Path, lines: list[str], key: str, kind: str, value: object) -> None:
    def fail(reason: str, item: object = None):
        raise DataFileError(str(path), _line_of(lines, key, item), f"'{key}': {reason}")

    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            fail(f"must be a whole number >= 1, not {value!r}")
    elif kind == "words":
        if not isinstance(value, list):
            fail("must be a list of words")
        seen = set()
        for item in value:
            if not isinstance(item, str) or not item.strip() or item != item.strip():
                fail(f"entry {item!r} is not a non-empty word without surrounding spaces", item)
            if item.lower() in seen:
                fail(f"entry {item!r} appears twice", item)
            seen.add(item.lower())
    elif kind == "sectors":
        if not isinstance(value, dict):
            fail("must be an object of phrase -> sector")
        for phrase, sector in value.items():
            if not phrase.strip() or phrase != phrase.lower():
                fail(f"phrase {phrase!r} must be non-empty and lower-case", phrase)
            if sector not in SECTORS:
                fail(f"sector {sector!r} of {phrase!r} is not one of {sorted(SECTORS)}", phrase)


@lru_cache(maxsize=4)
def load_entity_rules(path: Path = RULES_PATH) -> EntityRules:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(str(path), None, f"entity rules unreadable: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(str(path), exc.lineno, f"not valid JSON ({exc.msg})") from exc
    lines = text.splitlines()
    if not isinstance(data, dict):
        raise DataFileError(str(path), 1, "the file must hold one JSON object")
    for key in data:
        if not key.startswith("_") and key not in SCHEMA:
            raise DataFileError(str(path), _line_of(lines, key), f"unknown key {key!r} (known: {sorted(SCHEMA)})")
    for key, kind in SCHEMA.items():
        if key not in data:
            raise DataFileError(str(path), None, f"missing key {key!r}")
        _check(path, lines, key, kind, data[key])
    words = {key: frozenset(w.lower() for w in data[key]) for key, kind in SCHEMA.items() if kind == "words"}
    return EntityRules(
        sports_cues=words["sports_cues"], sports_phrases=tuple(w.lower() for w in data["sports_phrases"]),
        min_sports_cues=data["min_sports_cues"], place_preps=words["place_preps"],
        geographic_words=words["geographic_words"],
        organization_heads=frozenset(data["organization_heads"]),  # case matters: capitalised words
        organization_words=words["organization_words"], institution_nouns=dict(data["institution_nouns"]),
        leading_articles=words["leading_articles"], score_dashes=frozenset(data["score_dashes"]),
        acronym_connectors=frozenset(data["acronym_connectors"]),
    )
