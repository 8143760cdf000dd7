"""Every place on the map: toponyms found and resolved to GeoNames places.

The `newsflow_places` component runs after `newsflow_entities` and before `newsflow_events`:

1. Recognition. Place names the model missed are matched against the place index (countries,
   divisions, populated places, continents) with guards against common words: every word
   capitalised, a single word tagged a proper noun and not sentence-initial unless the index knows
   it as a country or division, no person's name or title, a populated place needing a minimum
   population, and a name the document also uses in lower case ("bath", "mobile") left alone.
   Names inside larger names count ("the Baghdad government", "Gaza-based", "Louisiana Purchase"),
   and so do an upper-case dateline ("TORRINGTON —"), a place opening a local institution's name
   ("Carthage Police"; a small town only when the document's other places lie around it:
   "Allendale Woman's Club" in a story of Bergen County), and a lone name the model read as a place
   that the entity linker made a person's. A speaker ("Taylor said", "according to Taylor") is no place.
   Names listed before a plural division word are divisions ("Cooke, Grayson and Love counties"); a
   name that says it is a county is one inside any longer name ("Hall County Environmental Health"),
   and a US state's dotted abbreviation is the state outside a person's name ("the N.J. Division of
   ...", "D-N.Y."). A
   town's name the model took for a person or an organisation is the town where the document also
   names it as a place and it modifies a noun ("Torrington firefighters"); a country's bare name
   the model read as an organisation (a national team) stays what the entity linker made it.
   Each new mention joins `doc.spans["mentions"]` with a Canonical (`geonames:<id>`).
   With `demonyms_as_places`, a demonym resolved to a country, a continent or a large division
   ("Iraqi", "European", "Iowans", and "Russian" opening "the Russian government", tagged or not) is
   a mention of it, as the geoparsing corpora count toponyms.
2. Resolution. Every place mention (GPE, LOC, FAC, and NORP mentions of a country: "Iraqi") gets
   `span._.place`, a `Place` (GeoNames id, point, feature class, ISO alpha-3 country, admin1) or
   None. Candidates come from the mention's name (and its canonical country when the gazetteer
   knows it); containment narrows them ("Paris, Texas", "Anbar province"); then population and
   feature class as priors, and the document's context: the countries and divisions of the places
   it names unambiguously, and nearness to them ("Georgia" beside "Tbilisi" is the country, beside
   "Atlanta" the state). In local news (a document naming mostly small towns and counties) a town
   lying near the readings of the document's other names (co-location) outweighs a famous
   namesake ("Paris" beside "Henry County": Tennessee; "Palestine" beside "Anderson County": the
   Texas town, not the country). A name's context is the document's other names: its own mentions
   never vote for one of its readings. A name
   that is no place takes the place opening it ("Anderson County Sheriff's Office"); a street or
   building the index does not know stands in the town named after it, else the document's town.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc as SpacyDoc
from spacy.tokens import Span, Token

from tasks.core.errors import DataFileError
from tasks.nlp.entities import MENTIONS, Canonical, clean_name, unknown_entity
from tasks.nlp.gazetteer import COUNTRY_ID_PREFIXES
from tasks.nlp.places_data import (ADMIN1, ADMIN2, CITY, CONTINENT, COUNTRY, FEATURE_CLASSES, Place, PlaceIndex,
                                   fold, place_index)

RULES_PATH = Path(__file__).parent / "data" / "places" / "rules.json"

if not Span.has_extension("place"):
    Span.set_extension("place", default=None)

_KIND_OF_WORD = {"division": (ADMIN1,), "county": (ADMIN2,), "place": (CITY,)}


@dataclass(frozen=True)
class Rules:
    place_labels: frozenset[str]
    embedding_labels: frozenset[str]
    blocking_labels: frozenset[str]
    division_words: dict[str, str]
    facility_words: tuple[str, ...]
    connectors: frozenset[str]
    person_titles: frozenset[str]
    place_preps: frozenset[str]
    facility_heads: frozenset[str]
    institution_words: tuple[tuple[str, ...], ...]
    dateline_marks: frozenset[str]
    speech_verbs: frozenset[str]
    attribution_phrases: tuple[tuple[str, ...], ...]
    city_prefixes: tuple[str, ...]
    """Gazetteer id prefixes of cities ("cap:", "city:")."""
    demonyms_as_places: bool
    """A demonym resolved to a country becomes a GPE mention of it (see _demonym_as_place)."""
    state_institutions: frozenset[str]
    """Words of a state's institutions after its demonym ("the Russian government")."""
    placed_labels: frozenset[str]
    """Labels of mentions that take their town's place when the index does not know them (streets, buildings)."""
    state_abbreviations: dict[str, str]
    compass_words: frozenset[str]
    """Words that place a name relative to the rest of it ("East Oxford", "West Africa"): alone, no
    place (though some countries call divisions so: "South", "West")."""
    min_population: dict[str, int]
    weights: dict


@lru_cache(maxsize=2)
def load_rules(path: Path = RULES_PATH) -> Rules:
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        rules = Rules(frozenset(d["place_labels"]), frozenset(d["embedding_labels"]), frozenset(d["blocking_labels"]),
                      dict(d["division_words"]), tuple(sorted(d["facility_words"], key=len, reverse=True)),
                      frozenset(d["name_connectors"]), frozenset(d["person_titles"]), frozenset(d["place_prepositions"]),
                      frozenset(d["facility_heads"]), tuple(tuple(w.split()) for w in d["institution_words"]),
                      frozenset(d["dateline_marks"]),
                      frozenset(d["speech_verbs"]), tuple(tuple(p.lower().split()) for p in d["attribution_phrases"]),
                      tuple(d["gazetteer_city_prefixes"]), bool(d["demonyms_as_places"]),
                      frozenset(w.lower() for w in d["state_institutions"]), frozenset(d["placed_in_town_labels"]),
                      {k.replace(" ", ""): v for k, v in d["us_state_abbreviations"].items()},
                      frozenset(w.lower() for w in d["compass_words"]), dict(d["min_population"]),
                      dict(d["weights"]))
        for kind in d["division_words"].values():
            if kind not in _KIND_OF_WORD:
                raise ValueError(f"division word kind {kind!r} is not one of {sorted(_KIND_OF_WORD)}")
        for name in FEATURE_CLASSES:
            float(rules.weights["kind"][name])
        return rules
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(str(path), None, f"place rules unreadable: {exc!r}") from exc


# --- recognition --------------------------------------------------------------------------------

def _words(doc: SpacyDoc) -> list[str]:
    """The document's token texts, read from its array (no Token objects: they are the cost)."""
    strings = doc.vocab.strings
    return [strings[o] for o in doc.to_array(ORTH).tolist()]


def _capitalised(tok: Token) -> bool:
    t = tok.text
    return t[:1].isupper() and (len(t) > 1 or t.isalpha())


