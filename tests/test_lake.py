"""The Parquet lake read as its users read it (pyarrow datasets over lake/<table>/) holds exactly
the warehouse's rows: after a seed changes, after a source fails a blocking check, after a load
is killed, and after a crash between the warehouse's commit and the lake's update."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.dataset as ds
import pytest

from tasks.core.schemas import TABLES
from tests.conftest import ROOT, SAMPLE, newsflow_cli, settle
from warehouse.query import read_tables

pytestmark = pytest.mark.slow

KEYS = {"articles": "article_id", "comments": "comment_id", "entities": "mention_id", "events": "event_id"}


def lake_rows(lake: Path, table: str):
    """What a pyarrow (or pandas) user reads from the lake folder of one table."""
    schema = TABLES[table]
    if not (lake / table).is_dir():
        return schema.empty_table()
    return ds.dataset(lake / table, format="parquet", schema=schema).to_table().sort_by(KEYS[table])


def assert_lake_is_the_warehouse(warehouse: Path) -> dict[str, int]:
    """Compares every table row for row; returns the row counts."""
    tables = read_tables(warehouse)
    counts = {}
    for table in TABLES:
        in_lake, in_warehouse = lake_rows(warehouse.parent / "lake", table), tables[table].sort_by(KEYS[table])
        assert in_lake.num_rows == in_warehouse.num_rows, f"{table}: lake {in_lake.num_rows}, warehouse {in_warehouse.num_rows}"
        assert in_lake.equals(in_warehouse), f"{table}: the lake's rows differ from the warehouse's"
        counts[table] = in_lake.num_rows
    return counts


def hidden_lake_files(warehouse: Path) -> list[Path]:
    return [p for p in (warehouse.parent / "lake").rglob(".*") if p.is_file()]


def _second_page(seed_dir: Path) -> Path:
    other = seed_dir / "other.txt"
    other.write_text("---\ntitle: Talks in Geneva\n---\nDiplomats from France met officials from Iran in Geneva on Monday.\n"
                     "They agreed to meet again next month.\nComments\nAbout time they talked.\n", encoding="utf-8")
    settle(other)
    return other


def test_after_a_seed_changes_the_lake_holds_only_its_new_rows(seed_dir, warehouse):
    _second_page(seed_dir)
    first = newsflow_cli("run", seed_dir, "-w", warehouse)
    assert first.returncode == 0, first.stderr
    before = assert_lake_is_the_warehouse(warehouse)
    assert (before["articles"], before["comments"]) == (2, 6)

    seed = seed_dir / SAMPLE.name
    seed.write_text(seed.read_text(encoding="utf-8").rstrip("\n") + "\nNobody in Baghdad asked us about any of this!\n",
                    encoding="utf-8")
    settle(seed)
    second = newsflow_cli("run", seed_dir, "-w", warehouse)
    assert second.returncode == 0, second.stderr
    after = assert_lake_is_the_warehouse(warehouse)
    # One article replaced, the other untouched: its rows stay in the first run's (rewritten) file.
    assert (after["articles"], after["comments"]) == (2, 7)
    assert len(list((warehouse.parent / "lake" / "articles").rglob("*.parquet"))) == 2
    assert hidden_lake_files(warehouse) == []


def _blocking_title_check(tmp_path: Path) -> Path:
    """The project's suites plus one blocking check a real page can fail: no title saying REJECT."""
    suites = tmp_path / "expectations"
    shutil.copytree(ROOT / "expectations", suites)
    articles = json.loads((suites / "articles.json").read_text())
    articles["expectations"].append({"type": "expect_column_values_to_not_match_regex",
                                     "kwargs": {"column": "title", "regex": "REJECT"}, "meta": {"blocking": True}})
    (suites / "articles.json").write_text(json.dumps(articles))
    return suites


