"""Loading one batch from the Parquet lake into the warehouse, in one transaction.

A changed source's old rows are replaced; quarantined documents never enter; the manifest,
validation results and quarantine records are written in the same transaction, so a crash leaves
the warehouse as it was before the batch.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from tasks import lake
from tasks.lake import is_url, read_lake_table
from tasks.core.schemas import TABLES

_CHILD_TABLES = ("comments", "entities", "events")


MANIFEST_COLUMNS = ["source_key", "source_path", "source_sha256", "size_bytes", "status", "duplicate_of",
                    "n_articles", "run_id", "updated_at"]
QUARANTINE_COLUMNS = ["run_id", "source_path", "source_key", "source_sha256", "stage", "reason", "quarantine_path",
                      "quarantined_at"]
VALIDATION_COLUMNS = ["run_id", "batch", "table_name", "expectation", "column_name", "blocking", "success",
                      "unexpected_count", "sample", "validated_at"]


def insert_rows(con, table: str, columns: list[str], rows: list[list], replace: bool = False) -> None:
    """Rows (lists in `columns` order) into `table` in one statement: DuckDB pays a fixed cost per
    statement, and a batch's 500 manifest rows one by one took a second."""
    if not rows:
        return
    import pyarrow as pa

    batch = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})  # noqa: F841 - scanned by name
    names = ", ".join(columns)
    con.execute(f"INSERT {'OR REPLACE ' if replace else ''}INTO {table} ({names}) SELECT {names} FROM batch")


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


def rebuild_catalog(con, only: str | None = None) -> None:
    """One row per canonical entity; a place's GeoNames columns are those of the place its
    mentions resolve to most often. With `only` (a table of entity_id), just those entities' rows
    are rebuilt: a batch touches a few thousand entities, and rebuilding all of them after every
    batch made each load slower than the one before."""
    where = f" WHERE entity_id IN (SELECT entity_id FROM {only})" if only else ""
    con.execute(f"DELETE FROM entity_catalog{where}")
    # Each column's most frequent value from a count per (entity, value), not window counts over
    # every mention: the windows held all the touched entities' mention rows several times over
    # (the load's peak memory, growing with the warehouse) for the same answer. A tie goes to the
    # greater value, so that the same mentions always give the same catalog.
    most_frequent = "arg_max(v, (n, v))"
    per_value = "(SELECT entity_id, {column} AS v, count(*) AS n FROM m GROUP BY ALL)"
    con.execute(f"""
        INSERT INTO entity_catalog
        WITH m AS (
            SELECT entity_id, canonical_name, entity_type, country_code, sector, geonames_id, latitude,
                   longitude, feature_class, admin1_code, text, doc_id, article_id
            FROM entities{where}
        ), names AS (
            SELECT entity_id, {most_frequent} AS canonical_name FROM {per_value.format(column="canonical_name")} GROUP BY entity_id
        ), types AS (
            SELECT entity_id, {most_frequent} AS entity_type FROM {per_value.format(column="entity_type")} GROUP BY entity_id
        ), countries AS (
            SELECT entity_id, {most_frequent} FILTER (WHERE v IS NOT NULL) AS country_code
            FROM {per_value.format(column="country_code")} GROUP BY entity_id
        ), sectors AS (
            SELECT entity_id, {most_frequent} FILTER (WHERE v IS NOT NULL) AS sector
            FROM {per_value.format(column="sector")} GROUP BY entity_id
        ), places AS (
            SELECT entity_id, arg_max({{'g': g, 'lat': lat, 'lon': lon, 'fc': fc, 'a1': a1}}, (n, g, lat, lon)) AS p
            FROM (SELECT entity_id, geonames_id AS g, latitude AS lat, longitude AS lon,
                         max(feature_class) AS fc, max(admin1_code) AS a1, count(*) AS n
                  FROM m WHERE latitude IS NOT NULL GROUP BY entity_id, geonames_id, latitude, longitude)
            GROUP BY entity_id
        ), totals AS (
            SELECT entity_id, list_sort(list_distinct(list(text))) AS aliases, count(*) AS n_mentions,
                   count(DISTINCT doc_id) AS n_documents, count(DISTINCT article_id) AS n_articles
            FROM m GROUP BY entity_id
        )
        SELECT t.entity_id, canonical_name, entity_type, country_code, sector,
               p.g, p.lat, p.lon, p.fc, p.a1, aliases, n_mentions, n_documents, n_articles
        FROM totals t JOIN names USING (entity_id) JOIN types USING (entity_id)
             JOIN countries USING (entity_id) JOIN sectors USING (entity_id) LEFT JOIN places USING (entity_id)
    """)


