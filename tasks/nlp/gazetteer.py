"""The domain gazetteer: countries, capitals, organizations, armed groups, bases, people.

Each file in data/gazetteer/ is JSON Lines, one entity a line:
    {"id": "country:IRQ", "name": "Iraq", "type": "GPE", "country": "IRQ",
     "aliases": ["Republic of Iraq"], "demonyms": ["Iraqi", "Iraqis"], "sector": "GOV"}
`id`, `name` and `type` are required; `type` is a spaCy label (GPE, LOC, FAC, ORG, PERSON, NORP);
`country` is an ISO-3166 alpha-3 code; `sector` is a CAMEO/PLOVER-style sector code. Add a line to
add an entity; add a file for a new family of entities.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tasks.core.errors import DataFileError

GAZETTEER_DIR = Path(__file__).parent / "data" / "gazetteer"
"""Where the shipped gazetteer files live; settings may point elsewhere."""

TYPES = {"GPE", "LOC", "FAC", "ORG", "PERSON", "NORP"}
SECTORS = {"GOV", "MIL", "REB", "OPP", "IGO", "NGO", "MED", "BUS", "CVL", "JUD", "LEG", "POL"}
_ISO3 = re.compile(r"^[A-Z]{3}$")

COUNTRY_ID_PREFIXES = ("country:", "nation:")
"""Gazetteer ids of countries (states and constituent nations such as Scotland)."""

INSTITUTION_NOUNS = {
    "government": "GOV", "parliament": "LEG", "cabinet": "GOV", "ministry": "GOV",
    "army": "MIL", "military": "MIL", "navy": "MIL", "air force": "MIL", "police": "GOV",
    "security forces": "MIL", "armed forces": "MIL", "forces": "MIL", "judiciary": "JUD",
}
"""Nouns that, after a demonym, name a state body ("Iraqi parliament" -> an ORG of Iraq, LEG)."""


@dataclass(frozen=True)
class GazEntry:
    id: str
    name: str
    type: str
    country: str | None = None
    sector: str | None = None
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()


@dataclass
class Gazetteer:
    entries: dict[str, GazEntry] = field(default_factory=dict)
    by_alias: dict[str, str] = field(default_factory=dict)
    """Exact surface form -> entity id."""
    by_folded: dict[str, str] = field(default_factory=dict)
    """Case- and punctuation-folded surface form -> entity id (for lookups after NER)."""
    by_demonym: dict[str, str] = field(default_factory=dict)
    by_first_word: dict[str, list[tuple[tuple[str, ...], str]]] = field(default_factory=dict)
    """First folded word -> (folded words, entity id) of multi-word names, for spelling variants."""

    def lookup(self, text: str) -> GazEntry | None:
        eid = self.by_alias.get(text) or self.by_folded.get(fold(text))
        return self.entries.get(eid) if eid else None


def fold(text: str) -> str:
    """Lower-case, no dots, hyphens as spaces, no leading article: 'the U.S.' -> 'us'."""
    text = text.lower().replace("’", "'").replace(".", "").replace("-", " ")
    text = re.sub(r"^the\s+", "", text)
    text = re.sub(r"'s$", "", text)
    return " ".join(text.split())


def _parse_line(path: Path, lineno: int, line: str) -> GazEntry:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataFileError(str(path), lineno, f"not valid JSON ({exc.msg})") from exc
    if not isinstance(raw, dict):
        raise DataFileError(str(path), lineno, "each line must be a JSON object")
    for key in ("id", "name", "type"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise DataFileError(str(path), lineno, f"missing or empty '{key}'")
    if raw["type"] not in TYPES:
        raise DataFileError(str(path), lineno, f"type {raw['type']!r} is not one of {sorted(TYPES)}")
    country = raw.get("country")
    if country is not None and not (isinstance(country, str) and _ISO3.match(country)):
        raise DataFileError(str(path), lineno, f"country {country!r} is not an ISO-3166 alpha-3 code")
    sector = raw.get("sector")
    if sector is not None and sector not in SECTORS:
        raise DataFileError(str(path), lineno, f"sector {sector!r} is not one of {sorted(SECTORS)}")
    for key in ("aliases", "demonyms"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise DataFileError(str(path), lineno, f"'{key}' must be a list of non-empty strings")
    return GazEntry(raw["id"], raw["name"], raw["type"], country, sector,
                    tuple(raw.get("aliases", [])), tuple(raw.get("demonyms", [])))


@lru_cache(maxsize=4)
def load_gazetteer(directory: Path = GAZETTEER_DIR) -> Gazetteer:
    """Every *.jsonl file in `directory`; a malformed line raises DataFileError with file and line."""
    gaz = Gazetteer()
    files = sorted(Path(directory).glob("*.jsonl"))
    if not files:
        raise DataFileError(str(directory), None, "no gazetteer files (*.jsonl) found")
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            entry = _parse_line(path, lineno, line)
            if entry.id in gaz.entries:
                raise DataFileError(str(path), lineno, f"duplicate id {entry.id!r}")
            gaz.entries[entry.id] = entry
            for surface in (entry.name, *entry.aliases):
                gaz.by_alias.setdefault(surface, entry.id)
                gaz.by_folded.setdefault(fold(surface), entry.id)
                words = tuple(fold(surface).split())
                if len(words) >= 2:
                    gaz.by_first_word.setdefault(words[0], []).append((words, entry.id))
            for demonym in entry.demonyms:
                gaz.by_demonym.setdefault(demonym, entry.id)
    return gaz


def within_one_edit(a: str, b: str) -> bool:
    """True when b is a with at most one character inserted, deleted or replaced."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:] if len(a) < len(b) else a[i + 1:] == b[i + 1:]


def fuzzy_lookup(gaz: Gazetteer, words: list[str]) -> tuple[int, str] | None:
    """(number of words matched, entity id) when `words` start with a multi-word gazetteer name
    spelt with one slip in one long word ("al Qaidi" for "al Qaida"); None otherwise."""
    folded = [fold(w) for w in words]
    for names in (gaz.by_first_word.get(folded[0]) if folded else None) or []:
        name, eid = names
        n = len(name)
        if len(folded) < n or folded[:n] == list(name):
            continue
        slips = [(a, b) for a, b in zip(folded[:n], name) if a != b]
        if len(slips) == 1 and len(slips[0][1]) >= 5 and within_one_edit(*slips[0]):
            return n, eid
    return None


def ruler_patterns(gaz: Gazetteer) -> list[dict]:
    """spaCy EntityRuler patterns: names and aliases with their type, demonyms as NORP, and
    '<demonym> <institution>' ("Iraqi parliament") as an ORG of that country."""
    patterns = []
    for entry in gaz.entries.values():
        for surface in dict.fromkeys((entry.name, *entry.aliases)):
            patterns.append({"label": entry.type, "pattern": surface, "id": entry.id})
            if surface[:1].islower():
                patterns.append({"label": entry.type, "pattern": surface[:1].upper() + surface[1:], "id": entry.id})
    demonyms = sorted(gaz.by_demonym)
    for noun in INSTITUTION_NOUNS:
        words = noun.split()
        patterns.append({
            "label": "ORG",
            "pattern": [{"ORTH": {"IN": demonyms}}] + [{"LOWER": w} for w in words],
            "id": f"institution:{noun}",
        })
    for demonym, eid in gaz.by_demonym.items():
        patterns.append({"label": "NORP", "pattern": demonym, "id": eid})
    return patterns
