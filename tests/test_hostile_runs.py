"""Issue 13 through whole runs: real Prefect flow runs, real DuckDB files, the CLI as a subprocess.
A hostile folder loads every good page and nothing else; runs leave a trace from their start;
exit codes say what happened; seed files that are renamed, edited, turn bad or vanish keep the
warehouse honest."""
from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE, newsflow_cli, settle
from tests.hostile_corpus import GOOD, GOOD_JSONL_LINES, write_corpus

pytestmark = pytest.mark.slow

HEAVY = ("many_lines.txt", "capitalised_line.txt")
"""Parsed in bounded time (test_hostile.py); left out here because spaCy over them takes minutes
on a busy machine. `tests/hostile_corpus.py DIR` writes the full folder for a run by hand."""


def run(seeds, warehouse, **kw):
    from flows.ingest import ingest

    kw.setdefault("settle_seconds", 0)
    return ingest(seeds=[str(seeds)], warehouse=str(warehouse), **kw)


def sql(warehouse, query, *params):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


@pytest.fixture
def hostile(tmp_path):
    seeds = tmp_path / "seeds"
    write_corpus(seeds, tmp_path / "outside")
    for name in HEAVY:
        (seeds / name).unlink()
    return seeds


def test_hostile_folder_loads_every_good_page_reads_nothing_outside_and_stores_no_bomb(prefect_harness, hostile, warehouse):
    summary = run(hostile, warehouse)
    assert summary["status"] == "completed"
    loaded = {Path(p).name for (p,) in sql(warehouse, "select distinct source_path from articles")}
    good = set(GOOD) | {"mixed.jsonl", "year9999_tomorrow.json", "year0001_weekday.json", "nested_divs.html"}
    assert loaded == good
    assert sql(warehouse, "select count(*) from articles where source_path like '%mixed.jsonl'") == [(GOOD_JSONL_LINES,)]
    reasons = {Path(p).name: r for p, r in sql(warehouse, "select source_path, reason from quarantine")}
    for name in ("link_passwd.txt", "link_secret.txt", "link_environ.txt", "link_dangling.txt", "fifo.txt",
                 "deep.json", "inf_date.json", "year9999_tz.txt", "yaml_bomb.txt", "huge_title.json",
                 "too_long_text.txt", "oversize.txt", "mixed.jsonl", "evil\nname\x1b[31m.txt"):
        assert name in reasons, name
    assert reasons["mixed.jsonl"].startswith("line 2:")
    # Nothing from outside the folder, no bomb: not in the warehouse, not in quarantine/.
    con = duckdb.connect(str(warehouse), read_only=True)
    for table in ("articles", "comments", "quarantine", "ingest_manifest"):
        text = " ".join(str(r) for r in con.execute(f"select * from {table}").fetchall())
        assert "root:x:0:0" not in text and "SECRET-TOKEN" not in text and "PATH=" not in text, table
        assert "lollol" not in text.replace("'", "").replace(", ", "")
    assert con.execute("select max(length(title)) from articles").fetchone()[0] < 2000
    con.close()
    qdir = warehouse.parent / "quarantine"
    copies = list(qdir.iterdir())
    assert all(c.stat().st_size <= 2 * 1024 * 1024 for c in copies)
    assert not any(b"SECRET-TOKEN" in c.read_bytes() or b"root:x:0:0" in c.read_bytes() for c in copies)
    assert all("\n" not in c.name for c in copies)
    # The rerun does the same: nothing new, nothing quarantined again.
    again = run(hostile, warehouse)
    assert again["files_new"] == 0 and again["files_quarantined"] == 0 and again["articles"] == 0


def test_a_failing_run_is_recorded_failed_and_the_next_run_loads(prefect_harness, seed_dir, warehouse, monkeypatch):
    from warehouse import load

    real = load.load_batch

    def disk_full(*a, **kw):
        raise OSError(28, "No space left on device", str(warehouse.parent / "lake"))

    monkeypatch.setattr(load, "load_batch", disk_full)
    with pytest.raises(OSError):
        run(seed_dir, warehouse)
    assert sql(warehouse, "select status, error like '%No space left%' from pipeline_runs") == [("failed", True)]
    monkeypatch.setattr(load, "load_batch", real)
    assert run(seed_dir, warehouse)["articles"] == 1
    assert sorted(s for (s,) in sql(warehouse, "select status from pipeline_runs")) == ["completed", "failed"]


def test_a_file_whose_analysis_fails_is_quarantined_and_the_rest_load(prefect_harness, seed_dir, warehouse, monkeypatch):
    from tasks.nlp import stage

    real = stage.analyse_in_process

    def fragile(docs, model, *a, **kw):
        if any("EXPLODE" in d.text for d in docs):
            raise ValueError("[E088] Text of length 1000001 exceeds maximum")
        return real(docs, model, *a, **kw)

    monkeypatch.setattr(stage, "analyse_in_process", fragile)
    (seed_dir / "bad.txt").write_text("Troops withdrew. EXPLODE here.\n")
    settle(seed_dir / "bad.txt")
    summary = run(seed_dir, warehouse)
    assert summary["articles"] == 1
    assert sql(warehouse, "select stage, reason like '%E088%' from quarantine") == [("analyse", True)]


