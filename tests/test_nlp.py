"""Entities on real text with the real spaCy model and the shipped gazetteer (events: test_events.py)."""
from datetime import datetime, timezone

import pytest

from tasks.nlp.stage import analyse_docs
from tasks.ingest.documents import SeedFile, build_rows
from tasks.core.errors import DataFileError
from tasks.nlp.gazetteer import load_gazetteer
from tasks.ingest.parse import parse_seed
from tasks.core.settings import DEFAULT_MODEL
from tests.conftest import SAMPLE, gold_json, needs_gold

SEED_GOLD = gold_json("seed/000_547e16957a209b03.json", {"entities": [None], "events": []})


@pytest.fixture(scope="module")
def sample():
    pages = parse_seed(str(SAMPLE), SAMPLE.read_bytes())
    _, _, docs = build_rows(SeedFile(str(SAMPLE), str(SAMPLE), "0" * 64, 0, 0), pages, "run", datetime.now(timezone.utc))
    analysis = analyse_docs(docs, DEFAULT_MODEL)
    mentions, events = analysis.mentions, analysis.events
    return {d.doc_id: d for d in docs}, mentions, events


def test_aliases_resolve_to_one_entity_across_documents():
    from tasks.ingest.documents import Doc

    docs = [Doc("a", "article", "a", "The U.S. and the United States are one.", None),
            Doc("b", "comment", "a", "America sent troops; US officials agreed.", None)]
    analysis = analyse_docs(docs, DEFAULT_MODEL)
    mentions, events = analysis.mentions, analysis.events
    us = {m["entity_id"] for m in mentions if m["text"] in ("U.S.", "United States", "America", "US")}
    assert len(us) == 1 and {m["doc_kind"] for m in mentions} == {"article", "comment"}


@needs_gold
@pytest.mark.parametrize("gold", SEED_GOLD["entities"],
                         ids=lambda e: e["canonical"] if e else "gold")
def test_sample_seed_entities_have_canonical_name_type_and_country(sample, gold):
    _, mentions, _ = sample
    found = [m for m in mentions if m["text"] in gold["surface"]]
    assert found, f"{gold['canonical']} not found"
    for m in found:
        assert (m["canonical_name"], m["entity_type"], m["country_code"]) == (gold["canonical"], gold["type"], gold.get("country"))


def test_offsets_point_into_the_stored_body(sample):
    docs, mentions, events = sample
    for m in mentions:
        assert docs[m["doc_id"]].text[m["start_char"]:m["end_char"]] == m["text"]
    for e in events:
        assert docs[e["doc_id"]].text[e["trigger_start"]:e["trigger_end"]] == e["trigger"]


def test_relative_dates_resolve_against_publication_date():
    from tasks.core.dates import resolve_date

    published = datetime(2024, 8, 9, 12, tzinfo=timezone.utc)  # a Friday
    assert resolve_date("Thursday", published) == (datetime(2024, 8, 8).date(), "day")
    assert resolve_date("Thursday", None) == (None, None)
    assert resolve_date("September 2025", None) == (datetime(2025, 9, 1).date(), "month")
    assert resolve_date("July 21, 2017", None) == (datetime(2017, 7, 21).date(), "day")


def test_malformed_gazetteer_names_file_and_line(tmp_path):
    good = tmp_path / "a.jsonl"
    good.write_text('{"id": "x:1", "name": "Atlantis", "type": "GPE", "country": "ATL"}\n'
                    '{"id": "x:2", "name": "Lemuria", "type": "GPE", "country": "lemuria"}\n')
    with pytest.raises(DataFileError) as info:
        load_gazetteer(tmp_path)
    assert f"{good}:2" in str(info.value) and "ISO-3166" in str(info.value)
    good.write_text('{"id": "x:1", "name": "Atlantis", "type": "GPE"\n')
    with pytest.raises(DataFileError, match=r"a\.jsonl:1: not valid JSON"):
        load_gazetteer.__wrapped__(tmp_path)


def _mentions(text):
    from tasks.ingest.documents import Doc

    analysis = analyse_docs([Doc("d", "article", "d", text, None)], DEFAULT_MODEL)
    mentions, events = analysis.mentions, analysis.events
    return mentions


def _rows(text):
    from tasks.ingest.documents import Doc

    return analyse_docs([Doc("d", "article", "d", text, None)], DEFAULT_MODEL).events


def test_countries_in_football_reports_are_their_national_teams():
    text = ("Belgium beat Panama 3-0 in their World Cup opener. The striker scored from a header after half-time, "
            "and the goalkeeper saved a penalty. Belgium face Tunisia in the next match at the stadium.")
    teams = {m["text"]: (m["label"], m["canonical_name"], m["country_code"]) for m in _mentions(text) if m["text"] in ("Belgium", "Panama")}
    assert teams["Belgium"] == ("ORG", "Belgium national team", "BEL")
    assert teams["Panama"][0] == "ORG"
    # The same country in ordinary news stays a place.
    plain = _mentions("Belgium raised taxes on Tuesday, the government in Brussels said.")
    assert [(m["label"], m["canonical_name"]) for m in plain if m["text"] == "Belgium"] == [("GPE", "Belgium")]


def test_an_organization_named_after_a_place_is_an_organization_that_mentions_the_place():
    found = {(m["text"], m["label"]) for m in _mentions("A reporter for LA Weekly said the police in LA disagreed.")}
    assert {("LA Weekly", "ORG"), ("LA", "GPE")} <= found
    assert [m for m in _mentions("He lives in LA with his family.") if m["label"] == "ORG"] == []
    [attacked] = [e for e in _rows("LA Weekly attacked the mayor in an editorial.") if e["trigger"] == "attacked"]
    assert attacked["actor"] == "LA Weekly" and attacked["actor_entity_id"].startswith("ent_")  # the paper, not the city


def test_a_surname_alone_is_the_person_named_in_full_earlier():
    mentions = _mentions("Mark Rathbun left the group in 2004. Years later, Rathbun said he regretted nothing.")
    people = {m["entity_id"] for m in mentions if m["text"] in ("Mark Rathbun", "Rathbun")}
    assert len([m for m in mentions if m["text"] == "Rathbun"]) == 1 and len(people) == 1


def test_a_misspelt_gazetteer_name_still_resolves():
    mentions = _mentions("They blame al Qaidi for the bombing.")
    assert [(m["text"], m["canonical_name"]) for m in mentions if m["canonical_name"] == "Al-Qaeda"] == [("al Qaidi", "Al-Qaeda")]


def test_worker_processes_give_the_same_rows_in_the_same_order(sample):
    docs, mentions, events = sample
    ordered = [docs[k] for k in docs]
    parallel = analyse_docs(ordered, DEFAULT_MODEL, n_process=2)
    assert (parallel.mentions, parallel.events) == (mentions, events)
