"""Prefect API servers that newsflow starts itself.

- `prefect_server`: a real server for scheduled runs (schedules never fire on a temporary one):
  the one at PREFECT_API_URL when set, otherwise `prefect server start` on 127.0.0.1, a free port,
  SQLite under the warehouse's Prefect home, stopped with everything it started when we leave.
- `TemporaryAPI`: the API alone for one `newsflow run`, as Prefect's own temporary server runs it.
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tasks.core.errors import NewsflowError


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextmanager
def prefect_server(home: Path, startup_seconds: float = 120.0, scheduler_loop_seconds: int = 5):
    """Yields the API URL of a healthy Prefect server."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update({
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
        # The scheduler's default loop (60 s) is too slow for short intervals.
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": str(scheduler_loop_seconds),
        # The UI asks /ui-settings where its API is; left alone that says 127.0.0.1:4200, not
        # the port chosen here, and the UI shows "Can't connect to Server API".
        "PREFECT_UI_API_URL": api_url,
        "PREFECT_UI_URL": api_url.removesuffix("/api"),
    })
    log_path = home / "server.log"
    prefect = Path(sys.executable).with_name("prefect")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([str(prefect), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        wait_healthy(proc, api_url, time.monotonic() + startup_seconds, log_path, "the Prefect server")
        yield api_url
    finally:
        stop_process_group(proc)


def wait_healthy(proc: subprocess.Popen, api_url: str, deadline: float, log_path: Path, what: str) -> None:
    """Until the server answers; NewsflowError with its log's tail if it exits or the deadline passes."""
    while not healthy(api_url):
        if proc.poll() is not None or time.monotonic() > deadline:
            tail = log_path.read_text(errors="replace")[-2000:]
            raise NewsflowError(f"{what} did not start (log: {log_path}):\n{tail}")
        time.sleep(0.1)


def stop_process_group(proc: subprocess.Popen, grace_seconds: float = 15.0) -> None:
    """SIGTERM to the server and everything it started, SIGKILL for what is left after the grace."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGTERM when newsflow dies, even by SIGKILL, so that no
    server is left behind (Linux; elsewhere the atexit stop is all there is)."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


class TemporaryAPI:
    """Prefect's API app under uvicorn in ephemeral mode (no UI, no background services) on a free
    port: what Prefect starts when no PREFECT_API_URL is set, started here before Prefect is even
    imported. Stopped when the process exits."""

    def __init__(self, home: Path, startup_seconds: float = 90.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self._deadline = time.monotonic() + startup_seconds
        self._log = Path(home) / "temporary-api.log"
        package = Path(importlib.util.find_spec("prefect").origin).parent
        env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_UI_ENABLED": "0",
               "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        with open(self._log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "--app-dir", str(package.parent), "--factory",
                 "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                 "--log-level", "error", "--lifespan", "on"],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                preexec_fn=_die_with_parent)
        atexit.register(self.stop)

    def wait_ready(self) -> None:
        try:
            wait_healthy(self.process, self.url, self._deadline, self._log, "Prefect's temporary API server")
        except NewsflowError:
            self.stop()
            raise

    def stop(self) -> None:
        stop_process_group(self.process, grace_seconds=5.0)
