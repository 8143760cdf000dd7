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


def test_a_model_that_is_not_installed_fails_the_run_naming_it_and_blames_no_seed(seed_dir, warehouse):
    import duckdb

    r = newsflow_cli("run", seed_dir, "-w", warehouse, "--model", "no_such_model", "--n-process", "2", timeout=120)
    assert r.returncode != 0
    assert "'no_such_model' is not installed" in r.stderr and "Traceback" not in r.stderr + r.stdout
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT status, error FROM pipeline_runs").fetchall()[0][0] == "failed"
    assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0
    con.close()


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


@needs_gold
def test_a_finished_run_stops_what_it_started_and_prints_everything(tmp_path):
    # The command ends without Python's module teardown (flows/leave.py): the server, the
    # analysis workers and their forkserver must still be stopped, and the last lines printed.
    seeds = tmp_path / "seeds"
    write_corpus(10, seeds, GOLD)
    exe = Path(sys.executable).with_name("newsflow")
    proc = subprocess.Popen([str(exe), "run", str(seeds), "-w", str(tmp_path / "wh.duckdb"), "--settle-seconds", "0",
                             "--n-process", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    started: dict[int, psutil.Process] = {}
    while proc.poll() is None:
        try:
            started.update({c.pid: c for c in psutil.Process(proc.pid).children(recursive=True)})
        except psutil.NoSuchProcess:
            pass
        time.sleep(0.2)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "articles loaded" in out and out.rstrip().splitlines()[-1].startswith("report: ")
    assert len(started) >= 3, "expected the API server and two workers"
    _gone, alive = psutil.wait_procs(list(started.values()), timeout=10)
    assert not alive, f"left behind: {[p.cmdline() for p in alive if p.is_running()]}"


# --- what a user sees: progress, errors, tables, JSON, the query sandbox --------------------

def newsflow_on_terminal(*args, columns: int = 100, env=None, timeout=300) -> tuple[int, str]:
    """The CLI with stdout and stderr on a pseudo-terminal `columns` wide, as a person runs it;
    returns (exit code, the screen's text without colour codes)."""
    import fcntl
    import os
    import pty
    import re
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items()
                if v is not None and k not in ("COLUMNS", "LINES", "PREFECT_API_URL")}
    exe = Path(sys.executable).with_name("newsflow")
    proc = subprocess.Popen([str(exe), *map(str, args)], stdin=slave, stdout=slave, stderr=slave, env=full_env)
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=10)
    screen = b"".join(chunks).decode("utf-8", errors="replace").replace("\r\n", "\n")
    return code, re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen)


def test_run_on_a_terminal_draws_a_progress_bar_and_piped_prints_plain_lines(tmp_path):
    from tests.conftest import SAMPLE, settle

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(3):
        page = seeds / f"page_{i}.txt"
        page.write_text(SAMPLE.read_text(encoding="utf-8").replace("Thursday", f"Thursday ({i})"), encoding="utf-8")
        settle(page)
    code, screen = newsflow_on_terminal("run", seeds, "-w", tmp_path / "tty" / "wh.duckdb", "--batch-size", "2")
    assert code == 0, screen
    bars = [line for line in screen.replace("\r", "\n").splitlines() if line.startswith("files")]
    assert any(" 2/3 " in bar for bar in bars), bars  # the first batch's files, before the second is done
    assert " 3/3 " in bars[-1] and "ETA" in bars[-1] and "files/s" in bars[-1], bars

    piped = newsflow_cli("run", seeds, "-w", tmp_path / "piped" / "wh.duckdb", "--batch-size", "2")
    assert piped.returncode == 0, piped.stderr
    lines = [line for line in piped.stderr.splitlines() if line.startswith("progress: ")]
    assert lines[0] == "progress: 0/3 files (0%)"
    assert lines[-1].startswith("progress: 3/3 files (100%), ") and lines[-1].endswith(" files/s, done")
    assert "━" not in piped.stderr and "\r" not in piped.stderr


def test_a_sql_error_shows_duckdbs_whole_message(loaded):
    r = newsflow_cli("query", "select * from event", "-w", loaded)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "error: Catalog Error: Table with name event does not exist!",
        'Did you mean "events"?',
        "",
        "LINE 1: select * from event",
        "                      ^",
    ]
    col = newsflow_cli("query", "select evnt_type from events", "-w", loaded)
    lines = col.stderr.splitlines()
    assert lines[0] == 'error: Binder Error: Referenced column "evnt_type" not found in FROM clause!'
    assert lines[1].startswith('Candidate bindings: "event_type"')
    assert lines[-2:] == ["LINE 1: select evnt_type from events", "               ^"]


