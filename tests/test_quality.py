"""Great Expectations suites as real guards: broken batches are caught, their documents kept out,
the good documents of the same batch loaded into a real DuckDB warehouse."""
from datetime import datetime, timezone

import pyarrow as pa
import pytest

from tasks.ingest.batch import parse_batch
from tasks.lake import batch_tables
from tasks.nlp.stage import analyse_docs
from tasks.ingest.documents import SeedFile
from tasks.lake import write_batch
from tasks.core.schemas import TABLES
from tasks.core.settings import DEFAULT_MODEL
from tasks.quality.validate import apply_verdict, result_rows, validate_tables
from tests.conftest import SAMPLE
from warehouse import load
from warehouse.db import SCHEMA_SQL, writer


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory):
    d = tmp_path_factory.mktemp("seeds")
    a, b = d / "a.txt", d / "b.txt"
    a.write_bytes(SAMPLE.read_bytes())
    b.write_text(SAMPLE.read_text(encoding="utf-8").replace("Thursday", "Friday"), encoding="utf-8")
    seeds = [SeedFile(str(p), str(p), "ab" * 32, p.stat().st_size, 0.0) for p in (a, b)]
    parsed = parse_batch(seeds, "run-q", datetime.now(timezone.utc), 1 << 24, d / "q")
    analysis = analyse_docs(parsed.docs, DEFAULT_MODEL)
    mentions, events = analysis.mentions, analysis.events
    return parsed, mentions, events


def _tables(parsed, mentions, events):
    return batch_tables(parsed.articles, parsed.comments, [dict(m) for m in mentions], [dict(e) for e in events])


def _replace(table: pa.Table, column: str, row: int, value) -> pa.Table:
    values = table.column(column).to_pylist()
    values[row] = value
    return table.set_column(table.schema.get_field_index(column), column, pa.array(values, table.schema.field(column).type))


def test_clean_batch_passes_every_blocking_check(two_sources):
    parsed, mentions, events = two_sources
    results = validate_tables(_tables(parsed, mentions, events), {d.doc_id: d.text for d in parsed.docs},
                              owners={d.doc_id: d.article_id for d in parsed.docs})
    failed = [r.name for r in results if r.blocking and not r.success]
    assert failed == []
    assert {r.table for r in results} == set(TABLES)


BREAKAGES = {
    "duplicate mention id": ("entities", lambda t: _replace(t, "mention_id", 1, t.column("mention_id")[0].as_py()), "expect_column_values_to_be_unique"),
    "dangling comment": ("comments", lambda t: _replace(t, "article_id", 0, "art_does_not_exist"), "expect_column_values_to_be_in_set"),
    "offset past body": ("entities", lambda t: _replace(_replace(t, "end_char", 0, 10_000), "start_char", 0, 9_990), "expect_column_pair_values_a_to_be_greater_than_b"),
    "unknown event type": ("events", lambda t: _replace(t, "event_type", 0, "PICNIC"), "expect_column_values_to_be_in_set"),
    "text not at offsets": ("entities", lambda t: _replace(t, "text", 0, "Atlantis"), "expect_column_values_to_be_in_set"),
    "null key": ("comments", lambda t: _replace(t, "comment_id", 0, None), "expect_column_values_to_not_be_null"),
    "bad sha256": ("articles", lambda t: _replace(t, "source_sha256", 0, "not-a-hash"), "expect_column_values_to_match_regex"),
    "bad country code": ("entities", lambda t: _replace(t, "country_code", 0, "Iraq"), "expect_column_values_to_match_regex"),
    "negative count": ("comments", lambda t: _replace(t, "n_words", 0, -3), "expect_column_values_to_be_between"),
    "unknown label": ("entities", lambda t: _replace(t, "label", 0, "MONEY"), "expect_column_values_to_be_in_set"),
    "unknown modality": ("events", lambda t: _replace(t, "modality", 0, "rumoured"), "expect_column_values_to_be_in_set"),
    "mention of a missing doc": ("entities", lambda t: _replace(t, "doc_id", 0, "com_missing"), "expect_column_values_to_be_in_set"),
    "event entity not in catalog": ("events", lambda t: _replace(t, "actor_entity_id", 0, "ent_unknown"), "expect_column_values_to_be_in_set"),
    "confidence out of range": ("events", lambda t: _replace(t, "confidence", 0, 1.5), "expect_column_values_to_be_between"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES), ids=list(BREAKAGES))
