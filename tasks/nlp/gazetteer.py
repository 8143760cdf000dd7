"""The domain gazetteer: countries, territories and subdivisions, capitals, organizations, armed
groups, bases.

Countries and territories are all 249 of ISO 3166-1 and subdivisions those of ISO 3166-2, read
from the `pycountry` package (ids `country:<alpha-3>` and `subdivision:<ISO 3166-2 code>`);
data/gazetteer/countries.jsonl adds, per country, the names people write ("US", "Britain") and its
demonyms, with their source named at the top of the file. Subdivisions only name a span the model
already tagged as a place: their names are too often also a word or a person's name ("Victoria",
"Central") to be matched on their own.

Each file in data/gazetteer/ is JSON Lines, one entity a line (lines starting with // are comments):
    {"id": "country:IRQ", "name": "Iraq", "type": "GPE", "country": "IRQ",
     "aliases": ["Republic of Iraq"], "demonyms": ["Iraqi", "Iraqis"], "sector": "GOV"}
`id`, `name` and `type` are required; `type` is a spaCy label (GPE, LOC, FAC, ORG, PERSON, NORP);
`country` is an ISO-3166 alpha-3 code; `sector` is a CAMEO/PLOVER-style sector code. Add a line to
add an entity; add a file for a new family of entities. A line whose id is a pycountry country's
(`country:FRA`) adds to that country rather than duplicating it.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
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

SUBDIVISION_PREFIX = "subdivision:"


@dataclass(frozen=True)
class GazEntry:
    id: str
    name: str
    type: str
    country: str | None = None
    sector: str | None = None
    aliases: tuple[str, ...] = ()
    demonyms: tuple[str, ...] = ()
    matched_alone: bool = True
    """False for names matched only where the model already tagged a place (subdivisions)."""


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


def _iso_countries() -> list[GazEntry]:
    """The 249 countries and territories of ISO 3166-1 (pycountry): short name, official and
    common names as aliases (never the inverted "Korea, Republic of" forms)."""
    import pycountry

    out = []
    for c in pycountry.countries:
        name = getattr(c, "common_name", None) or c.name
        aliases = [n for n in (c.name, getattr(c, "official_name", None)) if n and n != name and ", " not in n]
        if "(" in name:  # "Falkland Islands (Malvinas)": the name before the bracket is the one written
            aliases.append(name)
            name = name.split(" (")[0]
        out.append(GazEntry(f"country:{c.alpha_3}", name, "GPE", c.alpha_3, None, tuple(aliases)))
    return out


def _iso_subdivisions(countries: dict[str, GazEntry]) -> list[GazEntry]:
    """ISO 3166-2 subdivisions (pycountry) whose name is one country's only: a name shared by
    subdivisions of two countries, or that is a country's, is left out (it would be a guess)."""
    import pycountry

    alpha3 = {c.alpha_2: c.alpha_3 for c in pycountry.countries}
    country_names = {fold(s) for e in countries.values() for s in (e.name, *e.aliases)}
    by_name: dict[str, list] = {}
    for sub in pycountry.subdivisions:
        by_name.setdefault(fold(sub.name), []).append(sub)
    out = []
    for folded, subs in by_name.items():
        if folded in country_names or len({s.country_code for s in subs}) > 1 or len(folded) < 4:
            continue
        sub = subs[0]
        out.append(GazEntry(f"{SUBDIVISION_PREFIX}{sub.code}", sub.name, "GPE", alpha3.get(sub.country_code), None,
                            matched_alone=False))
    return out


def _add(gaz: Gazetteer, entry: GazEntry) -> None:
    gaz.entries[entry.id] = entry
    for surface in (entry.name, *entry.aliases):
        gaz.by_alias.setdefault(surface, entry.id)
        gaz.by_folded.setdefault(fold(surface), entry.id)
        words = tuple(fold(surface).split())
        if len(words) >= 2 and entry.matched_alone:
            gaz.by_first_word.setdefault(words[0], []).append((words, entry.id))
    for demonym in entry.demonyms:
        gaz.by_demonym.setdefault(demonym, entry.id)


@lru_cache(maxsize=4)
def load_gazetteer(directory: Path = GAZETTEER_DIR) -> Gazetteer:
    """Every *.jsonl file in `directory`, then the ISO 3166 countries and subdivisions; a malformed
    line raises DataFileError with file and line. The files' names win where two entries share one."""
    files = sorted(Path(directory).glob("*.jsonl"))
    if not files:
        raise DataFileError(str(directory), None, "no gazetteer files (*.jsonl) found")
    iso = {e.id: e for e in _iso_countries()}
    entries: dict[str, GazEntry] = {}
    for path in files:
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.lstrip().startswith("//"):
                continue
            entry = _parse_line(path, lineno, line)
            if entry.id in entries:
                raise DataFileError(str(path), lineno, f"duplicate id {entry.id!r}")
            if entry.id in iso:  # the file's names first, then ISO's own
                base = iso[entry.id]
                aliases = tuple(dict.fromkeys(a for a in (*entry.aliases, base.name, *base.aliases) if a != entry.name))
                entry = replace(entry, aliases=aliases)
            entries[entry.id] = entry
    gaz = Gazetteer()
    for entry in entries.values():
        _add(gaz, entry)
    for eid, entry in iso.items():
        if eid not in entries:
            _add(gaz, entry)
    countries = {e.id: e for e in gaz.entries.values() if e.id.startswith("country:")}
    for entry in _iso_subdivisions(countries):
        if fold(entry.name) not in gaz.by_folded:
            _add(gaz, entry)
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


def ruler_patterns(gaz: Gazetteer, institution_nouns: dict[str, str] | None = None) -> list[dict]:
    """spaCy EntityRuler patterns: names and aliases with their type (each surface for the entry
    that owns it), demonyms as NORP, and '<demonym> <institution>' ("Iraqi parliament") as an ORG
    of that country. Entries not matched alone (subdivisions) give no pattern."""
    if institution_nouns is None:
        from tasks.nlp.entity_rules import load_entity_rules

        institution_nouns = load_entity_rules().institution_nouns
    patterns = []
    for entry in gaz.entries.values():
        if not entry.matched_alone:
            continue
        for surface in dict.fromkeys((entry.name, *entry.aliases)):
            if gaz.by_alias.get(surface) != entry.id:
                continue  # another entry owns this surface ("Hong Kong" the city or the territory)
            patterns.append({"label": entry.type, "pattern": surface, "id": entry.id})
            if surface[:1].islower():
                patterns.append({"label": entry.type, "pattern": surface[:1].upper() + surface[1:], "id": entry.id})
    demonyms = sorted(gaz.by_demonym)
    for noun in institution_nouns:
        words = noun.split()
        patterns.append({
            "label": "ORG",
            "pattern": [{"ORTH": {"IN": demonyms}}] + [{"LOWER": w} for w in words],
            "id": f"institution:{noun}",
        })
    for demonym, eid in gaz.by_demonym.items():
        patterns.append({"label": "NORP", "pattern": demonym, "id": eid})
    return patterns
