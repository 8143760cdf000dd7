"""Read-only access: what `newsflow query`, `newsflow status` and `newsflow validate` read.

`newsflow query` is a sandbox: a read-only connection that cannot reach files outside the
warehouse, with a memory and thread limit the SQL cannot raise, one statement per call, a
timeout that interrupts DuckDB, and neither results nor errors that show where the warehouse is.
"""
from __future__ import annotations

import shutil
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.core.errors import NewsflowError
from tasks.core.schemas import TABLES
from warehouse.db import connect
from warehouse.search import enable_search

READ_ONLY_CONFIG = {"enable_external_access": False}
"""With a read-only connection: no writes, and no files outside the warehouse (read_text, COPY TO,
ATTACH, read_parquet of other paths)."""


@dataclass(frozen=True)
class QueryLimits:
    """What one `newsflow query` may use; locked before the user's SQL runs."""

    timeout_seconds: float = 60.0
    """The query is interrupted after this long (0: no limit)."""
    memory_limit: str | None = "2GB"
    """DuckDB's memory_limit; larger intermediate results spill or fail (None: DuckDB's default)."""
    threads: int | None = 2
    """DuckDB worker threads (None: DuckDB's default, one per core)."""


class QueryTimeoutError(NewsflowError):
    """The query ran longer than its timeout and was interrupted."""


def sandbox_config(limits: QueryLimits) -> dict:
    # lock_configuration last in effect: DuckDB applies the whole config at open, then refuses SET.
    chosen = {"memory_limit": limits.memory_limit, "threads": limits.threads}
    return {**READ_ONLY_CONFIG, **{k: v for k, v in chosen.items() if v is not None}, "lock_configuration": True}


@contextmanager
def _opened_under_an_alias(path: Path, wait_seconds: float, config: dict):
    """A read-only connection to `path` through a symbolic link in a private temporary folder.

    DuckDB reports the path it was given (`PRAGMA database_list`, `duckdb_databases()`, errors),
    and makes it absolute: so it is given one that says nothing about where the warehouse is.
    The write-ahead log is linked too: a read-only open replays it."""
    path = Path(path).absolute()
    if not path.exists():
        raise NewsflowError(f"{path}: no warehouse here yet; run `newsflow run SEEDS` first")
    alias_dir = Path(tempfile.mkdtemp(prefix="newsflow-query-"))
    try:
        alias = alias_dir / "warehouse.duckdb"
        alias.symlink_to(path)
        (alias_dir / "warehouse.duckdb.wal").symlink_to(f"{path}.wal")
        try:
            con = connect(alias, read_only=True, wait_seconds=wait_seconds, config=config)
        except NewsflowError as exc:
            raise type(exc)(str(exc).replace(str(alias), path.name)) from exc
        try:
            yield con
        finally:
            con.close()
    finally:
        shutil.rmtree(alias_dir, ignore_errors=True)


def single_statement(con, sql: str) -> str:
    """The one statement in `sql`; several are refused, since only one result can be shown."""
    statements = con.extract_statements(sql)
    if not statements:
        raise NewsflowError("no SQL statement given")
    if len(statements) > 1:
        raise NewsflowError(f"one statement per query: got {len(statements)}; run them one at a time "
                            f"(or combine them with WITH ... / UNION ALL)")
    return statements[0].query


def _user_message(exc: duckdb.Error, warehouse: Path) -> str:
    """DuckDB's whole message (candidates, "Did you mean", the caret line) with a hint in front
    for the sandbox's refusals, and the warehouse's folder never shown."""
    message = str(exc).replace(str(warehouse), warehouse.name)
    low = message.lower()
    if "read-only" in low or "read only" in low:
        return f"the warehouse is opened read-only for queries: {message}"
    if "external access" in low or "enable_external_access" in low:
        return f"queries cannot read or write files outside the warehouse: {message}"
    if "lock_configuration" in low or "configuration has been locked" in low:
        return f"queries cannot change settings (limits are set with newsflow query options): {message}"
    return message


