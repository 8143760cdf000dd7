"""`newsflow serve` as a user runs it: a real Prefect server, a schedule, new files dropped in."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.conftest import SAMPLE
from warehouse.query import run_query
from tasks.core.errors import NewsflowError

pytestmark = pytest.mark.slow


def start_serve(seeds, warehouse, log, *args):
    exe = Path(sys.executable).with_name("newsflow")
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.pop("PREFECT_HOME", None)  # its own Prefect home beside the warehouse
    return subprocess.Popen([str(exe), "serve", str(seeds), "-w", str(warehouse), "--settle-seconds", "1", *args],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)


def wait_for(predicate, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(1)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def articles_from(warehouse, name):
    try:
        _, rows = run_query(warehouse, f"select count(*) from articles where source_path like '%{name}'", wait_seconds=1)
    except NewsflowError:
        return 0
    return rows[0][0]


def drop(seeds, name, text):
    tmp = seeds.parent / f".{name}"
    tmp.write_text(text, encoding="utf-8")
    tmp.rename(seeds / name)


def descendants(proc):
    return psutil.Process(proc.pid).children(recursive=True)


def stop(proc, children):
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    time.sleep(1)
    alive = [c.pid for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
    assert alive == [], f"processes left behind: {alive}"


@contextmanager
def serving(tmp_path, *args):
    """`newsflow serve` running on a fresh seeds folder and warehouse; on leaving, Ctrl-C and a
    check that it stopped with everything it started."""
    seeds, warehouse, log_path = tmp_path / "seeds", tmp_path / "data" / "newsflow.duckdb", tmp_path / "serve.log"
    seeds.mkdir()
    with open(log_path, "w") as log:
        proc = start_serve(seeds, warehouse, log, *args)
    try:
        wait_for(lambda: "serving ingest" in log_path.read_text(), 150, "the server to start")
        yield seeds, warehouse
        children = descendants(proc)
    except BaseException:
        proc.kill()
        print(log_path.read_text())
        raise
    stop(proc, children)
    out = log_path.read_text()
    assert "Traceback" not in out and "newsflow: stopped" in out


def test_scheduled_runs_pick_up_new_seeds_and_stop_cleanly(tmp_path):
    interval = 12
    with serving(tmp_path, "--interval", str(interval)) as (seeds, warehouse):
        # An idle scheduled run completes, loads nothing, and is recorded.
        wait_for(lambda: warehouse.exists() and run_query(warehouse, "select count(*) from pipeline_runs "
                                                          "where status = 'completed'", 5)[1][0][0] >= 1,
                 4 * interval + 30, "an idle run to be recorded")
        drop(seeds, "first.txt", SAMPLE.read_text(encoding="utf-8"))
        wait_for(lambda: articles_from(warehouse, "first.txt") == 1, 4 * interval + 60, "the first seed")
        drop(seeds, "second.txt", SAMPLE.read_text(encoding="utf-8").replace("Thursday", "Friday"))
        wait_for(lambda: articles_from(warehouse, "second.txt") == 1, 4 * interval + 60, "the second seed")
    _, rows = run_query(warehouse, "select count(*) from pipeline_runs where articles = 0 and status = 'completed'")
    assert rows[0][0] >= 1
    # The terminal tells each run: started, then what it loaded or that there was nothing new;
    # a run that loaded something redraws the report.
    said = " ".join((tmp_path / "serve.log").read_text().split())
    assert re.search(r"run [\w-]+ started", said)
    assert re.search(r"run [\w-]+: nothing new", said)
    assert re.search(r"run [\w-]+: loaded 1 articles, \d+ comments", said)
    assert f"report updated: {warehouse.parent / 'report.html'}" in said
    report = (warehouse.parent / "report.html").read_text(encoding="utf-8")
    assert re.search(r'<td>articles</td><td class="num">[12]</td>', report)


def test_the_prefect_ui_talks_to_the_served_api_and_lists_the_deployment(tmp_path):
    with serving(tmp_path, "--interval", "3600"):
        said = " ".join((tmp_path / "serve.log").read_text().split())
        ui = re.search(r"Prefect UI at (http://127\.0\.0\.1:\d+)", said).group(1)
        # What the UI asks first: where its API is. Prefect's default (port 4200) is not it.
        with urllib.request.urlopen(f"{ui}/ui-settings", timeout=10) as r:
            assert json.load(r)["api_url"] == f"{ui}/api"
        with urllib.request.urlopen(ui, timeout=10) as r:
            assert r.status == 200 and "<html" in r.read().decode().lower()

        def deployments():
            request = urllib.request.Request(f"{ui}/api/deployments/filter", data=b"{}", method="POST",
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as r:
                return [d for d in json.load(r) if d["name"] == "newsflow-ingest"]

        # The deployment is registered once the flow is imported, a little after the server is up.
        wait_for(deployments, 90, "the newsflow-ingest deployment")
        [deployment] = deployments()
        assert [s["schedule"]["interval"] for s in deployment["schedules"]] == [3600.0]
        _ui_shows_the_deployment(ui)


def _ui_shows_the_deployment(ui: str) -> None:
    """The UI itself, in headless Chromium when there is one: it lists the deployment instead of
    "Can't connect to Server API"."""
    from tests.test_report import CHROMIUM

    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return
    if not Path(CHROMIUM).exists():
        return
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page()
            page.goto(f"{ui}/deployments")
            page.wait_for_selector("text=newsflow-ingest", timeout=60_000)
            assert "connect to Server API" not in page.inner_text("body")
        finally:
            browser.close()


def test_watch_starts_a_run_without_waiting_for_the_schedule(tmp_path):
    with serving(tmp_path, "--interval", "3600", "--watch") as (seeds, warehouse):
        time.sleep(3)
        drop(seeds, "watched.txt", SAMPLE.read_text(encoding="utf-8"))
        # A run loads spaCy in a fresh process: on a busy machine that alone takes most of a minute.
        wait_for(lambda: articles_from(warehouse, "watched.txt") == 1, 180, "the watched seed")