def _name_at(doc: SpacyDoc, i: int, index: PlaceIndex, rules: Rules, blocked: set[int]) -> tuple[int, list[int]] | None:
    """The longest indexed place name starting at token i: (end token, candidate records)."""
    first = doc[i]
    if not _capitalised(first) or i in blocked:
        return None
    best = None
    words: list[str] = []
    for j in range(i, min(i + 5, len(doc))):
        tok = doc[j]
        if j in blocked:
            break
        if j > i and not (_capitalised(tok) or tok.lower_ in rules.connectors or tok.text in ("-", "'")):
            break
        words.append(tok.text)
        if j > i and not doc[j - 1].whitespace_ and tok.text not in ("-",) and doc[j - 1].text not in ("-",):
            break  # "Gaza-based": stop at the word glued on
        if not _capitalised(tok):
            continue
        key = fold(" ".join(words).replace(" - ", "-").replace(" -", "-").replace("- ", "-"))
        if len(words) == 1 and key not in index.first_words and key not in index.by_name:
            return None
        found = index.lookup(key)
        if found:
            best = (j + 1, found)
        elif len(words) > 1 and fold(words[0]) not in index.first_words:
            break
    return best


def common_words(nlp: Language) -> frozenset[str]:
    """Words English also uses as verbs, adjectives or adverbs ("bell", "police", "union",
    "mobile"), from the model's own lemmatizer tables (WordNet's index): a capitalised one alone is
    taken for a place only with evidence."""
    try:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    except (KeyError, ValueError, AttributeError):
        return frozenset()
    words = set()
    for pos in ("verb", "adj", "adv"):
        words.update(w for w in table.get(pos, ()) if "_" not in w)
    return frozenset(words)


def _attributed(span: Span, rules: Rules) -> bool:
    """The name is someone speaking: the subject of a speech verb ("Taylor said") or the source
    after an attribution ("according to Taylor", "said Harper")."""
    root = span.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_ in rules.speech_verbs:
        return True
    doc = span.doc
    for phrase in rules.attribution_phrases:
        n = len(phrase)
        if span.start >= n and tuple(t.lower_ for t in doc[span.start - n:span.start]) == phrase:
            return True
    return False


def _stands_alone(span: Span) -> bool:
    """No capitalised word glued to or beside the span: not a piece of a longer name ("Andrew
    Jordan", "Egypt Telecom", "Melbourne-Blake")."""
    doc = span.doc

    def name_word(i: int) -> bool:
        return 0 <= i < len(doc) and (doc[i].is_title or doc[i].text in ("-", "&"))
    return not name_word(span.start - 1) and not name_word(span.end)


def _model_place(span: Span, records: list[int], index: PlaceIndex, rules: Rules, full_names: set[str]) -> bool:
    """The model's place reading stands against the entity linker's person or organisation one,
    unless the name is a speaker or the surname of a person the document names in full (a
    country's or a state's name excepted: "Egypt" after a title "Rethinking Egypt")."""
    if not _stands_alone(span):
        return False
    if any(index.kind[r] in (COUNTRY, ADMIN1, CONTINENT) for r in records):
        return True
    return span.text not in full_names and not _attributed(span, rules)


def _dateline(span: Span, rules: Rules) -> bool:
    """An upper-case name opening a line or a sentence before a dash, colon or comma: a news
    dateline ("TORRINGTON —", "BEIRUT:", "SOUTH WAZIRISTAN, April 5")."""
    doc = span.doc
    if len(span.text) <= 3 or not all(t.is_upper or not t.is_alpha for t in span):
        return False
    opens = span.start == 0 or span[0].is_sent_start or "\n" in doc[span.start - 1].text_with_ws \
        or doc[span.start - 1].text in (".", "!", "?")
    return opens and span.end < len(doc) and doc[span.end].text in rules.dateline_marks


def _evidence(span: Span, records: list[int], index: PlaceIndex, rules: Rules, ctx: "_Context",
              local: bool = True, preposition: bool = True) -> bool:
    """Something beside the name says it is a place: a place preposition before it ("in Dublin"),
    a containing place after it ("Dublin, Ga."), or (with `local`) a candidate in the document's
    places (same division, or near one of them)."""
    doc = span.doc
    if preposition and span.start > 0 and doc[span.start - 1].lower_ in rules.place_preps \
            and not _attributed(span, rules):
        return True
    if _container(span, index, rules):
        return True
    if span.start > 1 and doc[span.start - 1].lower_ == "of" \
            and _division_word(doc[span.start - 2].lower_, rules) is not None:
        return True  # "the coastal town of Izmir", "the villages of Nuli": a place by apposition
    if not local:
        return False
    for r in records:
        a1 = r if index.kind[r] == ADMIN1 else index.admin1[r]
        if a1 >= 0 and ctx.division_count(index, a1) > 0:
            return True
        if index.kind[r] in (CITY, ADMIN2) and ctx.near(index, r, rules.weights["near_km"]):
            return True
    return False


