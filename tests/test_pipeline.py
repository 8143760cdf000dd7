"""The ingest flow end to end through real Prefect, spaCy, Parquet and DuckDB."""
import duckdb
import pytest

from tests.conftest import SAMPLE, settle

pytestmark = pytest.mark.slow


def counts(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0]
                for t in ("articles", "comments", "entities", "events", "pipeline_runs", "quarantine")}
    finally:
        con.close()


def run(seed_dir, warehouse, **kw):
    from flows.ingest import ingest

    return ingest(seeds=[str(seed_dir)], warehouse=str(warehouse), **kw)


def test_sample_seed_loads_article_comments_entities_events(prefect_harness, seed_dir, warehouse):
    summary = run(seed_dir, warehouse)
    c = counts(warehouse)
    assert (c["articles"], c["comments"]) == (1, 5)
    assert c["entities"] > 20 and c["events"] > 10
    assert summary["checks_failed"] == 0
    lake = warehouse.parent / "lake"
    assert sorted(p.name for p in lake.iterdir()) == ["articles", "comments", "entities", "events"]
    assert not list(lake.rglob("*.tmp"))
    con = duckdb.connect(str(warehouse), read_only=True)
    # Offsets point back into the stored bodies.
    bad = con.execute("""
        select count(*) from entities e
        left join articles a on a.article_id = e.doc_id left join comments c on c.comment_id = e.doc_id
        where substr(coalesce(a.body, c.body), e.start_char + 1, e.end_char - e.start_char) <> e.text
    """).fetchone()[0]
    assert bad == 0
    con.close()


def test_rerun_adds_nothing_and_edit_replaces_the_source(prefect_harness, seed_dir, warehouse):
    run(seed_dir, warehouse)
    first = counts(warehouse)
    second_summary = run(seed_dir, warehouse)
    second = counts(warehouse)
    assert second_summary["files_unchanged"] == 1 and second_summary["articles"] == 0
    assert {k: v for k, v in second.items() if k != "pipeline_runs"} == {k: v for k, v in first.items() if k != "pipeline_runs"}
    assert second["pipeline_runs"] == first["pipeline_runs"] + 1

    seed = seed_dir / SAMPLE.name
    seed.write_text(seed.read_text(encoding="utf-8").rstrip("\n") + "\nNobody in Baghdad asked us about any of this!\n",
                    encoding="utf-8")
    settle(seed)
    run(seed_dir, warehouse)
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from comments").fetchone()[0] == 6
    assert con.execute("select count(*) from articles").fetchone()[0] == 1
    for table, key in (("entities", "mention_id"), ("events", "event_id")):
        assert con.execute(f"select count(*) - count(distinct {key}) from {table}").fetchone()[0] == 0
    # The new comment's mention is there, the old article's events were not doubled.
    assert con.execute("select count(*) from entities where text = 'Baghdad' and doc_kind = 'comment'").fetchone()[0] == 1
    assert con.execute("select count(*) from events where doc_kind = 'article'").fetchone()[0] == \
        first["events"] - con.execute("select count(*) from events where doc_kind = 'comment' and doc_id not in "
                                      "(select comment_id from comments where position = 5)").fetchone()[0]
    con.close()