def test_rows_of_a_source_rejected_by_a_blocking_check_never_reach_the_lake(seed_dir, warehouse, tmp_path):
    bad = seed_dir / "bad.txt"
    bad.write_text("---\ntitle: REJECT this page\n---\nTroops from Iraq crossed into Syria on Friday.\n"
                   "Comments\nThis cannot be right.\n", encoding="utf-8")
    settle(bad)
    r = newsflow_cli("run", seed_dir, "-w", warehouse, env={"NEWSFLOW_EXPECTATIONS": str(_blocking_title_check(tmp_path))})
    assert "Traceback" not in r.stderr, r.stderr
    assert "quarantined" in r.stdout and "bad.txt" in r.stdout
    counts = assert_lake_is_the_warehouse(warehouse)
    assert (counts["articles"], counts["comments"]) == (1, 5)
    titles = lake_rows(warehouse.parent / "lake", "articles").column("title").to_pylist()
    assert not any("REJECT" in (t or "") for t in titles)
    assert hidden_lake_files(warehouse) == []


def _pages(seed_dir: Path, n: int) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    for i in range(n):
        page = seed_dir / f"page_{i}.txt"
        page.write_text(text.replace("Thursday", f"Thursday (update {i})"), encoding="utf-8")
        settle(page)


def test_a_killed_load_leaves_no_orphan_in_the_lake_and_the_rerun_converges(seed_dir, warehouse):
    _pages(seed_dir, 4)
    exe = Path(sys.executable).with_name("newsflow")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    proc = subprocess.Popen([str(exe), "run", str(seed_dir), "-w", str(warehouse), "--batch-size", "1"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        # Kill while a batch is written to the lake but not yet committed to the warehouse.
        while not any(p.name.endswith(".staged") for p in hidden_lake_files(warehouse)):
            assert proc.poll() is None, "the run finished before a batch could be caught mid-load"
            assert time.monotonic() < deadline, "no batch was ever staged"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert hidden_lake_files(warehouse), "the kill came too late to leave anything behind"
    assert_lake_is_the_warehouse(warehouse)  # whatever the killed run left, readers see only committed rows

    again = newsflow_cli("run", seed_dir, "-w", warehouse)
    assert again.returncode == 0, again.stderr
    counts = assert_lake_is_the_warehouse(warehouse)
    assert (counts["articles"], counts["comments"]) == (5, 25)  # the sample and its four variants
    assert hidden_lake_files(warehouse) == []


def test_a_crash_between_the_commit_and_the_lake_update_is_finished_by_the_next_load(tmp_path, monkeypatch):
    from datetime import datetime, timezone

    from tasks.ingest.documents import SeedFile, build_rows
    from tasks.ingest.parse import parse_seed
    from tasks import lake as lake_files
    from tasks.lake import batch_tables, write_batch
    from tasks.nlp.stage import analyse_docs
    from tasks.core.settings import DEFAULT_MODEL
    from warehouse import load
    from warehouse.db import writer

    pages = parse_seed(str(SAMPLE), SAMPLE.read_bytes())
    articles, comments, docs = build_rows(SeedFile(str(SAMPLE), str(SAMPLE), "0" * 64, 0, 0), pages, "run-c",
                                          datetime.now(timezone.utc))
    analysis = analyse_docs(docs, DEFAULT_MODEL)
    mentions, events = analysis.mentions, analysis.events
    warehouse, lake = tmp_path / "wh.duckdb", tmp_path / "lake"
    paths = write_batch(batch_tables(articles, comments, mentions, events), lake, "run-c", 1)

    def killed(source, target):
        raise KeyboardInterrupt("killed after the commit, before the lake was updated")
    monkeypatch.setattr(lake_files, "move", killed)
    with writer(warehouse) as con, pytest.raises(KeyboardInterrupt):
        load.load_batch(con, run_id="run-c", batch=1, lake_paths=paths, loaded_sources=[],
                        excluded_articles=[], manifest_rows=[], quarantine_rows=[], validation_rows=[])
    monkeypatch.undo()
    assert not list(lake.rglob("*.parquet"))  # committed in the warehouse, not yet in the lake

    with writer(warehouse) as con:
        load.settle_lake(con, lake)  # what the next run does first
    counts = assert_lake_is_the_warehouse(warehouse)
    assert (counts["articles"], counts["comments"]) == (1, 5)
    assert hidden_lake_files(warehouse) == []