def recognise(doc: SpacyDoc, index: PlaceIndex, rules: Rules, ctx: "_Context", common: frozenset[str],
              words: list[str] | None = None) -> list[Span]:
    """New place mentions (GPE or LOC spans, kb_id `geonames:<id>`) for names the model missed,
    inside other names too ("the Baghdad government" when the model took it for an ORG)."""
    mentions = list(doc.spans[MENTIONS]) if MENTIONS in doc.spans else []
    covered: set[int] = set()
    blocked: set[int] = set()
    embedded: set[int] = set()
    persons: dict[int, Span] = {}
    # Spans the model read as places that the entity linker then made a person's or an
    # organisation's (every "Egypt" linked to a title's "Rethinking Egypt"): left to recognition.
    model_places = {(e.start, e.end) for e in doc.ents if e.label_ in ("GPE", "LOC")}
    for m in mentions:
        if m.label_ in rules.place_labels:
            covered.update(range(m.start, m.end))
        elif m.label_ in ("PERSON", "ORG") and (m.start, m.end) in model_places and _stands_alone(m) \
                and not (m._.canonical and m._.canonical.country_code):
            continue  # (a linked entity, such as a country's national team, stays what the linker made it)
        elif m.label_ == "PERSON":
            persons.update({i: m for i in range(m.start, m.end)})
        elif m.label_ in rules.embedding_labels and not (m._.canonical and m._.canonical.country_code):
            embedded.update(range(m.start, m.end))
        else:
            blocked.update(range(m.start, m.end))
    for ent in doc.ents:
        if ent.label_ in rules.blocking_labels and ent.label_ != "PERSON":
            blocked.update(range(ent.start, ent.end))
    words = words if words is not None else _words(doc)
    lower_words = {w for w in words if w.islower()}
    surnames = {t.text for m in mentions if m.label_ == "PERSON" for t in m}
    full_names = {t.text for m in mentions if m.label_ == "PERSON" and len(m) > 1 for t in m}
    new: list[Span] = []
    stop = covered | blocked
    doubted_spans = {(m.start, m.end) for m in mentions if m.label_ in ("PERSON", "ORG")}
    doubted: list[tuple[Span, list[int]]] = []
    i = 0
    while i < len(doc):
        w = words[i]
        # Most words open no place name: ruled out on the text alone, before any Token is made.
        opens = w[:1].isupper() and (len(w) > 1 or w.isalpha()) and \
            ((k := fold(w)) in index.first_words or k in index.by_name)
        found = None if i in stop or not opens else _name_at(doc, i, index, rules, stop)
        if found is None:
            i += 1
            continue
        end, records = found
        span = doc[i:end]
        # A county's name without its word ("Bell" for Bell County, "Lot") is no evidence of a place.
        records = [r for r in records if index.kind[r] != ADMIN2 or (len(span) > 1 and fold(index.names[r]) == fold(span.text))]
        if records and ((span.start, span.end) in model_places
                        and _model_place(span, records, index, rules, full_names) or
                        _accept(span, records, index, rules, ctx, lower_words, common, embedded, persons, surnames,
                                words)):
            best = max(records, key=lambda r: _score(index, r, ctx, rules))
            p = index.place(best)
            label = "LOC" if index.kind[best] == CONTINENT else "GPE"
            mention = Span(doc, span.start, span.end, label=label, kb_id=f"geonames:{p.geonames_id}")
            mention._.canonical = Canonical(f"geonames:{p.geonames_id}", p.name, label, p.country_code, None)
            new.append(mention)
            i = end
        else:
            if records and (span.start, span.end) in doubted_spans:
                doubted.append((span, records))
            i += 1
    new += _dotted_states(doc, index, rules, words, covered | blocked | set(persons) | {
        k for m in new for k in range(m.start, m.end)})
    # One sense per document: a town's name the model took for a person or an organisation, where
    # the document also has it as a place, is that place when it modifies a noun as places do
    # ("the Gainesville sewer system", "Torrington firefighters") or follows a place preposition.
    # Not as a verb's subject or object ("Bell ran", "beat Ismaili"): a person or a team. Nor a
    # country's name (a national team), a speaker, a titled person or a person's name in full, nor
    # an acronym ("NATO"), nor a village's name (a person's more often: "Luther").
    placed_names = ({fold(m.text) for m in new} | {fold(m.text) for m in mentions if m.label_ in rules.place_labels}) \
        if doubted else set()
    for span, records in doubted:
        prev = doc[span.start - 1].text if span.start > 0 else ""
        root = span.root
        modifies = root.dep_ in ("compound", "amod", "nmod") and root.head.i >= span.end
        if fold(span.text) in placed_names and span.text not in full_names and span[0].lower_ not in lower_words \
                and not span.text.isupper() and max(index.pop[r] for r in records) >= rules.min_population["single_word"] \
                and (modifies or _evidence(span, records, index, rules, ctx, local=False)) \
                and fold(prev) not in rules.person_titles and not _attributed(span, rules) \
                and not any(index.kind[r] in (COUNTRY, CONTINENT) for r in records):
            best = max(records, key=lambda r: _score(index, r, ctx, rules))
            p = index.place(best)
            mention = Span(doc, span.start, span.end, label="GPE", kb_id=f"geonames:{p.geonames_id}")
            mention._.canonical = Canonical(f"geonames:{p.geonames_id}", p.name, "GPE", p.country_code, None)
            new.append(mention)
    return new


def _dotted_states(doc: SpacyDoc, index: PlaceIndex, rules: Rules, words: list[str], taken: set[int]) -> list[Span]:
    """A US state's abbreviation with a dot inside it ("N.J.", "S.C.", "W.Va.") is that state wherever
    it stands, inside an organisation's name too ("the N.J. Division of ...", "D-N.Y."): no word of
    English is spelt so. Not inside a person's name, nor where another mention has the word."""
    out = []
    for i, w in enumerate(words):
        if "." not in w[:-1] or i in taken:
            continue
        r = _state(w, index, rules)
        if r is None:
            continue
        p = index.place(r)
        mention = Span(doc, i, i + 1, label="GPE", kb_id=f"geonames:{p.geonames_id}")
        mention._.canonical = Canonical(f"geonames:{p.geonames_id}", p.name, "GPE", p.country_code, None)
        out.append(mention)
    return out


def _accept(span: Span, records: list[int], index: PlaceIndex, rules: Rules, ctx: "_Context",
            lower_words: set[str], common: frozenset[str], embedded: set[int], persons: dict[int, Span],
            surnames: set[str], words: list[str]) -> bool:
    first = span[0]
    doc = span.doc
    prev = doc[span.start - 1] if span.start > 0 else None
    if prev is not None and fold(prev.text) in rules.person_titles:
        return False
    if all(t.is_upper for t in span) and len(span.text) <= 3:
        return False  # "US", "IT": abbreviations are the gazetteer's business
    single = len(span) == 1
    if single and first.lower_ in lower_words:
        return False  # the document uses the word in lower case: a common word here
    if single and first.lower_ in rules.compass_words and _stands_alone(span):
        return False  # "the West", "the North's": no division of that name (see candidates)
    strong = any(index.kind[r] in (COUNTRY, ADMIN1, CONTINENT) and index.pop[r] >= rules.min_population["division"]
                 for r in records)
    top_pop = max(index.pop[r] for r in records)
    if len(span) > 1 and _division_word(span[-1].lower_, rules) == "county" \
            and any(index.kind[r] == ADMIN2 for r in records):
        # A name that says it is a county is one wherever it stands, inside another name too
        # ("Hall County Environmental Health", "Anderson County Crimestoppers"): no surname nor
        # common word is followed by "County".
        return True
    # A place opening a local institution's name is that place ("Beverly Hills Police Department",
    # "Groton Town Council", "Anderson County Sheriff"), whatever the model took the name for.
    institution = (span.end in persons or span.end in embedded) and \
        (span.start - 1 not in persons and span.start - 1 not in embedded) and \
        any(tuple(words[span.end:span.end + len(w)]) == w for w in rules.institution_words)
    if institution:
        return top_pop >= rules.min_population["in_context"] or strong
    person = [persons[i] for i in range(span.start, span.end) if i in persons]
    if person:
        # The model took it for a person: a place only when the whole name is the place and
        # something beside it says so.
        whole = person[0].start == span.start and person[-1].end == span.end
        return whole and _evidence(span, records, index, rules, ctx)
    dateline = _dateline(span, rules)
    if dateline and top_pop >= rules.min_population["dateline"]:
        return True
    if single and not strong and _attributed(span, rules):
        return False
    if single and not dateline and first.pos_ != "PROPN":
        return False
    inside = [i for i in range(span.start, span.end) if i in embedded]
    if inside:
        whole = not ((span.start - 1) in embedded or span.end in embedded)
        if whole:  # the model took the place for an organisation ("Torrington", "Bicester")
            if single and (first.lower_ in common or first.is_stop):
                return _evidence(span, records, index, rules, ctx, local=False)
            return top_pop >= rules.min_population["untagged"] or strong or _evidence(span, records, index, rules, ctx)
        # Inside another name a place opens it or follows a preposition ("Atlanta Police",
        # "University of California"); a place-named word in the middle of a name is one of its
        # words ("the Australian Centre for ..."). And it is a well-known place.
        name_start = span.start
        while name_start - 1 in embedded:
            name_start -= 1
        if name_start != span.start and doc[span.start - 1].pos_ != "ADP":
            return False
        if (strong and not (single and first.lower_ in common)) or top_pop >= rules.min_population["embedded"]:
            return True
        # A town opening the name of a local body is that town when the document's other places
        # lie around it ("Allendale Woman's Club", "Columbia County Detention Center" in a
        # story about Augusta): local news names its institutions after the town.
        # A preposition before the name is the organisation's ("at Landmark Bank"), and a street
        # or a name's head word is no town ("DeKalb Ave.", "University of ...").
        after = doc[span.end] if span.end < len(doc) else None
        return name_start == span.start and not (single and (first.lower_ in common or first.text in surnames)) \
            and after is not None and after.text not in rules.facility_heads and _capitalised(after) \
            and top_pop >= rules.min_population["in_context"] \
            and _evidence(span, records, index, rules, ctx, preposition=False)
    country = any(index.kind[r] in (COUNTRY, CONTINENT) for r in records)
    if single and (first.lower_ in common or first.is_stop) and not country:
        return _evidence(span, records, index, rules, ctx, local=False) and \
            (strong or top_pop >= rules.min_population["single_word"])
    if single and first.text in surnames:
        return _evidence(span, records, index, rules, ctx, local=False)  # "Taylor" after "Mike Taylor"
    if strong:
        return True
    if single and first.is_sent_start and not dateline:
        return _evidence(span, records, index, rules, ctx) and top_pop >= rules.min_population["in_context"]
    if single:
        return top_pop >= rules.min_population["untagged"] or \
            (top_pop >= rules.min_population["in_context"] and _evidence(span, records, index, rules, ctx))
    return top_pop >= rules.min_population["multi_word"] or \
        (top_pop >= rules.min_population["in_context"] and _evidence(span, records, index, rules, ctx))


