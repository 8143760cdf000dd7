"""The `newsflow` command as a user runs it: a real subprocess with its own temporary Prefect server."""
import json

import pytest

from tests.conftest import newsflow_cli

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


def test_missing_seed_folder_is_a_clear_error(warehouse):
    r = newsflow_cli("run", "no/such/folder", "-w", warehouse)
    assert r.returncode != 0 and "no/such/folder" in r.stderr and "Traceback" not in r.stderr


def test_help_explains_commands():
    r = newsflow_cli("--help")
    assert r.returncode == 0
    for command in ("run", "query", "status"):
        assert command in r.stdout