# Seed lifecycle (issue 13 item 6)

def test_a_renamed_seed_moves_its_rows_and_an_edit_after_leaves_one_copy(prefect_harness, seed_dir, warehouse):
    run(seed_dir, warehouse)
    old = seed_dir / SAMPLE.name
    new = seed_dir / "renamed.txt"
    old.rename(new)
    summary = run(seed_dir, warehouse)
    assert summary["files_duplicate"] == 0 and summary["renamed"] == [{"from": str(old), "to": str(new)}]
    assert sql(warehouse, "select source_path from articles") == [(str(new),)]
    new.write_text(new.read_text() + "\nOne more comment from Basra!\n")
    settle(new)
    run(seed_dir, warehouse)
    assert sql(warehouse, "select count(*) from articles") == [(1,)]
    assert sql(warehouse, "select count(*) from ingest_manifest") == [(1,)]


def test_editing_the_original_of_a_duplicate_keeps_the_copy_content(prefect_harness, seed_dir, warehouse):
    copy = seed_dir / "copy.txt"
    copy.write_bytes(SAMPLE.read_bytes())
    settle(copy)
    assert run(seed_dir, warehouse)["files_duplicate"] == 1
    original = seed_dir / SAMPLE.name
    original.write_text(original.read_text() + "\nA comment only the original has.\n")
    settle(original)
    run(seed_dir, warehouse)
    rows = dict(sql(warehouse, "select source_path, source_sha256 from articles"))
    assert set(rows) == {str(original), str(copy)}
    assert sql(warehouse, "select count(*) from ingest_manifest where status = 'duplicate'") == [(0,)]


def test_a_loaded_file_that_turns_bad_keeps_its_rows_and_status_says_so(prefect_harness, seed_dir, warehouse):
    run(seed_dir, warehouse)
    seed = seed_dir / SAMPLE.name
    seed.write_bytes(b"\x00\x01binary now" * 50)
    settle(seed)
    summary = run(seed_dir, warehouse)
    assert summary["files_quarantined"] == 1
    assert sql(warehouse, "select status from ingest_manifest") == [("stale",)]
    assert sql(warehouse, "select count(*) from articles") == [(1,)]
    seed.write_bytes(SAMPLE.read_bytes())
    settle(seed)
    run(seed_dir, warehouse)
    assert sql(warehouse, "select status from ingest_manifest") == [("loaded",)]


def test_deleted_seeds_are_reported_and_pruned_on_request(prefect_harness, seed_dir, warehouse):
    extra = seed_dir / "second.json"
    extra.write_bytes((Path(SAMPLE).parent / "examples" / "page.json").read_bytes())
    settle(extra)
    run(seed_dir, warehouse)
    extra.unlink()
    summary = run(seed_dir, warehouse)
    assert summary["vanished"] == [str(extra)] and summary["files_pruned"] == 0
    assert sql(warehouse, "select count(*) from articles") == [(2,)]
    pruned = run(seed_dir, warehouse, prune=True)
    assert pruned["files_pruned"] == 1
    assert sql(warehouse, "select count(*) from articles") == [(1,)]
    assert sql(warehouse, "select count(*) from comments where article_id not in (select article_id from articles)") == [(0,)]
    assert run(seed_dir, warehouse)["vanished"] == []


# The CLI: exit codes and messages (issue 13 items 7 and 8)

def test_exit_codes_all_loaded_quarantined_skipped_and_missing_folder(seed_dir, warehouse):
    r = newsflow_cli("run", seed_dir, "-w", warehouse)
    assert r.returncode == 0, r.stderr
    (seed_dir / "evil\nquarantined fake.txt").write_bytes(b"\x00\x01\x02" * 100)
    settle(seed_dir / "evil\nquarantined fake.txt")
    r = newsflow_cli("run", seed_dir, "-w", warehouse)
    assert r.returncode == 3, r.stderr
    assert "evil\\nquarantined fake.txt" in r.stdout
    assert not any(line.startswith("quarantined fake.txt") for line in r.stdout.splitlines())
    from flows.run_lock import run_lock

    with run_lock(warehouse.parent, 0):
        r = newsflow_cli("run", seed_dir, "-w", warehouse, "--wait", "1")
    assert r.returncode == 4 and "skipped" in r.stdout
    r = newsflow_cli("run", "no/such/folder", "-w", warehouse)
    assert r.returncode == 5 and "no/such/folder" in r.stderr and "Traceback" not in r.stderr
    status = newsflow_cli("status", "-w", warehouse, env={"COLUMNS": "200"})
    assert "skipped" in status.stdout and "completed" in status.stdout
    help_text = newsflow_cli("run", "--help").stdout
    assert "Exit codes" in help_text and "--prune" in help_text


