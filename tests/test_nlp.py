"""What entities and events share: offsets into the stored body, dates, worker processes
(entities: test_entities.py, events: test_events.py)."""
from datetime import datetime, timezone

import pytest

from tasks.nlp.stage import analyse_docs
from tasks.ingest.documents import SeedFile, build_rows
from tasks.ingest.parse import parse_seed
from tasks.core.settings import DEFAULT_MODEL
from tests.conftest import SAMPLE

@pytest.fixture(scope="module")
def sample():
    pages = parse_seed(str(SAMPLE), SAMPLE.read_bytes())
    _, _, docs = build_rows(SeedFile(str(SAMPLE), str(SAMPLE), "0" * 64, 0, 0), pages, "run", datetime.now(timezone.utc))
    analysis = analyse_docs(docs, DEFAULT_MODEL)
    mentions, events = analysis.mentions, analysis.events
    return {d.doc_id: d for d in docs}, mentions, events


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




def _rows(text):
    from tasks.ingest.documents import Doc

    return analyse_docs([Doc("d", "article", "d", text, None)], DEFAULT_MODEL).events




def test_worker_processes_give_the_same_rows_in_the_same_order(sample):
    docs, mentions, events = sample
    ordered = [docs[k] for k in docs]
    parallel = analyse_docs(ordered, DEFAULT_MODEL, n_process=2)
    assert (parallel.mentions, parallel.events) == (mentions, events)


def test_released_workers_exit_and_the_next_analysis_starts_new_ones(sample):
    import psutil

    from tasks.nlp.pool import release_workers, worker_pool

    docs, mentions, events = sample
    ordered = [docs[k] for k in docs]
    first = [p.pid for p in worker_pool(DEFAULT_MODEL, 2)._pool]
    release_workers()
    assert not any(psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
                   for pid in first)
    again = analyse_docs(ordered, DEFAULT_MODEL, n_process=2)
    assert (again.mentions, again.events) == (mentions, events)
    assert not {p.pid for p in worker_pool(DEFAULT_MODEL, 2)._pool} & set(first)
    release_workers()