def _division_word(word: str, rules: Rules) -> str | None:
    """The division word ("town") a word is, singular or plural ("villages"), or None."""
    if word in rules.division_words:
        return word
    return next((w for w in rules.division_words if _plural(w) == word), None) if word.endswith("s") else None


def _plural(word: str) -> str:
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + ("es" if word.endswith(("s", "sh", "ch", "x")) else "s")


def _division_plurals(rules: Rules) -> dict[str, str]:
    plurals = {_plural(w): w for w, kind in rules.division_words.items() if kind != "place"}
    return {**plurals, **{p.title(): w for p, w in plurals.items()}}


def listed_divisions(doc: SpacyDoc, index: PlaceIndex, rules: Rules, words: list[str] | None = None) -> list[Span]:
    """The names listed before a plural division word, each a division of that kind: "Cooke,
    Grayson and Love counties", "Nassau and Baker counties" (GPE mentions, whatever the model made
    of the names)."""
    plurals = _division_plurals(rules)
    words = words if words is not None else _words(doc)
    out: list[Span] = []
    for i, w in enumerate(words):
        if w not in plurals or i == 0:
            continue
        singular = plurals[w]
        kinds = _KIND_OF_WORD[rules.division_words[singular]]
        items, j = [], i - 1
        while j >= 0:
            a = j
            while a >= 0 and j - a < 3 and _capitalised(doc[a]) and not doc[a].is_sent_start:
                a -= 1
            if a == j:
                break
            items.append((a + 1, j + 1))
            j = a
            if j >= 0 and doc[j].text == ",":
                j -= 1
            if j >= 0 and doc[j].lower_ in ("and", "or"):
                j -= 1
            elif not (j + 1 < len(doc) and doc[j + 1].text == ","):
                break
        if len(items) < 2:
            continue
        for a, b in items:
            name = doc[a:b].text
            found = [r for r in index.lookup(f"{name} {singular}") + index.lookup(name) if index.kind[r] in kinds]
            if not found:
                continue
            best = max(found, key=lambda r: index.pop[r])
            p = index.place(best)
            mention = Span(doc, a, b, label="GPE", kb_id=f"geonames:{p.geonames_id}")
            mention._.canonical = Canonical(f"geonames:{p.geonames_id}", p.name, "GPE", p.country_code, None)
            out.append(mention)
    return out


def _as_facility(m: Span) -> Span:
    c = m._.canonical
    out = Span(m.doc, m.start, m.end, label="FAC", kb_id=m.kb_id_)
    out._.canonical = Canonical(c.entity_id, c.canonical_name, "FAC", c.country_code, c.sector) if c else \
        unknown_entity(clean_name(m.text), "FAC")
    return out


def facilities(doc: SpacyDoc, mentions: list[Span], rules: Rules, words: list[str] | None = None) -> list[Span]:
    """The mentions with streets, squares, rivers and buildings as places (FAC): a name ending in
    a facility word ("Royal Street", "Holy Redeemer Church") the model took for an organisation or
    a person is a facility, and one it did not tag at all becomes a FAC mention."""
    out, taken = [], set()
    for m in mentions:
        if m.label_ in ("ORG", "PERSON") and len(m) > 1 and m[-1].text in rules.facility_heads \
                and not m.kb_id_.startswith(("org:", "per:")):
            m = _as_facility(m)
        out.append(m)
        taken.update(range(m.start, m.end))
    for i, word in enumerate(words if words is not None else _words(doc)):
        if word not in rules.facility_heads or i in taken or i == 0:
            continue
        tok = doc[i]
        start = tok.i
        while start > 0 and start - 1 not in taken and _capitalised(doc[start - 1]) and tok.i - start < 4 \
                and not doc[start - 1].is_sent_start:
            start -= 1
        if start == tok.i:
            continue
        span = doc[start:tok.i + 1]
        c = unknown_entity(clean_name(span.text), "FAC")
        mention = Span(doc, span.start, span.end, label="FAC", kb_id=c.entity_id)
        mention._.canonical = c
        out.append(mention)
        taken.update(range(span.start, span.end))
    return out


# --- resolution ---------------------------------------------------------------------------------

def _prior(index: PlaceIndex, r: int, rules: Rules) -> float:
    kind = rules.weights["kind"][FEATURE_CLASSES[index.kind[r]]]
    return math.log10(index.pop[r] + 10) + kind + (rules.weights["capital"] if r in index.capitals else 0.0)