def test_environment_errors_are_one_line_naming_the_path_and_the_fix(seed_dir, tmp_path):
    # Read-only and full disks are injected into the real CLI process through sitecustomize.
    inject = tmp_path / "inject"
    inject.mkdir()
    (inject / "sitecustomize.py").write_text(
        "import errno, os\n"
        "mode = os.environ.get('NEWSFLOW_TEST_FAULT')\n"
        "if mode == 'enospc':\n"
        "    import pyarrow.parquet as pq\n"
        "    def full(table, where, *a, **k):\n"
        "        raise OSError(errno.ENOSPC, 'No space left on device', str(where))\n"
        "    pq.write_table = full\n"
    )
    env = {"PYTHONPATH": str(inject), "NEWSFLOW_TEST_FAULT": "enospc"}
    wh = tmp_path / "full" / "wh.duckdb"
    r = newsflow_cli("run", seed_dir, "-w", wh, env=env)
    assert r.returncode == 5, r.stderr
    [line] = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert "disk full" in line and str(wh.parent / "lake") in line and "--warehouse" in line
    assert "Traceback" not in r.stderr
    assert "failed" in newsflow_cli("status", "-w", wh, env={"COLUMNS": "200"}).stdout
    assert len([line for line in r.stderr.splitlines() if "error:" in line]) == 1
    # A warehouse under a file (not a folder) cannot be created: the path and the fix, no traceback.
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    r = newsflow_cli("run", seed_dir, "-w", blocker / "wh.duckdb")
    assert r.returncode == 5 and str(blocker) in r.stderr and "Traceback" not in r.stderr


def test_kill_9_at_a_random_point_converges_on_rerun(tmp_path):
    from tests.conftest import GOLD
    from benchmarks.corpus import write_corpus as gold_corpus

    if not GOLD.exists():
        pytest.skip("needs ../shared/gold")
    seeds = tmp_path / "seeds"
    gold_corpus(12, seeds, GOLD)
    reference = tmp_path / "ref" / "wh.duckdb"
    assert newsflow_cli("run", seeds, "-w", reference, "--settle-seconds", "0", "--batch-size", "3").returncode == 0
    killed = tmp_path / "killed" / "wh.duckdb"
    exe = Path(sys.executable).with_name("newsflow")
    delay = random.Random(os.environ.get("NEWSFLOW_KILL_SEED", str(time.time_ns()))).uniform(3, 25)
    proc = subprocess.Popen([str(exe), "run", str(seeds), "-w", str(killed), "--settle-seconds", "0", "--batch-size", "3"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if killed.exists():
        status = newsflow_cli("status", "-w", killed).stdout
        runs = sql(killed, "select status from pipeline_runs")
        assert runs and runs[0][0] in ("running", "completed"), (delay, status)
    r = newsflow_cli("run", seeds, "-w", killed, "--settle-seconds", "0", "--batch-size", "3")
    assert r.returncode == 0, (delay, r.stderr)
    count = "select (select count(*) from articles), (select count(*) from comments), (select count(*) from entities), (select count(*) from events)"
    assert sql(killed, count) == sql(reference, count), delay
    statuses = [s for (s,) in sql(killed, "select status from pipeline_runs order by started_at")]
    assert "running" not in statuses and statuses[-1] == "completed"


def test_fuzzed_folders_through_the_whole_flow_never_stop_the_run(prefect_harness, tmp_path_factory):
    """Hypothesis writes a few files of any bytes, JSON or front matter beside a good page; every
    run completes, the good page loads and every other file loads or is quarantined by name."""
    import json as _json

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tasks.ingest.parse import ACCEPTED_SUFFIXES

    anything = st.one_of(
        st.binary(max_size=600),
        st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=40),
                     lambda c: st.lists(c, max_size=4) | st.dictionaries(
                         st.sampled_from(["title", "body", "published_at", "comments", "text", "paragraphs"]), c, max_size=4),
                     max_leaves=12).map(lambda v: _json.dumps(v).encode()),
        st.text(max_size=300).map(lambda t: f"---\n{t}\n---\nTroops withdrew on Monday.\n".encode("utf-8", "surrogatepass")),
    )

    @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
    @given(files=st.lists(st.tuples(anything, st.sampled_from(ACCEPTED_SUFFIXES)), min_size=1, max_size=4))
    def check(files):
        base = tmp_path_factory.mktemp("fuzzrun")
        seeds = base / "seeds"
        seeds.mkdir()
        (seeds / "good.txt").write_bytes(SAMPLE.read_bytes())
        for i, (data, suffix) in enumerate(files):
            (seeds / f"f{i}{suffix}").write_bytes(data)
        for p in seeds.iterdir():
            settle(p)
        summary = run(seeds, base / "wh.duckdb")
        assert summary["status"] == "completed"
        paths = {Path(p).name for (p,) in sql(base / "wh.duckdb", "select source_path from articles")}
        assert "good.txt" in paths
        quarantined = {Path(q["source_path"]).name for q in summary["quarantine"]}
        duplicates = {Path(d["source_path"]).name for d in summary["duplicates"]}
        assert {f"f{i}{s}" for i, (_, s) in enumerate(files)} <= paths | quarantined | duplicates

    check()
