"""Read-only access: what `newsflow query`, `newsflow status` and `newsflow validate` read."""
from __future__ import annotations

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


def query_arrow(path: Path, sql: str, wait_seconds: float = 5.0) -> pa.Table:
    """The result of one read-only query as an Arrow table (empty for statements without rows)."""
    con = enable_search(connect(path, read_only=True, wait_seconds=wait_seconds), lock=READ_ONLY_CONFIG, for_sql=sql)
    try:
        cur = con.execute(sql)
        if cur.description is None:
            return pa.table({})
        return cur.fetch_arrow_table()
    except duckdb.Error as exc:
        message = str(exc).split("\n")[0]
        low = message.lower()
        if "read-only" in low or "read only" in low:
            message = f"the warehouse is opened read-only for queries: {message}"
        elif "external access" in low or "enable_external_access" in low:
            message = f"queries cannot read or write files outside the warehouse: {message}"
        raise NewsflowError(message) from exc
    finally:
        con.close()


def run_query(path: Path, sql: str, wait_seconds: float = 5.0) -> tuple[list[str], list[tuple]]:
    table = query_arrow(path, sql, wait_seconds)
    columns = table.column_names
    return columns, [tuple(r[c] for c in columns) for r in table.to_pylist()]


def read_tables(path: Path) -> dict[str, pa.Table]:
    """The four content tables as they are in the warehouse, columns in lake order."""
    return {name: query_arrow(path, f"SELECT {', '.join(schema.names)} FROM {name}").cast(schema)
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


def status_report(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    return {title: run_query(path, sql) for title, sql in STATUS_QUERIES.items()}