def test_a_wide_result_shows_the_columns_that_fit_and_says_how_many(loaded):
    import duckdb

    con = duckdb.connect(str(loaded), read_only=True)
    n_columns = len(con.execute("describe events").fetchall())
    n_rows = con.execute("select count(*) from events").fetchone()[0]
    con.close()
    code, screen = newsflow_on_terminal("query", "select * from events", "-w", loaded, columns=100)
    assert code == 0, screen
    lines = screen.splitlines()
    assert all(len(line) <= 100 for line in lines), [line for line in lines if len(line) > 100]
    footer = lines[-1]
    shown = int(footer.rsplit("(", 1)[1].split()[0])
    assert footer == f"{n_rows} rows  {n_columns} columns ({shown} shown)"
    assert 3 <= shown < n_columns
    header = next(line for line in lines if "event_id" in line)
    assert [h.strip() for h in header.strip("┃").split("┃")][:3] == ["event_id", "doc_id", "doc_kind"]


def test_status_keeps_whole_headers_at_80_columns_and_everything_when_piped(loaded):
    code, screen = newsflow_on_terminal("status", "-w", loaded, columns=80)
    assert code == 0, screen
    assert "…" not in screen and "..." not in screen
    runs_header = next(line for line in screen.splitlines() if "┃ run " in line)
    assert [h.strip() for h in runs_header.strip("┃").split("┃")][:3] == ["run", "started", "status"]
    assert "1 row  11 columns (" in screen

    piped = newsflow_cli("status", "-w", loaded, env={"COLUMNS": "80"})
    assert piped.returncode == 0
    header = next(line for line in piped.stdout.splitlines() if "┃ run " in line)
    assert [h.strip() for h in header.strip("┃").split("┃")] == [
        "run", "started", "status", "new", "quarantined", "articles", "comments", "entities", "events", "failed", "secs"]
    assert "…" not in piped.stdout and "shown)" not in piped.stdout


def test_json_has_iso_timestamps_and_floats_as_written(loaded):
    sql = ("select 0.6::REAL as real_value, 0.1::DOUBLE + 0.2::DOUBLE as double_value, 1.50 as decimal_value, "
           "TIMESTAMPTZ '2024-08-09 10:00:00+00' as at, DATE '2024-08-09' as day, NULL as nothing")
    r = newsflow_cli("query", sql, "-w", loaded, "--format", "json", env={"TZ": "UTC"})
    assert r.returncode == 0, r.stderr
    assert r.stdout == ('[{"real_value": 0.6, "double_value": 0.3, "decimal_value": 1.5, '
                        '"at": "2024-08-09T10:00:00+00:00", "day": "2024-08-09", "nothing": null}]\n')
    confidences = json.loads(newsflow_cli("query", "select confidence from events", "-w", loaded,
                                          "--format", "json").stdout)
    assert confidences and all(len(repr(c["confidence"])) <= 6 for c in confidences)