def _catalog(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        listed = dict(con.execute("select entity_id, n_mentions from entity_catalog").fetchall())
        mentioned = dict(con.execute("select entity_id, count(*) from entities group by entity_id").fetchall())
        return listed, mentioned
    finally:
        con.close()


def test_entity_catalog_follows_an_edit_that_drops_an_entity(prefect_harness, seed_dir, warehouse):
    run(seed_dir, warehouse)
    before, _ = _catalog(warehouse)
    seed = seed_dir / SAMPLE.name
    seed.write_text(seed.read_text(encoding="utf-8").replace("Reuters", "the agency"), encoding="utf-8")
    settle(seed)
    run(seed_dir, warehouse)
    listed, mentioned = _catalog(warehouse)
    assert set(before) - set(listed), "the edit should leave some entity unmentioned"
    # Every entity still mentioned is listed with its current count; none that is not mentioned.
    assert listed == mentioned


def test_bad_seeds_are_quarantined_and_good_ones_still_load(prefect_harness, seed_dir, warehouse):
    (seed_dir / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (seed_dir / "empty.txt").write_bytes(b"")
    (seed_dir / "broken_utf16.txt").write_bytes(b"\xff\xfeh\x00i\x00\x00")
    (seed_dir / "notes.docx").write_bytes(b"PK\x03\x04 not a seed")
    (seed_dir / "cut.json").write_bytes(b'{"title": "Cut short", "body": "Troops withdrew fr')
    for f in seed_dir.iterdir():
        settle(f)
    summary = run(seed_dir, warehouse)
    reasons = {q["source_path"].rsplit("/", 1)[-1]: q["reason"] for q in summary["quarantine"]}
    assert set(reasons) == {"binary.txt", "empty.txt", "broken_utf16.txt", "notes.docx", "cut.json"}
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]
    assert "UTF-16" in reasons["broken_utf16.txt"]
    assert "unsupported file type .docx" in reasons["notes.docx"]
    assert "invalid JSON" in reasons["cut.json"]
    c = counts(warehouse)
    assert (c["articles"], c["comments"], c["quarantine"]) == (1, 5, 5)
    con = duckdb.connect(str(warehouse), read_only=True)
    stored = con.execute("select quarantine_path from quarantine").fetchall()
    con.close()
    assert all(p and (warehouse.parent / "quarantine").as_posix() in p for (p,) in stored)
    # A quarantined file that has not changed is not retried on the next run.
    again = run(seed_dir, warehouse)
    assert again["files_quarantined"] == 0 and counts(warehouse)["quarantine"] == 5


def test_file_still_being_written_waits_for_next_run(prefect_harness, seed_dir, warehouse):
    fresh = seed_dir / "fresh.txt"
    fresh.write_text(SAMPLE.read_text(encoding="utf-8").replace("Thursday", "Friday"), encoding="utf-8")
    summary = run(seed_dir, warehouse, settle_seconds=60)
    assert summary["files_waiting"] == 1 and counts(warehouse)["articles"] == 1
    settle(fresh)
    summary = run(seed_dir, warehouse, settle_seconds=60)
    assert summary["files_new"] == 1 and counts(warehouse)["articles"] == 2


def test_same_content_under_two_names_loads_once(prefect_harness, seed_dir, warehouse):
    copy = seed_dir / "copy_of_sample.txt"
    copy.write_bytes(SAMPLE.read_bytes())
    settle(copy)
    summary = run(seed_dir, warehouse)
    assert summary["files_duplicate"] == 1
    assert counts(warehouse)["articles"] == 1
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from ingest_manifest where status = 'duplicate'").fetchone()[0] == 1
    con.close()


def test_views_and_readme_queries_return_rows(prefect_harness, seed_dir, warehouse):
    import re

    from tests.conftest import ROOT
    from warehouse.query import run_query

    run(seed_dir, warehouse)
    for view in ("event_timeline", "entity_mentions_by_doc", "entity_cooccurrence", "comment_reactions", "actor_target_network"):
        _, rows = run_query(warehouse, f"select * from {view}")
        assert rows, view
    examples = re.findall(r"```sql\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    assert len(examples) >= 3
    for sql in examples:
        _, rows = run_query(warehouse, sql)
        assert rows, sql


def test_a_run_that_finds_another_loading_skips_and_says_so(prefect_harness, seed_dir, warehouse):
    from flows.run_lock import run_lock

    with run_lock(warehouse.parent, 0) as held:
        assert held
        summary = run(seed_dir, warehouse, wait_seconds=1)
    assert summary["status"] == "skipped"
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select status from pipeline_runs").fetchall() == [("skipped",)]
    assert con.execute("select count(*) from articles").fetchone()[0] == 0
    con.close()
    assert run(seed_dir, warehouse)["status"] == "completed"


def test_dask_cluster_gives_the_same_rows_as_the_default_runner(prefect_harness, seed_dir, tmp_path):
    import shutil

    from flows.dask_runner import dask_task_runner
    from flows.ingest import ingest
    from tests.conftest import ROOT

    for example in ("page.json", "pages.jsonl", "page.md"):
        shutil.copy(ROOT / "seeds" / "examples" / example, seed_dir / example)
        settle(seed_dir / example)
    local_wh, dask_wh = tmp_path / "local" / "wh.duckdb", tmp_path / "dask" / "wh.duckdb"
    ingest(seeds=[str(seed_dir)], warehouse=str(local_wh), batch_size=2)
    on_dask = ingest.with_options(task_runner=dask_task_runner(workers=2))
    summary = on_dask(seeds=[str(seed_dir)], warehouse=str(dask_wh), batch_size=2, parallel_batches=2)
    assert summary["articles"] == 5

    def rows(wh):
        con = duckdb.connect(str(wh), read_only=True)
        try:
            volatile = {"articles": "exclude (run_id, ingested_at)", "comments": "exclude (run_id)"}
            return {t: con.execute(f"select * {volatile.get(t, '')} from {t} order by all").fetchall()
                    for t in ("comments", "entities", "events", "articles")}
        finally:
            con.close()

    assert rows(local_wh) == rows(dask_wh)


def test_the_lake_can_live_on_an_object_store(prefect_harness, seed_dir, warehouse):
    import fsspec

    summary = run(seed_dir, warehouse, lake="memory://newsflow-test-lake")
    assert (summary["articles"], summary["comments"]) == (1, 5)
    store = fsspec.filesystem("memory")
    files = store.glob("/newsflow-test-lake/*/run=*/batch-*.parquet")
    assert sorted({f.split("/")[2] for f in files}) == ["articles", "comments", "entities", "events"]
    assert not (warehouse.parent / "lake").exists()
    assert counts(warehouse)["comments"] == 5


def test_entity_catalog_breaks_ties_the_same_way_whatever_order_the_mentions_came_in(tmp_path):
    from warehouse import load
    from warehouse.db import writer

    def mention(i, name, country):
        return {"mention_id": f"m{i}", "doc_id": "d", "doc_kind": "article", "article_id": "a",
                "sentence_index": 0, "start_char": i, "end_char": i + 1, "text": name, "label": "ORG",
                "entity_id": "e", "canonical_name": name, "entity_type": "ORG", "country_code": country,
                "mention_form": "name"}

    rows = [mention(0, "Broad Art Museum", "IRQ"), mention(1, "Broad Museum", "GBR"),
            mention(2, "Broad Art Museum", "GBR"), mention(3, "Broad Museum", "IRQ")]
    catalogs = []
    for order in (rows, rows[::-1], rows[1:] + rows[:1]):
        with writer(tmp_path / f"w{len(catalogs)}.duckdb") as con:
            for r in order:
                con.execute(f"INSERT INTO entities BY NAME SELECT {', '.join('?::VARCHAR AS ' + k if isinstance(v, str) else '?::INTEGER AS ' + k for k, v in r.items())}", list(r.values()))
            load.rebuild_catalog(con)
            catalogs.append(con.execute("SELECT canonical_name, country_code FROM entity_catalog").fetchall())
    assert catalogs[0] == catalogs[1] == catalogs[2] == [("Broad Museum", "IRQ")]