def load_batch(con, *, run_id: str, batch: int, lake_paths: dict[str, str], loaded_sources: list[str],
               excluded_articles: list[str], manifest_rows: list[dict], quarantine_rows: list[dict],
               validation_rows: list[dict], forget_sources: list[str] = ()) -> dict[str, int]:
    """Load one batch; returns rows inserted per table. `forget_sources` are old names of renamed
    files: their rows and manifest rows go in the same transaction as the new name's rows come."""
    counts = {}
    staged = [p for p in lake_paths.values() if p]
    if staged:
        settle_lake(con, lake.lake_root(staged[0]), keep=staged)
    con.execute("BEGIN TRANSACTION")
    try:
        replaced = list(loaded_sources) + list(forget_sources)
        superseded = lake_articles_of_sources(con, replaced)
        # The catalog rows to rebuild: the entities of the rows this batch removes and adds.
        con.execute("CREATE OR REPLACE TEMP TABLE _touched_entities AS SELECT DISTINCT entity_id FROM entities "
                    "WHERE article_id IN (SELECT article_id FROM articles WHERE source_key IN "
                    "(SELECT unnest(?::VARCHAR[])))", [replaced])
        _delete_sources(con, replaced)
        if forget_sources:
            con.execute("DELETE FROM ingest_manifest WHERE source_key IN (SELECT unnest(?::VARCHAR[]))", [list(forget_sources)])
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
            if table == "entities":
                con.execute(f"INSERT INTO _touched_entities SELECT DISTINCT entity_id FROM {source}", params[:-1])
            if is_url(path):
                con.unregister("_lake_batch")
            counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
        now = datetime.now(timezone.utc)
        insert_rows(con, "ingest_manifest", MANIFEST_COLUMNS,
                    [[m["source_key"], m["source_path"], m["source_sha256"], m.get("size_bytes"), m["status"],
                      m.get("duplicate_of"), m.get("n_articles"), run_id, now]
                     # One row per file, the last word on it kept (one statement cannot replace a row twice).
                     for m in {m["source_key"]: m for m in manifest_rows}.values()], replace=True)
        insert_rows(con, "quarantine", QUARANTINE_COLUMNS,
                    [[run_id, q["source_path"], q["source_key"], q.get("source_sha256"), q["stage"],
                      q["reason"], q.get("quarantine_path"), now] for q in quarantine_rows])
        record_validation(con, run_id, batch, validation_rows, now)
        if counts.get("entities") or loaded_sources or forget_sources:
            rebuild_catalog(con, only="_touched_entities")
        if staged:
            _journal_lake_moves(con, run_id, batch, lake_paths, set(excluded_articles), superseded)
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    carry_out_lake_journal(con)
    return counts


def record_validation(con, run_id: str, batch: int, rows: list[dict], at: datetime | None = None) -> None:
    at = at or datetime.now(timezone.utc)
    insert_rows(con, "validation_results", VALIDATION_COLUMNS,
                [[run_id, batch, v["table"], v["expectation"], v["column"], v["blocking"], v["success"],
                  v["unexpected_count"], json.dumps(v["sample"]), at] for v in rows])


