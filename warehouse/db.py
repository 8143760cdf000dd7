"""Connections to the warehouse file: schema applied on write, clear errors when a run holds the lock."""
from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tasks.core.errors import NewsflowError, WarehouseBusyError

SQL_DIR = Path(__file__).parent
SCHEMA_SQL = SQL_DIR / "schema.sql"
VIEWS_SQL = SQL_DIR / "views.sql"
LAKE_SQL = SQL_DIR / "lake.sql"


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _lock_holder(exc: Exception) -> str:
    """Who holds the warehouse, from the PID in DuckDB's lock error: a query and a run need
    different advice."""
    found = re.search(r"\(PID (\d+)\)", str(exc))
    if not found:
        return "run"
    try:
        argv = Path(f"/proc/{found.group(1)}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "run"
    words = [a.decode(errors="replace") for a in argv[1:4]]
    return next((w for w in words if w in ("query", "status", "validate", "run", "serve")), "run")


def _busy_message(path: Path, holder: str) -> str:
    if holder in ("query", "status"):
        return (f"{path}: a `newsflow {holder}` still has the warehouse open; it ends within its --timeout "
                f"(60 s by default): try again then")
    if holder == "validate":
        return f"{path}: `newsflow validate` is writing its results into this warehouse; try again when it finishes"
    return f"{path}: a newsflow run is loading into this warehouse; try again when it finishes"


def connect(path: Path, read_only: bool = False, wait_seconds: float = 10.0, config: dict | None = None):
    """A DuckDB connection; retries while another process holds the write lock, then raises
    WarehouseBusyError. A writable connection applies the schema and views first."""
    path = Path(path)
    if read_only and not path.exists():
        raise NewsflowError(f"{path}: no warehouse here yet; run `newsflow run SEEDS` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=config or {})
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise NewsflowError(f"{path}: cannot open the warehouse ({exc})") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(_busy_message(path, _lock_holder(exc))) from exc
            time.sleep(0.2)
    if not read_only:
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
        if VIEWS_SQL.exists():
            con.execute(VIEWS_SQL.read_text(encoding="utf-8"))
        con.execute(LAKE_SQL.read_text(encoding="utf-8"))
    return con


def why_not_writable(path: Path, *folders: Path) -> str | None:
    """Why a command that writes into the warehouse (and these folders beside it) cannot, in one
    line naming the path and the fix; None when it can."""
    path = Path(path)
    if not path.exists():
        return f"{path}: no warehouse here yet; run `newsflow run SEEDS` first"
    for target in (path, path.parent, *folders):
        probe = target if target.exists() else target.parent
        if not os.access(probe, os.W_OK):
            what = "the warehouse" if target == path else "the folder"
            return (f"{target}: {what} is read-only for this user; make it writable, or copy the "
                    f"warehouse somewhere writable and pass --warehouse")
    return None


@contextmanager
def writer(path: Path, wait_seconds: float = 90.0):
    """A connection that writes; waits longer than a query's default timeout (60 s), so a long
    `newsflow query` delays a run rather than failing it."""
    con = connect(path, read_only=False, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()