def test_status_as_json(loaded):
    from datetime import datetime

    r = newsflow_cli("status", "-w", loaded, "--format", "json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert list(report) == ["last_runs", "rows_per_table", "last_validation", "quarantined_files"]
    run = report["last_runs"][0]
    assert run["status"] == "completed" and (run["articles"], run["comments"]) == (1, 5)
    assert datetime.fromisoformat(run["started_at"]).tzinfo is not None and "T" in run["started_at"]
    assert {t["table_name"]: t["rows"] for t in report["rows_per_table"]}["comments"] == 5


def test_version_and_help_without_type_tags_on_flags():
    from importlib.metadata import version

    v = newsflow_cli("--version")
    assert v.returncode == 0 and v.stdout == f"newsflow {version('newsflow')}\n"
    for command in ([], ["run"], ["query"], ["status"], ["validate"], ["serve"]):
        h = newsflow_cli(*command, "--help", env={"COLUMNS": "120"})
        assert h.returncode == 0, h.stderr
        assert "<bool>" not in h.stdout, command
    assert "--version" in newsflow_cli("--help").stdout


def test_query_timeout_interrupts_duckdb(loaded):
    t0 = time.monotonic()
    r = newsflow_cli("query", "select count(*) from range(100000000000000)", "-w", loaded, "--timeout", "2")
    assert time.monotonic() - t0 < 30
    assert r.returncode == 1
    assert r.stderr == "error: the query ran longer than 2s and was stopped (--timeout SECONDS allows longer, 0 no limit)\n"


@pytest.mark.parametrize("sql", ["SET memory_limit='100TB'", "SET threads=64", "RESET threads",
                                 "SET lock_configuration=false", "PRAGMA threads=64"])
def test_query_cannot_raise_its_limits(loaded, sql):
    r = newsflow_cli("query", sql, "-w", loaded)
    assert r.returncode == 1
    assert r.stderr.startswith("error: queries cannot change settings"), r.stderr
    limits = newsflow_cli("query", "select current_setting('threads') as t, current_setting('memory_limit') as m",
                          "-w", loaded, "--threads", "1", "--memory-limit", "500MB", "--format", "csv")
    assert limits.stdout.splitlines() == ["t,m", "1,476.8 MiB"]


def test_query_takes_one_statement(loaded):
    r = newsflow_cli("query", "select 1; delete from comments; select 2", "-w", loaded)
    assert r.returncode == 1
    assert r.stderr == ("error: one statement per query: got 3; run them one at a time "
                        "(or combine them with WITH ... / UNION ALL)\n")
    one = newsflow_cli("query", "select count(*) as n from comments;", "-w", loaded, "--format", "csv")
    assert one.stdout.splitlines() == ["n", "5"]


def test_query_never_shows_where_the_warehouse_is(loaded):
    folder = str(loaded.parent)
    for sql in ("PRAGMA database_list", "select path from duckdb_databases()",
                "select current_setting('temp_directory') as t", "select * from nowhere"):
        r = newsflow_cli("query", sql, "-w", loaded, "--format", "csv")
        assert folder not in r.stdout + r.stderr, sql
    listed = newsflow_cli("query", "PRAGMA database_list", "-w", loaded, "--format", "json")
    assert [d["name"] for d in json.loads(listed.stdout)] == ["warehouse"]


def test_a_run_waits_out_a_long_query_then_loads(loaded, tmp_path):
    from tests.conftest import SAMPLE, settle

    wh = _copy(loaded, tmp_path)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    page = seeds / "later.txt"
    page.write_text(SAMPLE.read_text(encoding="utf-8").replace("Thursday", "Saturday"), encoding="utf-8")
    settle(page)
    exe = Path(sys.executable).with_name("newsflow")
    slow = subprocess.Popen([str(exe), "query", "select count(*) from range(100000000000000)", "-w", str(wh),
                             "--timeout", "12"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    r = newsflow_cli("run", seeds, "-w", wh)
    _, query_err = slow.communicate(timeout=60)
    assert "ran longer than 12s" in query_err
    assert r.returncode == 0, r.stderr
    assert "loaded in" in r.stdout and "Traceback" not in r.stderr


def test_a_writer_blocked_by_a_query_says_a_query_holds_the_warehouse(loaded, tmp_path):
    from tasks.core.errors import WarehouseBusyError
    from warehouse.db import connect

    wh = _copy(loaded, tmp_path)
    exe = Path(sys.executable).with_name("newsflow")
    slow = subprocess.Popen([str(exe), "query", "select count(*) from range(100000000000000)", "-w", str(wh),
                             "--timeout", "8"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)
        with pytest.raises(WarehouseBusyError) as caught:
            connect(wh, wait_seconds=1)
    finally:
        slow.communicate(timeout=60)
    assert str(caught.value) == (f"{wh}: a `newsflow query` still has the warehouse open; it ends within its "
                                 f"--timeout (60 s by default): try again then")


def _read_only(path: Path):
    """Make `path` unwritable even for root (which ignores modes): immutable where chattr works."""
    import contextlib
    import os

    @contextlib.contextmanager
    def made():
        if os.geteuid() != 0:
            os.chmod(path, 0o444)
            yield
            return
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("running as root where chattr +i does not work: cannot make a file read-only")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    return made()


def test_validate_on_a_read_only_warehouse_says_so_in_one_line_with_its_own_exit_code(loaded, tmp_path):
    wh = _copy(loaded, tmp_path)
    with _read_only(wh):
        r = newsflow_cli("validate", "-w", wh)
    assert r.returncode == 5, r.stdout + r.stderr
    assert r.stderr == (f"error: {wh}: the warehouse is read-only for this user; make it writable, or copy "
                        f"the warehouse somewhere writable and pass --warehouse\n")
    assert not (wh.parent / "quality").exists()
