"""Connections to the warehouse file: schema applied on write, clear errors when a run holds the lock."""
from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tasks.core.errors import NewsflowError, WarehouseBusyError

SQL_DIR = Path(__file__).parent
SCHEMA_SQL = SQL_DIR / "schema.sql"
VIEWS_SQL = SQL_DIR / "views.sql"


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


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
                raise WarehouseBusyError(
                    f"{path}: a newsflow run is loading into this warehouse; try again when it finishes"
                ) from exc
            time.sleep(0.2)
    if not read_only:
        con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))
        if VIEWS_SQL.exists():
            con.execute(VIEWS_SQL.read_text(encoding="utf-8"))
    return con


@contextmanager
def writer(path: Path, wait_seconds: float = 60.0):
    con = connect(path, read_only=False, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()