def record_run(con, row: dict) -> None:
    columns = list(row)
    con.execute(
        f"INSERT OR REPLACE INTO pipeline_runs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )


def record_stages(con, rows: list[dict]) -> None:
    """A run's seconds per stage (tasks.core.timing.StageClock.rows)."""
    columns = ["run_id", "stage", "clock", "seconds"]
    insert_rows(con, "run_stages", columns, [[r[c] for c in columns] for r in rows], replace=True)


def prune_sources(con, source_keys: list[str], lake_dir, run_id: str) -> int:
    """Remove the rows and manifest rows of seed files that no longer exist, in one transaction,
    and their rows from the lake after it; returns the number of articles removed."""
    con.execute("BEGIN TRANSACTION")
    try:
        before = con.execute("SELECT count(*) FROM articles").fetchone()[0]
        journal_lake_removal(con, lake_dir, run_id, lake_articles_of_sources(con, source_keys))
        _delete_sources(con, source_keys)
        con.execute("DELETE FROM ingest_manifest WHERE source_key IN (SELECT unnest(?::VARCHAR[]))", [source_keys])
        rebuild_catalog(con)
        removed = before - con.execute("SELECT count(*) FROM articles").fetchone()[0]
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    carry_out_lake_journal(con)
    return removed


def close_abandoned_runs(con) -> int:
    """Runs still 'running' when a new run holds the run lock died without finishing (killed, or
    the machine stopped): they become 'failed', so status does not show them running forever."""
    return con.execute("""
        UPDATE pipeline_runs SET status = 'failed',
               error = coalesce(error, 'stopped without finishing (killed or crashed)')
        WHERE status = 'running' RETURNING run_id
    """).fetchall().__len__()


# The lake follows the warehouse. Every load (a) publishes its batch's staged files without the
# rows it kept out, and (b) rewrites or removes the lake files holding rows it superseded; the
# moves are journalled in the load's transaction and carried out after the commit, so readers of
# the lake see the batch when the warehouse does, and a crash in between is finished next time.

def lake_articles_of_sources(con, source_keys: list[str]) -> dict[str, set[str]]:
    """run_id -> ids of the articles about to be replaced (their lake files are under run=<id>)."""
    if not source_keys:
        return {}
    found: dict[str, set[str]] = {}
    for article_id, run_id in con.execute(
            "SELECT article_id, run_id FROM articles WHERE source_key IN (SELECT unnest(?))", [source_keys]).fetchall():
        found.setdefault(run_id, set()).add(article_id)
    return found


def _journal(con, run_id: str, batch: int, action: str, staged: str | None, target: str) -> None:
    con.execute("INSERT INTO lake_journal VALUES (?, ?, ?, ?, ?)", [run_id, batch, action, staged, target])


def _journal_lake_moves(con, run_id: str, batch: int, lake_paths: dict[str, str], excluded: set[str],
                        superseded: dict[str, set[str]]) -> None:
    """Stage the lake's new state for this batch and journal the moves that publish it. Per table,
    superseded rows leave before their replacements arrive: a reader listing the lake between two
    moves may miss a source for an instant, never see it twice."""
    root = lake.lake_root(next(iter(lake_paths.values())))
    for table, staged in lake_paths.items():
        if staged:
            _journal_superseded(con, run_id, batch, f"{root}/{table}", superseded)
            _journal_batch_file(con, run_id, batch, staged, excluded)


def _journal_superseded(con, run_id: str, batch: int, table_dir: str, superseded: dict[str, set[str]]) -> None:
    """Each published file holding superseded rows is rewritten without them, or removed."""
    for old_run, article_ids in superseded.items():
        for target in lake.files_under(f"{table_dir}/run={old_run}"):
            if lake.is_unpublished(target):
                continue
            rest = lake.without_articles(target, article_ids)
            if rest is None:
                continue
            if rest.num_rows:
                rewritten = lake.write_table(rest, lake.staged_name(target, f"{run_id}-{batch}"))
                _journal(con, run_id, batch, "publish", rewritten, target)
            else:
                _journal(con, run_id, batch, "delete", None, target)


def _journal_batch_file(con, run_id: str, batch: int, staged: str, excluded: set[str]) -> None:
    """The batch's file is published without the rows kept out of the warehouse (none left: dropped)."""
    kept = lake.without_articles(staged, excluded)
    if kept is not None:
        lake.write_table(kept, staged)
    rows = kept.num_rows if kept is not None else read_lake_table(staged, columns=["article_id"]).num_rows
    if rows:
        _journal(con, run_id, batch, "publish", staged, lake.final_name(staged))
    else:
        _journal(con, run_id, batch, "delete", None, staged)


def journal_lake_removal(con, lake_dir, run_id: str, articles_by_run: dict[str, set[str]]) -> None:
    """For code that deletes sources' rows outside load_batch (pruning vanished seeds): inside its
    transaction, with `articles_by_run` from lake_articles_of_sources() taken before the delete;
    carry_out_lake_journal() after its commit."""
    for table in TABLES:
        _journal_superseded(con, run_id, 0, f"{str(lake_dir).rstrip('/')}/{table}", articles_by_run)


def carry_out_lake_journal(con) -> int:
    """Carry out the committed lake moves; each is idempotent, so a crash midway is finished by
    the next call. Returns how many were carried out."""
    moves = con.execute("SELECT action, staged, target FROM lake_journal ORDER BY rowid").fetchall()
    for action, staged, target in moves:
        if action == "publish" and lake.exists(staged):
            lake.move(staged, target)
        elif action == "delete" and lake.exists(target):
            lake.remove(target)
    if moves:
        con.execute("DELETE FROM lake_journal")
    return len(moves)


def settle_lake(con, lake_dir, keep: list[str] = ()) -> None:
    """Bring the lake to the warehouse's state after a crash: moves committed but not carried out
    are carried out, and staged or temporary files of loads that never committed are removed
    (except `keep`, the staged files of the batch about to load)."""
    carry_out_lake_journal(con)
    kept = {lake.file_key(k) for k in keep}
    for path in lake.files_under(str(lake_dir)):
        if lake.is_unpublished(path) and lake.file_key(path) not in kept:
            lake.remove(path)