def _strip_name(text: str) -> str:
    text = text.strip().strip("?!,;:\"'“”‘’()")
    for suffix in ("'s", "’s"):
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    return text


TOWN_SHARE = 0.5
"""A first-level division gives way to a town of its name holding at least this share of its people."""


def _prefer_places(index: PlaceIndex, found: list[int]) -> list[int]:
    """A division named after the place it holds ("Tbilisi", "Gaza", "Paris") gives way to that
    place: a bare name means the town."""
    towns = [r for r in found if index.kind[r] == CITY]

    def gives_way(r: int) -> bool:
        if index.kind[r] == ADMIN2:
            return any(index.admin2[t] == r for t in towns)
        # A state far larger than its namesake town ("New York", "Quebec") stays a candidate.
        return any(index.admin1[t] == r and index.pop[t] >= TOWN_SHARE * index.pop[r] for t in towns)
    return [r for r in found if index.kind[r] not in (ADMIN1, ADMIN2) or not gives_way(r)]


def _state(text: str, index: PlaceIndex, rules: Rules) -> int | None:
    """A US state by its abbreviation ("Ga.", "Calif.", "W.Va.") or postal code after a comma."""
    code = rules.state_abbreviations.get(text.replace(" ", ""))
    return index.us_states.get(code) if code else None


def candidates(span: Span, index: PlaceIndex, rules: Rules) -> tuple[list[int], bool]:
    """(candidate records, fixed): fixed when the mention itself decides (a country named by the
    gazetteer with no division of that name, a demonym, a single place inside a named container)."""
    c = span._.canonical
    eid = span.kb_id_ or (c.entity_id if c else "")
    text = _strip_name(span.text)
    state = _state(text, index, rules)
    if state is not None:
        return [state], True
    placed = _placed(span, text, index, rules)
    if placed:
        return placed, len(placed) == 1
    if c is not None and eid.startswith(COUNTRY_ID_PREFIXES[0]) and c.country_code in index.country_record \
            and (span.label_ in ("GPE", "NORP", "LOC") or c.entity_type == "GPE"):
        country = index.country_record[c.country_code]
        # A state of that name ("Georgia"), and in local news a town ("Palestine" beside
        # "Anderson County": Palestine, Texas) may be meant: context decides among them.
        rivals = [r for r in index.lookup(text) if index.kind[r] in (ADMIN1, CITY)] if span.label_ != "NORP" else []
        return ([country, *rivals], False) if rivals else ([country], True)
    if span.label_ == "NORP":
        r = index.demonyms.get(fold(text))
        return ([r], True) if r is not None else ([], False)
    found = index.lookup(text.rstrip("."))
    key = fold(text)
    words = key.split()
    if key in rules.compass_words:
        return [], False
    if len(words) > 1 and words[-1] in rules.division_words:
        kinds = _KIND_OF_WORD[rules.division_words[words[-1]]]
        found = [r for r in found if index.kind[r] in kinds] or found or \
            [r for r in index.lookup(" ".join(words[:-1])) if index.kind[r] in kinds] or index.lookup(" ".join(words[:-1]))
    else:
        found = _prefer_places(index, found)
    if not found:
        for head in rules.facility_words:
            if key.endswith(" " + head):
                found = index.lookup(key[: -len(head) - 1])
                break
    code = text.replace(".", "")
    if not found and code.isalpha() and code.isupper() and len(code) <= 3:
        # A division by its ISO 3166-2 code, dotted or not ("B.C.", "NSW"); context picks the country.
        found = list(index.division_codes.get(code, ()))
    if not found and len(words) > 1 and words[0] in ("al", "el"):
        found = index.lookup(" ".join(words[1:]))
    if not found and len(span) > 1:
        found = _opening_place(span, index, rules)
    if span.label_ == "LOC" and all(index.kind[r] == CITY and index.pop[r] < rules.min_population["single_word"]
                                    for r in found):
        # A region, sea or range the index does not hold ("Caucasus"): never a village of that name.
        # Where a larger place has the name, the model's LOC is no region ("Harlem"): context
        # decides among its namesakes, villages too (Harlem, Georgia, beside Grovetown).
        found = []
    if eid.startswith(COUNTRY_ID_PREFIXES) and c is not None and c.country_code and found:
        found = [r for r in found if index.country_of(r) == c.country_code and index.kind[r] in (COUNTRY, ADMIN1)] \
            or [index.country_record[c.country_code]] if c.country_code in index.country_record else found
    container = _container(span, index, rules)
    if container and found:
        inside = [r for r in found if any(_inside(index, r, k) for k in container)]
        if inside:
            return inside, len(inside) == 1
    if c is not None and c.country_code and found and (span.label_ == "FAC" or c.entity_id.startswith("fac:")):
        # A facility: a place of its country by its name, or nothing.
        return [r for r in found if index.country_of(r) == c.country_code], False
    if eid.startswith(rules.city_prefixes):
        # The gazetteer knows the name as a city ("Washington" the capital): never a county of
        # that name; the city itself is favoured in scoring (see _score).
        found = [r for r in found if index.kind[r] != ADMIN2] or found
    return found, False


def _placed(span: Span, text: str, index: PlaceIndex, rules: Rules) -> list[int]:
    """The places of that name inside the container named after it ("Palestine, Texas", "Paris,
    Tenn."): what the text says outweighs what the gazetteer makes of the name alone."""
    if span.end >= len(span.doc) or span.doc[span.end].text != ",":
        return []
    container = _container(span, index, rules)
    return [r for r in index.lookup(text) if any(_inside(index, r, k) for k in container)] if container else []


def _opening_place(span: Span, index: PlaceIndex, rules: Rules) -> list[int]:
    """The place whose name opens a longer name that is itself none ("Anderson County Sheriff's
    Office", "Columbus Metropolitan Library", "Fort Mill High School"): the institution or building
    stands in that place. Longest opening first; a single word only when it is a division or a
    town of some size, since many names open with a village's name by chance."""
    words = [t.text for t in span]
    if len(span) > 1 and span[0].lower_ in rules.compass_words:
        # "East Oxford", "South St. Paul", "West Africa": the place the rest names, not a
        # division some country calls "East".
        rest = span[1:]
        return index.lookup(rest.text.rstrip(".")) or _opening_place(rest, index, rules)
    for n in range(len(words) - 1, 0, -1):
        if not _capitalised(span[n - 1]):
            continue
        found = index.lookup(" ".join(words[:n]))
        if n == 1:
            # Streets and buildings are mostly named after people ("Collins Avenue", "Carnegie
            # Library"): one word opens a place only when that place is a large one.
            found = [r for r in found
                     if index.kind[r] in (COUNTRY, ADMIN1) or index.pop[r] >= rules.min_population["single_word"]]
        if found:
            return found
    return []


def _hint(span: Span, index: PlaceIndex) -> int:
    """The country the gazetteer gives the mention's entity (an index into index.countries), 0 if none."""
    c = span._.canonical
    code = c.country_code if c is not None else None
    return index.country[index.country_record[code]] if code in index.country_record else 0


