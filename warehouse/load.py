"""Loading one batch from the Parquet lake into the warehouse, in one transaction.

A changed source's old rows are replaced; quarantined documents never enter; the manifest,
validation results and quarantine records are written in the same transaction, so a crash leaves
the warehouse as it was before the batch.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from tasks.lake import is_url, read_lake_table
from tasks.core.schemas import TABLES

_CHILD_TABLES = ("comments", "entities", "events")


def manifest_state(con) -> dict[str, tuple[str, str]]:
    """source_key -> (sha256, status) for every seed file seen before."""
    return {k: (s, st) for k, s, st in con.execute("SELECT source_key, source_sha256, status FROM ingest_manifest").fetchall()}


def loaded_hashes(con) -> dict[str, str]:
    """sha256 -> source_key of the files whose rows are in the warehouse."""
    return {s: k for k, s in con.execute("SELECT source_key, source_sha256 FROM ingest_manifest WHERE status = 'loaded'").fetchall()}


def known_entity_ids(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT entity_id FROM entity_catalog").fetchall()}


def _delete_sources(con, source_keys: list[str]) -> None:
    if not source_keys:
        return
    con.execute("CREATE OR REPLACE TEMP TABLE _replaced AS SELECT article_id FROM articles WHERE source_key IN (SELECT unnest(?))", [source_keys])
    for table in _CHILD_TABLES:
        con.execute(f"DELETE FROM {table} WHERE article_id IN (SELECT article_id FROM _replaced)")
    con.execute("DELETE FROM articles WHERE article_id IN (SELECT article_id FROM _replaced)")


def rebuild_catalog(con) -> None:
    """One row per canonical entity; a place's GeoNames columns are those of the place its
    mentions resolve to most often."""
    con.execute("DELETE FROM entity_catalog")
    con.execute("""
        INSERT INTO entity_catalog
        WITH m AS (
            SELECT *, count(latitude) OVER (PARTITION BY entity_id, geonames_id, latitude, longitude) AS place_n
            FROM entities
        ), c AS (
            SELECT entity_id,
                   mode(canonical_name) AS canonical_name, mode(entity_type) AS entity_type,
                   mode(country_code) AS country_code, mode(sector) AS sector,
                   arg_max({'g': geonames_id, 'lat': latitude, 'lon': longitude, 'fc': feature_class,
                            'a1': admin1_code}, place_n) FILTER (WHERE latitude IS NOT NULL) AS p,
                   list_sort(list_distinct(list(text))) AS aliases,
                   count(*) AS n_mentions, count(DISTINCT doc_id) AS n_documents, count(DISTINCT article_id) AS n_articles
            FROM m GROUP BY entity_id
        )
        SELECT entity_id, canonical_name, entity_type, country_code, sector,
               p.g, p.lat, p.lon, p.fc, p.a1, aliases, n_mentions, n_documents, n_articles
        FROM c
    """)


def load_batch(con, *, run_id: str, batch: int, lake_paths: dict[str, str], loaded_sources: list[str],
               excluded_articles: list[str], manifest_rows: list[dict], quarantine_rows: list[dict],
               validation_rows: list[dict]) -> dict[str, int]:
    """Load one batch; returns rows inserted per table."""
    counts = {}
    con.execute("BEGIN TRANSACTION")
    try:
        _delete_sources(con, loaded_sources)
        for table in TABLES:
            path = lake_paths.get(table)
            if not path:
                counts[table] = 0
                continue
            before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            # Children load only under an article that is in the warehouse: no dangling rows.
            parent = "" if table == "articles" else " AND article_id IN (SELECT article_id FROM articles)"
            if is_url(path):
                # DuckDB reads object stores only through extensions it cannot download here:
                # pyarrow reads the file and DuckDB scans the Arrow table in place.
                con.register("_lake_batch", read_lake_table(path))
                source, params = "_lake_batch", [excluded_articles]
            else:
                source, params = "read_parquet(?, hive_partitioning = false)", [path, excluded_articles]
            con.execute(
                f"INSERT INTO {table} BY NAME SELECT * FROM {source} "
                f"WHERE article_id NOT IN (SELECT unnest(?::VARCHAR[])){parent}",
                params,
            )
            if is_url(path):
                con.unregister("_lake_batch")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
        now = datetime.now(timezone.utc)
        for m in manifest_rows:
            con.execute("""
                INSERT OR REPLACE INTO ingest_manifest VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [m["source_key"], m["source_path"], m["source_sha256"], m.get("size_bytes"), m["status"],
                  m.get("duplicate_of"), m.get("n_articles"), run_id, now])
        for q in quarantine_rows:
            con.execute("INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [run_id, q["source_path"], q["source_key"], q.get("source_sha256"), q["stage"],
                         q["reason"], q.get("quarantine_path"), now])
        record_validation(con, run_id, batch, validation_rows, now)
        if counts.get("entities") or loaded_sources:
            rebuild_catalog(con)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return counts


def record_validation(con, run_id: str, batch: int, rows: list[dict], at: datetime | None = None) -> None:
    at = at or datetime.now(timezone.utc)
    for v in rows:
        con.execute("INSERT INTO validation_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, batch, v["table"], v["expectation"], v["column"], v["blocking"], v["success"],
                     v["unexpected_count"], json.dumps(v["sample"]), at])


def record_run(con, row: dict) -> None:
    columns = list(row)
    con.execute(
        f"INSERT OR REPLACE INTO pipeline_runs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )
