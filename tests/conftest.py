import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "000_547e16957a209b03.txt"
SHARED = ROOT.parent / "shared"
GOLD = SHARED / "gold"

HAVE_GOLD = GOLD.is_dir()
needs_gold = pytest.mark.skipif(
    not HAVE_GOLD, reason=f"needs the gold data in {GOLD} (the shared folder beside this clone); not found")
"""For tests that read the gold data: a clone without ../shared beside it still collects and passes."""


def gold_json(relative: str, default):
    """A gold JSON file, or `default` when the gold data is absent (module-level reads must not
    fail collection; the tests using them carry `needs_gold`)."""
    path = GOLD / relative
    return json.loads(path.read_text(encoding="utf-8")) if HAVE_GOLD else default


@pytest.fixture(scope="session", autouse=True)
def _quiet_prefect(tmp_path_factory):
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    yield


@pytest.fixture(scope="session")
def prefect_harness(_quiet_prefect):
    """A real Prefect API for in-process flow runs (one temporary server for the session)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def seed_dir(tmp_path):
    d = tmp_path / "seeds"
    d.mkdir()
    shutil.copy(SAMPLE, d / SAMPLE.name)
    old = 1_600_000_000
    os.utime(d / SAMPLE.name, (old, old))
    return d


@pytest.fixture
def warehouse(tmp_path):
    return tmp_path / "data" / "newsflow.duckdb"


def settle(path: Path) -> None:
    """Age a file past the settle time so discovery takes it now."""
    old = 1_600_000_000
    os.utime(path, (old, old))


def newsflow_cli(*args, env=None, timeout=300) -> subprocess.CompletedProcess:
    """The installed console script, as a user runs it; env entries set to None are unset."""
    exe = Path(sys.executable).with_name("newsflow")
    full_env = {k: v for k, v in {**os.environ, **(env or {})}.items() if v is not None}
    full_env.pop("PREFECT_API_URL", None)
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=timeout, env=full_env)