def _container(span: Span, index: PlaceIndex, rules: Rules) -> list[int]:
    """Records of the place after "X, " ("Paris, Texas", "Dublin, Ga."), for containment."""
    doc = span.doc
    if span.end + 1 >= len(doc) or doc[span.end].text != ",":
        return []
    j = span.end + 1
    words = []
    for k in range(j, min(j + 4, len(doc))):
        if not (_capitalised(doc[k]) or doc[k].text == "."):
            break
        words.append(doc[k].text)
    for n in range(len(words), 0, -1):
        name = " ".join(words[:n])
        state = _state(name.replace(" .", "."), index, rules) if n <= 3 else None
        if state is None and n == 1 and len(name) == 2 and name.isupper():
            state = index.us_states.get(name)  # "Paris, TX"
        if state is not None:
            return [state]
        found = [r for r in index.lookup(name) if index.kind[r] in (COUNTRY, ADMIN1)]
        if found:
            return [] if _listed(doc, j + n) else found
    return []


def _listed(doc: SpacyDoc, k: int) -> bool:
    """The name ending before token k goes on into a list ("Washington, New York and Boston"):
    the comma before it joined two items, not a place and its container."""
    if k >= len(doc):
        return False
    if doc[k].lower_ in ("and", "or"):
        return True
    return doc[k].text == "," and k + 1 < len(doc) and _capitalised(doc[k + 1])


def _inside(index: PlaceIndex, r: int, container: int) -> bool:
    if index.kind[container] == COUNTRY:
        return index.country[r] == index.country[container] and r != container
    if index.kind[container] == ADMIN1:
        return index.admin1[r] == container
    return False


@dataclass
class _Context:
    """The places a document names, as counts, less the picks of one name's mentions (`own`):
    built once per round and shared by every mention, instead of once per mention."""
    countries: dict[int, int]
    """country index -> places in it (0: places of no country, continents)."""
    divisions: dict[int, int]
    """first-level division record -> places in it."""
    towns: dict[int, int]
    """town or county record -> how many mentions picked it."""
    total: int = 0
    local: float = 0.0
    """Share of the places that are small towns and counties: local news, where a small town
    outweighs its famous namesake; a story naming "Washington, New York and Boston" is not."""
    own: tuple[int, ...] = ()

    def excluding(self, own: tuple[int, ...]) -> "_Context":
        return _Context(self.countries, self.divisions, self.towns, self.total, self.local, own)

    def country_share(self, index: PlaceIndex, r: int) -> float:
        c = index.country[r]
        n, total = self.countries.get(c, 0), self.total
        for o in self.own:
            total -= 1
            n -= index.country[o] == c
        return n / total if c and n > 0 else 0.0

    def division_count(self, index: PlaceIndex, a1: int) -> int:
        """Places in division a1, the mention's own pick left out."""
        n = self.divisions.get(a1, 0)
        for o in self.own:
            n -= (o if index.kind[o] == ADMIN1 else index.admin1[o]) == a1
        return n

    def near(self, index: PlaceIndex, r: int, km: float) -> bool:
        """A town or county of the document, other than r, lies within km of r (latitude first: it
        rules most out without the great-circle arithmetic)."""
        lat, span = index.lat[r], km / KM_PER_DEGREE_LATITUDE
        for a, count in self.towns.items():
            if a != r and abs(index.lat[a] - lat) < span and count > self.own.count(a) \
                    and index.distance_km(a, r) < km:
                return True
        return False


EMPTY_CONTEXT = _Context({}, {}, {})


def _context(index: PlaceIndex, picks: list[int]) -> _Context:
    countries: dict[int, int] = {}
    divisions: dict[int, int] = {}
    towns: dict[int, int] = {}
    small = 0
    for r in picks:
        small += index.kind[r] == ADMIN2 or (index.kind[r] == CITY and index.pop[r] < LOCAL_POPULATION)
        countries[index.country[r]] = countries.get(index.country[r], 0) + 1
        a1 = r if index.kind[r] == ADMIN1 else index.admin1[r]
        if a1 >= 0:
            divisions[a1] = divisions.get(a1, 0) + 1
        if index.kind[r] in (CITY, ADMIN2):
            towns[r] = towns.get(r, 0) + 1
    return _Context(countries, divisions, towns, len(picks), small / len(picks) if picks else 0.0)


LOCAL_POPULATION = 100_000
"""A town smaller than this is a local place: a document naming mostly such places is local news."""


KM_PER_DEGREE_LATITUDE = 111.2


def _score(index: PlaceIndex, r: int, ctx: _Context, rules: Rules, hint: int = 0, meant: int = -1) -> float:
    w = rules.weights
    s = _prior(index, r, rules)
    if hint and index.country[r] == hint:
        s += w["gazetteer_country"]
        if r == meant:
            s += w["gazetteer_city"]
    if index.kind[r] == CONTINENT:
        return s
    s += w["same_country"] * ctx.country_share(index, r)
    a1 = r if index.kind[r] == ADMIN1 else index.admin1[r]
    local = 0.0
    if a1 >= 0:
        if ctx.division_count(index, a1) > 0:
            local = w["same_division"]
    if index.kind[r] in (CITY, ADMIN2) and local < w["near_anchor"] and ctx.near(index, r, w["near_km"]):
        local = w["near_anchor"]
    return s + local


def _meant_city(found: list[int], index: PlaceIndex, hint: int) -> int:
    """The city the gazetteer means by a city's name: its country's capital of that name, else its
    most populous town of that name; not every namesake in the country ("Washington", Indiana)."""
    towns = [r for r in found if index.kind[r] == CITY and index.country[r] == hint]
    if not towns:
        return -1
    return max(towns, key=lambda r: (r in index.capitals, index.pop[r]))


def _anchors(work: list[tuple[Span, list[int], bool]], index: PlaceIndex, rules: Rules) -> dict[int, int]:
    """mention number -> record, for the document's places that decide themselves, or whose best
    candidate far outweighs any town or county of the same name."""
    anchors = {}
    margin = rules.weights["anchor_margin"]
    for n, (span, found, fixed) in enumerate(work):
        if not found:
            continue
        ranked = sorted(found, key=lambda r: -_prior(index, r, rules))
        if fixed or len(ranked) == 1 or (index.kind[ranked[1]] in (CITY, ADMIN2)
                                         and _prior(index, ranked[0], rules) - _prior(index, ranked[1], rules) >= margin):
            anchors[n] = ranked[0]
    return anchors




def _work(mentions: list[Span], index: PlaceIndex, rules: Rules) -> list[tuple[Span, list[int], bool]]:
    return [(span, *candidates(span, index, rules)) for span in mentions
            if span.label_ in rules.place_labels or span.label_ == "NORP"]


