"""The spaCy pipeline as a whole: newsflow's registered components, saving and loading it, long
documents analysed in pieces, and a document the pipeline fails on."""
from datetime import datetime, timezone

import spacy

from tasks.core.settings import DEFAULT_MODEL
from tasks.ingest.documents import Doc, SeedFile, build_rows
from tasks.ingest.parse import parse_seed
from tasks.nlp import analyse
from tasks.nlp.analyse import analyse_in_process, pieces
from tasks.nlp.pipeline import build_pipeline
from tests.conftest import SAMPLE


def _sample_docs():
    pages = parse_seed(str(SAMPLE), SAMPLE.read_bytes())
    return build_rows(SeedFile(str(SAMPLE), str(SAMPLE), "0" * 64, 0, 0), pages, "run", datetime.now(timezone.utc))[2]


def test_pipeline_shows_newsflow_components_and_round_trips_through_disk(tmp_path):
    nlp = build_pipeline(DEFAULT_MODEL)
    assert nlp.pipe_names[-4:] == ["newsflow_entities", "newsflow_places", "newsflow_events", "newsflow_tone"]
    # The model's own entities are kept before the gazetteer overwrites them (no second NER pass).
    names = nlp.pipe_names
    assert names.index("ner") < names.index("newsflow_model_entities") < names.index("entity_ruler")
    nlp.to_disk(tmp_path / "pipeline")
    reloaded = spacy.load(tmp_path / "pipeline")
    assert reloaded.pipe_names == nlp.pipe_names

    docs = _sample_docs()
    before = analyse_in_process(docs, DEFAULT_MODEL)
    after = analyse_in_process(docs, str(tmp_path / "pipeline"))
    assert before.events and before.mentions
    assert (after.mentions, after.events) == (before.mentions, before.events)


def test_mentions_carry_their_canonical_id_on_the_span():
    doc = build_pipeline(DEFAULT_MODEL)("The U.S. and Iraq held talks in Baghdad.")
    mentions = {m.text: m for m in doc.spans["mentions"]}
    assert mentions["U.S."].kb_id_ == "country:USA"
    assert mentions["U.S."]._.canonical.country_code == "USA"
    assert [e._.event.event_type for e in doc.spans["events"]] == ["CONSULT"]


def test_pieces_cover_the_text_and_cut_at_line_breaks():
    text = "\n".join(f"Paragraph {i} says something about Iraq." for i in range(300))
    parts = pieces(text, limit=1000)
    assert "".join(p for _, p in parts) == text
    assert all(len(p) <= 1000 for _, p in parts)
    assert all(p.endswith("\n") for _, p in parts[:-1])
    assert [o for o, _ in parts] == [sum(len(p) for _, p in parts[:i]) for i in range(len(parts))]


def test_a_document_longer_than_a_piece_is_analysed_whole_with_offsets_into_its_body(monkeypatch):
    monkeypatch.setattr(analyse, "PIECE_CHARS", 2000)
    body = "\n".join(f"Rockets were fired at a base in Iraq on day {i}, officials in Baghdad said." for i in range(80))
    assert len(body) > 2 * 2000
    result = analyse_in_process([Doc("long", "article", "long", body, None)], DEFAULT_MODEL)
    assert not result.failed
    baghdad = [m for m in result.mentions if m["text"] == "Baghdad"]
    assert len(baghdad) == 80
    assert all(body[m["start_char"]:m["end_char"]] == m["text"] for m in result.mentions)
    assert all(body[e["trigger_start"]:e["trigger_end"]] == e["trigger"] for e in result.events)
    assert max(m["sentence_index"] for m in baghdad) == 79


def test_a_document_the_pipeline_fails_on_is_reported_and_the_others_are_analysed(monkeypatch):
    real = analyse.event_rows

    def breaks_on_one(doc, meta, *args):
        if meta.doc_id == "bad":
            raise ValueError("boom")
        return real(doc, meta, *args)

    monkeypatch.setattr(analyse, "event_rows", breaks_on_one)
    docs = [Doc("good", "article", "good", "Rockets were fired at the base.", None),
            Doc("bad", "comment", "good", "Police arrested two men.", None)]
    result = analyse_in_process(docs, DEFAULT_MODEL)
    assert set(result.failed) == {"bad"} and "ValueError: boom" in result.failed["bad"]
    assert {e["doc_id"] for e in result.events} == {"good"}