def query_arrow(path: Path, sql: str, wait_seconds: float = 5.0, limits: QueryLimits | None = None) -> pa.Table:
    """The result of one read-only statement as an Arrow table (empty for statements without rows)."""
    limits = limits or QueryLimits()
    path = Path(path).absolute()
    # Opened unlocked: the search extension (when the SQL searches) is loaded from its package
    # first, then the sandbox's settings are set and locked, all before the user's SQL runs.
    with _opened_under_an_alias(path, wait_seconds, {}) as con:
        enable_search(con, lock=sandbox_config(limits), for_sql=sql)
        timer = threading.Timer(limits.timeout_seconds, con.interrupt) if limits.timeout_seconds > 0 else None
        try:
            statement = single_statement(con, sql)
            if timer:
                timer.start()
            cur = con.execute(statement)
            if cur.description is None:
                return pa.table({})
            return cur.fetch_arrow_table()
        except duckdb.InterruptException as exc:
            raise QueryTimeoutError(f"the query ran longer than {limits.timeout_seconds:g}s and was stopped "
                                    f"(--timeout SECONDS allows longer, 0 no limit)") from exc
        except duckdb.Error as exc:
            raise NewsflowError(_user_message(exc, path)) from exc
        finally:
            if timer:
                timer.cancel()


def run_query(path: Path, sql: str, wait_seconds: float = 5.0) -> tuple[list[str], list[tuple]]:
    table = query_arrow(path, sql, wait_seconds)
    columns = table.column_names
    return columns, [tuple(r[c] for c in columns) for r in table.to_pylist()]


def read_tables(path: Path) -> dict[str, pa.Table]:
    """The four content tables as they are in the warehouse, columns in lake order."""
    limits = QueryLimits(timeout_seconds=0, memory_limit=None, threads=None)
    return {name: query_arrow(path, f"SELECT {', '.join(schema.names)} FROM {name}", limits=limits).cast(schema)
            for name, schema in TABLES.items()}


STATUS_QUERIES = {
    "last runs": """SELECT left(run_id, 8) AS run, strftime(started_at, '%Y-%m-%d %H:%M') AS started, status,
                    files_new AS new, files_quarantined AS quarantined, articles, comments, entities, events,
                    checks_failed AS failed, round(seconds, 1) AS secs
                    FROM pipeline_runs ORDER BY started_at DESC LIMIT 5""",
    "rows per table": """SELECT 'articles' AS table_name, count(*) AS rows FROM articles
                    UNION ALL SELECT 'comments', count(*) FROM comments
                    UNION ALL SELECT 'entities', count(*) FROM entities
                    UNION ALL SELECT 'events', count(*) FROM events
                    UNION ALL SELECT 'entity_catalog', count(*) FROM entity_catalog""",
    "last validation": """SELECT table_name, count(*) AS checks,
                    count(*) FILTER (WHERE NOT success AND blocking) AS blocking_failed,
                    count(*) FILTER (WHERE NOT success AND NOT blocking) AS warnings
                    FROM validation_results
                    WHERE run_id = (SELECT run_id FROM validation_results ORDER BY validated_at DESC LIMIT 1)
                    GROUP BY table_name ORDER BY table_name""",
    "quarantined files": """SELECT source_path, stage, reason, quarantined_at FROM quarantine
                    ORDER BY quarantined_at DESC LIMIT 20""",
}


RUNS_FOR_PROGRAMS = """SELECT run_id, started_at, finished_at, status, files_seen, files_new, files_quarantined,
                    articles, comments, entities, events, checks_failed, warnings, seconds
                    FROM pipeline_runs ORDER BY started_at DESC LIMIT 5"""
"""The last runs with whole ids and times, for `status --format json`."""


def status_report(path: Path, for_programs: bool = False) -> dict[str, pa.Table]:
    """Each part of `newsflow status` as a table; `for_programs` keeps whole ids and timestamps."""
    queries = {**STATUS_QUERIES, "last runs": RUNS_FOR_PROGRAMS} if for_programs else STATUS_QUERIES
    return {title: query_arrow(path, sql) for title, sql in queries.items()}