def resolve(mentions: list[Span], index: PlaceIndex, rules: Rules) -> None:
    """Sets `span._.place` on every place mention of the document (None when nothing fits)."""
    work = _work(mentions, index, rules)
    picks = _anchors(work, index, rules)
    # One sense per document: a name placed by what surrounds it ("Dublin, Ga.") is that place
    # wherever else the document uses it.
    decided = {fold(_strip_name(span.text)): found[0] for span, found, fixed in work if fixed and len(found) == 1}
    # A name placed by its container decides over the gazetteer's reading of the same name elsewhere.
    decided.update({fold(_strip_name(span.text)): found[0] for span, found, fixed in work
                    if fixed and len(found) == 1 and index.kind[found[0]] != COUNTRY
                    and _placed(span, _strip_name(span.text), index, rules)})

    def follows(k: str, found: list[int]) -> bool:
        return k in decided and (decided[k] in found or (bool(found) and decided[k] in index.lookup(k)))
    work = [(span, [decided[k]] if follows(k := fold(_strip_name(span.text)), found) else found,
             fixed or follows(k, found)) for span, found, fixed in work]
    picks.update({n: found[0] for n, (span, found, fixed) in enumerate(work) if fixed and found})
    support = _co_located(work, index, rules)
    co = rules.weights["co_located"]
    keys = [fold(_strip_name(span.text)) for span, found, fixed in work]
    nested = _nested(work, keys, index, rules)
    county_bonus = rules.weights["town_in_named_county"]
    same_name: dict[str, list[int]] = {}
    for n, key in enumerate(keys):
        same_name.setdefault(key, []).append(n)
    members = [()] * len(work)
    for group in same_name.values():
        for n in group:
            members[n] = group

    def own_picks(n: int) -> tuple[int, ...]:
        return tuple(settled[m] for m in members[n] if m in settled)
    for _ in range(2):
        settled = dict(picks)
        whole = _context(index, list(settled.values()))
        for n, (span, found, fixed) in enumerate(work):
            if found:
                # The context of mention n: the places of the other names (never its own guess, nor
                # that of its name's other mentions: five "Palestine" vote for no reading of it).
                ctx, hint = whole.excluding(own_picks(n)), _hint(span, index)
                eid = span.kb_id_ or (span._.canonical.entity_id if span._.canonical else "")
                meant = _meant_city(found, index, hint) if eid.startswith(rules.city_prefixes) else -1
                backing = co * ctx.local
                picks[n] = found[0] if len(found) == 1 else max(
                    found, key=lambda r: _score(index, r, ctx, rules, hint, meant) + backing * support.get(r, 0.0)
                    + (county_bonus if r in nested else 0.0))
    for n, (span, found, fixed) in enumerate(work):
        r = picks.get(n)
        span._.place = index.place(r) if r is not None and not math.isnan(index.lat[r]) else None
    _place_facilities(work, picks, index, rules)


def _nested(work: list[tuple[Span, list[int], bool]], keys: list[str], index: PlaceIndex, rules: Rules) -> set[int]:
    """Readings of two names of which one lies in the other: a town in a county of the other name
    ("Paris" and "Henry County": Paris, Tennessee, the seat of Henry County, Tennessee), and that
    county. Whatever the number of namesakes of either, such a pair is rarely chance."""
    counties: dict[int, str] = {}
    for (span, found, fixed), key in zip(work, keys):
        # Only a county named as one ("Henry County"): a bare "Washington" is no county's name.
        if rules.division_words.get(key.rsplit(" ", 1)[-1]) != "county":
            continue
        for r in found:
            if index.kind[r] == ADMIN2:
                counties.setdefault(r, key)
    if not counties:
        return set()
    out: set[int] = set()
    for (span, found, fixed), key in zip(work, keys):
        for r in found:
            county = index.admin2[r] if index.kind[r] == CITY else -1
            if county >= 0 and counties.get(county, key) != key:
                out.update((r, county))
    return out