def test_broken_batch_is_caught_and_only_the_bad_source_is_kept_out(two_sources, breakage, tmp_path):
    parsed, mentions, events = two_sources
    table_name, corrupt, expectation = BREAKAGES[breakage]
    tables = _tables(parsed, mentions, events)
    tables[table_name] = corrupt(tables[table_name])
    results = validate_tables(tables, {d.doc_id: d.text for d in parsed.docs}, owners={d.doc_id: d.article_id for d in parsed.docs})
    failed = [r for r in results if r.blocking and not r.success]
    assert any(r.table == table_name and r.expectation == expectation for r in failed), [r.name for r in failed]

    excluded, rejected, loading = apply_verdict(results, parsed.articles_by_source)
    assert len(rejected) == 1 and len(loading) == 1
    bad_source = next(iter(rejected))
    assert "failed blocking check" in rejected[bad_source]

    warehouse = tmp_path / "wh.duckdb"
    paths = write_batch(tables, tmp_path / "lake", "run-q", 1)
    with writer(warehouse) as con:
        load.load_batch(con, run_id="run-q", batch=1, lake_paths=paths, loaded_sources=loading,
                        excluded_articles=excluded, manifest_rows=[],
                        quarantine_rows=[{"source_path": bad_source, "source_key": bad_source, "stage": "validate",
                                          "reason": rejected[bad_source]}],
                        validation_rows=result_rows(results))
        assert con.execute("select count(*) from articles").fetchone()[0] == 1
        assert con.execute("select count(*) from articles where source_key = ?", [bad_source]).fetchone()[0] == 0
        assert con.execute("select count(*) from comments").fetchone()[0] == 5
        assert con.execute("select reason from quarantine").fetchone()[0].startswith("failed blocking check")
        assert con.execute("select count(*) from validation_results where not success and blocking").fetchone()[0] >= 1


def test_a_missing_column_fails_the_column_set_check_for_the_whole_batch(two_sources):
    parsed, mentions, events = two_sources
    tables = _tables(parsed, mentions, events)
    tables["events"] = tables["events"].drop_columns(["modality"])
    results = validate_tables(tables, {d.doc_id: d.text for d in parsed.docs}, owners={d.doc_id: d.article_id for d in parsed.docs})
    assert any(r.expectation == "expect_table_columns_to_match_set" and not r.success for r in results)
    excluded, rejected, loading = apply_verdict(results, parsed.articles_by_source)
    assert len(rejected) == 2 and loading == []


def test_warnings_are_recorded_but_do_not_block(two_sources):
    parsed, mentions, events = two_sources
    results = validate_tables(_tables(parsed, mentions, events), {d.doc_id: d.text for d in parsed.docs},
                              owners={d.doc_id: d.article_id for d in parsed.docs})
    warnings = [r for r in results if not r.blocking and not r.success]
    assert {r.column for r in warnings} >= {"title", "published_at"}
    excluded, rejected, _ = apply_verdict(results, parsed.articles_by_source)
    assert excluded == [] and rejected == {}


def test_schema_sql_and_arrow_schemas_declare_the_same_columns(tmp_path):
    import duckdb

    con = duckdb.connect(str(tmp_path / "s.duckdb"))
    con.execute(SCHEMA_SQL.read_text())
    for name, schema in TABLES.items():
        columns = [r[0] for r in con.execute(f"describe {name}").fetchall()]
        assert columns == schema.names, name
    con.close()
