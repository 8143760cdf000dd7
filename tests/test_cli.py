"""The `newsflow` command as a user runs it: a real subprocess with its own temporary Prefect server."""
import json
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from benchmarks.corpus import write_corpus
from tests.conftest import GOLD, needs_gold, newsflow_cli

pytestmark = pytest.mark.slow


def test_run_then_query_counts_and_formats(seed_dir, warehouse):
    result = newsflow_cli("run", seed_dir, "--warehouse", warehouse)
    assert result.returncode == 0, result.stderr
    assert "comments loaded" in result.stdout and "Traceback" not in result.stderr + result.stdout

    q = newsflow_cli("query", "select count(*) as n from comments", "--warehouse", warehouse)
    assert q.returncode == 0, q.stderr
    assert "5" in q.stdout
    csv_out = newsflow_cli("query", "select count(*) as n from comments", "-w", warehouse, "--format", "csv")
    assert csv_out.stdout.splitlines() == ["n", "5"]
    js = newsflow_cli("query", "select count(*) as n from articles", "-w", warehouse, "--format", "json")
    assert json.loads(js.stdout) == [{"n": 1}]

    again = newsflow_cli("run", seed_dir, "--warehouse", warehouse)
    assert again.returncode == 0 and "nothing new to load" in again.stdout


def test_query_is_read_only_and_cannot_touch_files(seed_dir, warehouse, tmp_path):
    assert newsflow_cli("run", seed_dir, "-w", warehouse).returncode == 0
    for sql in ("delete from comments", "create table x as select 1",
                "select * from read_text('/etc/passwd')", f"copy comments to '{tmp_path / 'leak.csv'}'"):
        r = newsflow_cli("query", sql, "-w", warehouse)
        assert r.returncode != 0, sql
        assert "error:" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "leak.csv").exists()
    assert "5" in newsflow_cli("query", "select count(*) from comments", "-w", warehouse).stdout


def _without_prefect_home(**env):
    return {"PREFECT_HOME": None, "NEWSFLOW_PREFECT_HOME": None, **env}


def test_run_keeps_prefect_state_per_user_not_per_warehouse(seed_dir, tmp_path):
    state = tmp_path / "state"
    for name in ("a", "b"):
        wh = tmp_path / name / "newsflow.duckdb"
        r = newsflow_cli("run", seed_dir, "-w", wh, env=_without_prefect_home(XDG_STATE_HOME=str(state)))
        assert r.returncode == 0, r.stderr
        assert not (wh.parent / "prefect").exists()
    assert (state / "newsflow" / "prefect" / "prefect.db").is_file()


def test_run_without_a_writable_home_keeps_prefect_state_beside_the_warehouse(seed_dir, warehouse):
    env = _without_prefect_home(HOME="/proc/no-home", XDG_STATE_HOME=None)
    r = newsflow_cli("run", seed_dir, "-w", warehouse, env=env)
    assert r.returncode == 0, r.stderr
    assert (warehouse.parent / "prefect" / "prefect.db").is_file()
    assert "5" in newsflow_cli("query", "select count(*) from comments", "-w", warehouse).stdout


def test_missing_seed_folder_is_a_clear_error(warehouse):
    r = newsflow_cli("run", "no/such/folder", "-w", warehouse)
    assert r.returncode != 0 and "no/such/folder" in r.stderr and "Traceback" not in r.stderr


def test_help_explains_commands():
    r = newsflow_cli("--help")
    assert r.returncode == 0
    for command in ("run", "query", "status"):
        assert command in r.stdout


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A warehouse loaded once from the sample seed by the real CLI."""
    import shutil

    from tests.conftest import SAMPLE, settle

    root = tmp_path_factory.mktemp("loaded")
    seeds = root / "seeds"
    seeds.mkdir()
    shutil.copy(SAMPLE, seeds / SAMPLE.name)
    settle(seeds / SAMPLE.name)
    wh = root / "data" / "newsflow.duckdb"
    assert newsflow_cli("run", seeds, "-w", wh).returncode == 0
    return wh


def _copy(wh, tmp_path):
    import shutil

    target = tmp_path / "data" / "newsflow.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copy(wh, target)
    return target


def test_validate_passes_builds_data_docs_and_fails_on_broken_rows(loaded, tmp_path):
    import duckdb

    wh = _copy(loaded, tmp_path)
    ok = newsflow_cli("validate", "-w", wh)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "0 blocking failures" in ok.stdout
    assert (wh.parent / "quality" / "index.html").exists()
    assert list((wh.parent / "quality" / "validations").rglob("*.html"))

    con = duckdb.connect(str(wh))
    con.execute("update events set event_type = 'PICNIC' where event_id = (select min(event_id) from events)")
    con.close()
    bad = newsflow_cli("validate", "-w", wh)
    assert bad.returncode == 1
    assert "PICNIC" in bad.stdout and "events" in bad.stdout
    con = duckdb.connect(str(wh), read_only=True)
    assert con.execute("select count(*) from validation_results where run_id like 'validate-%' "
                       "and not success and blocking").fetchone()[0] == 1
    con.close()


def test_query_writes_files_in_each_format(loaded, tmp_path):
    import pyarrow.parquet as pq

    pq_out, csv_out = tmp_path / "events.parquet", tmp_path / "n.csv"
    r = newsflow_cli("query", "select event_type, trigger from events", "-w", loaded, "--format", "parquet", "-o", pq_out)
    assert r.returncode == 0, r.stderr
    assert pq.read_table(pq_out).num_rows > 10
    assert newsflow_cli("query", "select count(*) as n from comments", "-w", loaded, "--format", "csv", "-o", csv_out).returncode == 0
    assert csv_out.read_text().splitlines() == ["n", "5"]
    no_file = newsflow_cli("query", "select 1", "-w", loaded, "--format", "parquet")
    assert no_file.returncode != 0 and "--output" in no_file.stderr


def test_query_during_a_load_waits_then_says_a_run_is_loading(loaded, tmp_path):
    import duckdb

    wh = _copy(loaded, tmp_path)
    holder = duckdb.connect(str(wh))  # what a loading run holds
    try:
        r = newsflow_cli("query", "select count(*) from comments", "-w", wh)
    finally:
        holder.close()
    assert r.returncode != 0
    assert "a newsflow run is loading" in r.stderr and "Traceback" not in r.stderr
    assert "5" in newsflow_cli("query", "select count(*) from comments", "-w", wh).stdout


def _servers_under(pid: int) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(pid).children(recursive=True):
        try:
            if "uvicorn" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


@needs_gold
def test_a_killed_run_leaves_no_prefect_server_behind(tmp_path):
    seeds = tmp_path / "seeds"
    write_corpus(40, seeds, GOLD)
    exe = Path(sys.executable).with_name("newsflow")
    proc = subprocess.Popen([str(exe), "run", str(seeds), "-w", str(tmp_path / "wh.duckdb"), "--settle-seconds", "0"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    servers = []
    while not servers and time.monotonic() < deadline:
        servers = _servers_under(proc.pid)
        time.sleep(0.2)
    assert servers, "the run never started its Prefect server"
    proc.kill()
    proc.wait()
    gone, alive = psutil.wait_procs(servers, timeout=15)
    assert not alive, f"left behind: {[p.cmdline() for p in alive]}"