def _co_located(work: list[tuple[Span, list[int], bool]], index: PlaceIndex, rules: Rules) -> dict[int, float]:
    """record -> how strongly the document's other names back it: the towns and counties a
    document names lie near one another, so a reading of a name lying near a reading of another
    name is backed by it ("Paris" beside "Henry County" and "Whitlock": Paris, Tennessee). A name
    with many readings backs each weakly (1/sqrt of their number); the backing is capped at 2."""
    km = rules.weights["co_located_km"]
    cells: dict[tuple[int, int], list[tuple[str, int, float]]] = {}
    names: dict[str, list[int]] = {}
    for span, found, fixed in work:
        if len(found) > 1 or (found and index.kind[found[0]] in (CITY, ADMIN2)):
            names.setdefault(fold(_strip_name(span.text)), found)
    if len(names) < 2:
        return {}
    for key, found in names.items():
        local = [r for r in found if index.kind[r] in (CITY, ADMIN2) and not math.isnan(index.lat[r])]
        weight = 1.0 / math.sqrt(len(local)) if local else 0.0
        for r in local:
            cells.setdefault((int(index.lat[r] // 1), int(index.lon[r] // 1)), []).append((key, r, weight))
    support: dict[int, float] = {}
    for key, found in names.items():
        if len(found) < 2:
            continue
        for r in found:
            if index.kind[r] not in (CITY, ADMIN2) or math.isnan(index.lat[r]):
                continue
            la, lo = int(index.lat[r] // 1), int(index.lon[r] // 1)
            backers: dict[str, float] = {}
            for dla in (-1, 0, 1):
                for dlo in (-1, 0, 1):
                    for other, o, weight in cells.get((la + dla, lo + dlo), ()):
                        if other != key and weight > backers.get(other, 0.0) and index.distance_km(r, o) < km:
                            backers[other] = weight
            if backers:
                support[r] = min(sum(backers.values()), 2.0)
    return support


def _place_facilities(work: list[tuple[Span, list[int], bool]], picks: dict[int, int], index: PlaceIndex,
                      rules: Rules) -> None:
    """A street or building the index does not know stands in a town: the one named right after it
    ("Kamenne Square in Bratislava", "Collins Avenue, Miami Beach"), else the town the document
    names most often, when it names one at least `facility_town_mentions` times."""
    towns = {n: r for n, r in picks.items() if index.kind[r] == CITY and not math.isnan(index.lat[r])}
    if not towns:
        return
    # The town the document is about lies in the country it names most ("Marigny" of France is a
    # street's namesake in a story about New Orleans).
    by_country: dict[int, int] = {}
    for r in picks.values():
        by_country[index.country[r]] = by_country.get(index.country[r], 0) + 1
    main_country = max(by_country, key=lambda k: by_country[k])
    counts: dict[int, int] = {}
    for r in towns.values():
        if index.country[r] == main_country:
            counts[r] = counts.get(r, 0) + 1
    if not counts:
        counts = {0: 0}
    focus = max(counts, key=lambda r: counts[r])
    focus = focus if counts[focus] >= max(rules.weights["facility_town_mentions"], 1) else None
    starts = {work[n][0].start: r for n, r in towns.items()}
    for span, found, fixed in work:
        if span.label_ not in rules.placed_labels or span._.place is not None:
            continue
        doc = span.doc
        follows = span.end < len(doc) and (doc[span.end].lower_ in rules.place_preps or doc[span.end].text == ",")
        after = starts.get(span.end + 1) if follows else None
        r = after if after is not None else focus
        if r is not None:
            span._.place = index.place(r)


def _recanonicalised(span: Span) -> Span:
    """The mention with its canonical entity agreeing with its place: a name the gazetteer gave
    another country's place ("Paris" of France, in "Paris, Texas") becomes that GeoNames place,
    and an unknown name gets its place's country."""
    c, p = span._.canonical, span._.place
    if c is None or p is None or not p.country_code or span.label_ not in ("GPE", "LOC", "FAC"):
        return span
    if c.country_code and c.country_code != p.country_code:
        c = Canonical(f"geonames:{p.geonames_id}", p.name, c.entity_type, p.country_code, c.sector)
    elif c.country_code is None:
        c = Canonical(c.entity_id, c.canonical_name, c.entity_type, p.country_code, c.sector)
    else:
        return span
    out = Span(span.doc, span.start, span.end, label=span.label_, kb_id=c.entity_id)
    out._.canonical, out._.place = c, p
    return out


def _demonym_as_place(span: Span) -> Span:
    """A demonym or adjective resolved to a country ("Iraqi officials", "Russians") as a mention of
    that country (GPE): geoparsing counts it a toponym (GeoWebNews' associative toponyms; LGL and
    TR-News annotate it with the country), and its entity is the country already."""
    p = span._.place
    if span.label_ != "NORP" or p is None or p.feature_class not in ("country", "continent", "first-level division"):
        return span
    label = "LOC" if p.feature_class == "continent" else "GPE"
    out = Span(span.doc, span.start, span.end, label=label, kb_id=span.kb_id_)
    out._.canonical, out._.place = span._.canonical, p
    return out


def _institution_opener(m: Span, rules: Rules) -> Token | None:
    """The word opening an organisation's name before a word of a state's institutions ("Russian"
    in "the Russian Foreign Ministry", "Saudi" in "Saudi military"), or None."""
    if m.label_ != "ORG" or len(m) < 2:
        return None
    first = m[1] if m[0].lower_ == "the" and len(m) > 2 else m[0]
    if first.i + 1 >= m.end or m.doc[first.i + 1].lower_ not in rules.state_institutions:
        return None
    return first


def state_demonyms(doc: SpacyDoc, mentions: list[Span], index: PlaceIndex, rules: Rules) -> list[Span]:
    """GPE mentions of the country whose demonym opens the name of one of its state institutions
    ("the Russian government", "Saudi military"): that country, named inside the name."""
    taken = {(m.start, m.end) for m in mentions}
    out = []
    for m in mentions:
        first = _institution_opener(m, rules)
        if first is None:
            continue
        r = index.demonyms.get(fold(first.text))
        if r is None or index.kind[r] != COUNTRY or (first.i, first.i + 1) in taken:
            continue
        alpha3 = index.country_of(r)
        eid = f"{COUNTRY_ID_PREFIXES[0]}{alpha3}"
        mention = Span(doc, first.i, first.i + 1, label="GPE", kb_id=eid)
        mention._.canonical = Canonical(eid, index.names[r], "GPE", alpha3, None)
        out.append(mention)
    return out


class PlaceResolver:
    """spaCy component: place names the model missed join `doc.spans["mentions"]`, and every place
    mention gets `span._.place` (a Place, or None)."""

    def __init__(self, nlp: Language, name: str, rules_path: str | None):
        self.name = name
        self.rules = load_rules(Path(rules_path) if rules_path else RULES_PATH)
        self.index = place_index()
        self.common = common_words(nlp)

    def __call__(self, doc: SpacyDoc) -> SpacyDoc:
        words = _words(doc)
        mentions = facilities(doc, list(doc.spans[MENTIONS]) if MENTIONS in doc.spans else [], self.rules, words)
        listed = listed_divisions(doc, self.index, self.rules, words)
        if listed:
            # The list's reading outweighs the model's (a county "Douglas" is no person there).
            mentions = [m for m in mentions if not any(m.start < b.end and b.start < m.end for b in listed)] + listed
            mentions.sort(key=lambda m: (m.start, -m.end))
        doc.spans[MENTIONS] = mentions
        # The places the model found set the context in which further names are taken for places.
        ctx = _context(self.index, list(_anchors(_work(mentions, self.index, self.rules), self.index, self.rules).values()))
        found = recognise(doc, self.index, self.rules, ctx, self.common, words)
        # A name recognise() reads as a place against the model's person or organisation reading
        # ("Kennedy" with a place beside it) replaces that mention: one span, one mention.
        if self.rules.demonyms_as_places:
            found += state_demonyms(doc, mentions, self.index, self.rules)
        taken = {(m.start, m.end) for m in found}
        mentions = [m for m in mentions if (m.start, m.end) not in taken] + found
        mentions.sort(key=lambda m: (m.start, -m.end))
        resolve(mentions, self.index, self.rules)
        if self.rules.demonyms_as_places:
            # A demonym inside a longer name is one of its words ("the Australian Centre for ..."),
            # unless it names the state whose institution that is ("the Georgian Interior Ministry"),
            # as state_demonyms reads a demonym the model did not tag.
            longer = [(m.start, m.end) for m in mentions if len(m) > 1]
            openers = {t.i for m in (m for m in mentions if m.label_ == "ORG") if (t := _institution_opener(m, self.rules)) is not None}
            mentions = [_demonym_as_place(m) if m.label_ == "NORP" and (m.start in openers and len(m) == 1 or not any(
                a <= m.start and m.end <= b and (a, b) != (m.start, m.end) for a, b in longer)) else m for m in mentions]
        doc.spans[MENTIONS] = [_recanonicalised(m) for m in mentions]
        return doc


@Language.factory("newsflow_places", default_config={"rules_path": None})
def make_place_resolver(nlp: Language, name: str, rules_path: str | None):
    """Rules default to tasks/nlp/data/places/rules.json; the place index is built from the
    installed data packages once per process."""
    return PlaceResolver(nlp, name, rules_path)


def place_columns(span: Span | None) -> dict:
    """The place columns of a mention row (all None when unresolved). The place's country is the
    row's `country_code`, through the mention's canonical entity."""
    p: Place | None = span._.place if span is not None else None
    return {"geonames_id": p.geonames_id if p else None, "latitude": p.latitude if p else None,
            "longitude": p.longitude if p else None, "feature_class": p.feature_class if p else None,
            "admin1_code": p.admin1_code if p else None}
