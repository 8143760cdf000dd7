"""Full-text search over articles and comments: DuckDB's fts extension from the installed
`duckdb-ext-fts` package, the BM25 index kept current after each load, and ranked search.

The extension is loaded from the package's file, never installed: INSTALL (and DuckDB's automatic
install of known extensions) would download it, and nothing downloads at run time.
"""
from __future__ import annotations

import importlib.metadata
import re
import time
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pyarrow as pa

from tasks.core.errors import NewsflowError
from warehouse.db import connect

PACKAGE = "duckdb-ext-fts"
SEARCH_SQL = Path(__file__).parent / "search.sql"
KINDS = ("article", "comment")

# Changes whenever a document is added, removed or replaced: a replaced source's rows carry the
# run that loaded them.
_FINGERPRINT_SQL = """
SELECT (SELECT count(*) || ':' || coalesce(bit_xor(hash(article_id, run_id)), 0) FROM articles)
       || '/' ||
       (SELECT count(*) || ':' || coalesce(bit_xor(hash(comment_id, run_id)), 0) FROM comments)
"""


def extension_path() -> Path:
    """The fts extension file the installed package ships for this DuckDB version and platform."""
    try:
        dist = importlib.metadata.distribution(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise NewsflowError(
            f"full-text search needs the Python package {PACKAGE}=={duckdb.__version__}.* (DuckDB's fts "
            f"extension); install it with `pip install {PACKAGE}` (`make install` does)") from None
    platform = duckdb.execute("PRAGMA platform").fetchone()[0]
    path = Path(dist.locate_file(f"duckdb_ext/extensions/v{duckdb.__version__}/{platform}/fts.duckdb_extension"))
    if not path.is_file():
        raise NewsflowError(
            f"the installed {PACKAGE} {dist.version} has no fts extension for DuckDB {duckdb.__version__} on "
            f"{platform} (looked for {path}); install the {PACKAGE} release made for DuckDB {duckdb.__version__}")
    return path


def _literal(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


# SQL that needs the extension: the macro, the index's own macros, the extension's functions.
_USES_SEARCH = re.compile(r"search_documents|fts_main_|match_bm25|\bstem\s*\(", re.IGNORECASE)


def enable_search(con, lock: dict | None = None, for_sql: str | None = None):
    """Load the fts extension into `con` from the installed package, then apply the `lock`
    settings (such as enable_external_access=false): LOAD reads a file, which a locked
    connection refuses, so locking has to come after. With `for_sql`, the extension is loaded
    only when that SQL searches: LOAD takes about 0.4 s (a 24 MB library), which every other
    query would pay for nothing. Returns `con`."""
    # A known extension's function used before LOAD would otherwise make DuckDB download it.
    con.execute("SET autoinstall_known_extensions = false")
    if for_sql is None or _USES_SEARCH.search(for_sql):
        path = extension_path()
        try:
            con.execute(f"LOAD {_literal(str(path))}")
        except duckdb.Error as exc:
            raise NewsflowError(f"cannot load DuckDB's fts extension from {path} ({PACKAGE}): {exc}") from exc
    for key, value in (lock or {}).items():
        con.execute(f"SET {key} = {_literal(value)}")
    return con


def _fingerprint(con) -> str:
    return con.execute(_FINGERPRINT_SQL).fetchone()[0]


def _last_build(con) -> tuple | None:
    return con.execute("""SELECT built_at, run_id, articles, comments, seconds, fingerprint
                          FROM search_index_builds ORDER BY built_at DESC LIMIT 1""").fetchone()


def _index_exists(con) -> bool:
    return con.execute("SELECT count(*) FROM duckdb_functions() WHERE function_name = 'search_documents'"
                       ).fetchone()[0] > 0


def update_search_index(con, run_id: str | None = None, force: bool = False) -> dict | None:
    """Rebuild the documents table, its BM25 index and search_documents() when articles or comments
    changed since the last build (or `force`); returns what was built, or None when it was current.
    `con` is a writable connection outside a transaction; the rebuild is one transaction."""
    fingerprint = _fingerprint(con)
    last = _last_build(con)
    if not force and last is not None and last[5] == fingerprint and _index_exists(con):
        return None
    t0 = time.perf_counter()
    enable_search(con)
    con.execute("BEGIN TRANSACTION")
    try:
        # One statement at a time: DuckDB expands a script's PRAGMAs before running any of it, and
        # create_fts_index must see the documents table the statement before it creates.
        for statement in re.split(r";[ \t]*\n", SEARCH_SQL.read_text(encoding="utf-8")):
            if re.sub(r"--[^\n]*", "", statement).strip():
                con.execute(statement)
        articles, comments = con.execute(
            "SELECT count(*) FILTER (WHERE doc_kind = 'article'), count(*) FILTER (WHERE doc_kind = 'comment') "
            "FROM documents").fetchone()
        seconds = time.perf_counter() - t0
        built = {"built_at": datetime.now(timezone.utc), "run_id": run_id, "articles": articles,
                 "comments": comments, "seconds": round(seconds, 4), "fingerprint": fingerprint}
        con.execute(f"INSERT INTO search_index_builds ({', '.join(built)}) VALUES ({', '.join('?' * len(built))})",
                    list(built.values()))
        con.execute("COMMIT")
    except Exception as exc:
        con.execute("ROLLBACK")
        if isinstance(exc, duckdb.Error):
            raise NewsflowError(f"rebuilding the full-text index failed: {exc}") from exc
        raise
    return built


def _read_only_search_connection(path: Path, wait_seconds: float):
    from warehouse.query import READ_ONLY_CONFIG  # here: warehouse.query loads this module

    return enable_search(connect(path, read_only=True, wait_seconds=wait_seconds), lock=READ_ONLY_CONFIG)


def search(path: Path, query: str, kind: str | None = None, since: date | None = None,
           entity: str | None = None, limit: int | None = 10, wait_seconds: float = 5.0) -> pa.Table:
    """Ranked hits for `query` (score, kind, title, date, snippet, doc_id, article_id), best first."""
    if not query.strip():
        raise NewsflowError("give some words to search for")
    if kind is not None and kind not in KINDS:
        raise NewsflowError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    con = _read_only_search_connection(Path(path), wait_seconds)
    try:
        if not _index_exists(con):
            raise NewsflowError(f"{path}: no search index yet; `newsflow run` builds it after loading documents")
        if entity is not None:
            _check_entity(con, entity)
        return con.execute(
            "SELECT * FROM search_documents(?, kind := ?, since := ?, entity := ?, max_hits := ?)",
            [query, kind, since.isoformat() if since else None, entity, limit]).fetch_arrow_table()
    except duckdb.Error as exc:
        raise NewsflowError(f"search failed: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()


def _check_entity(con, entity: str) -> None:
    if con.execute("SELECT count(*) FROM entity_catalog WHERE entity_id = ?", [entity]).fetchone()[0]:
        return
    like = con.execute("""SELECT entity_id || ' (' || canonical_name || ')' FROM entity_catalog
                          WHERE entity_id ILIKE '%' || ? || '%' OR canonical_name ILIKE '%' || ? || '%'
                          ORDER BY n_mentions DESC LIMIT 5""", [entity, entity]).fetchall()
    hint = f"; did you mean {', '.join(r[0] for r in like)}?" if like else "; entity_catalog lists the ids"
    raise NewsflowError(f"no entity {entity!r} in the warehouse{hint}")


def index_status(path: Path) -> str:
    """One line for `newsflow status`: when the index was built, over what, and whether it is current."""
    con = connect(Path(path), read_only=True)
    try:
        try:
            last = _last_build(con)
        except duckdb.CatalogException:
            last = None
        if last is None:
            return "search index: not built yet (`newsflow run` builds it after loading documents)"
        built_at, run_id, articles, comments, seconds, fingerprint = last
        current = "current" if fingerprint == _fingerprint(con) else \
            "out of date: documents changed since; the next `newsflow run` rebuilds it"
        run = f" after run {run_id[:8]}" if run_id else ""
        return (f"search index: built {built_at.astimezone(timezone.utc):%Y-%m-%d %H:%M:%S} UTC{run}, "
                f"{articles} articles and {comments} comments in {seconds:.2f}s; {current}")
    finally:
        con.close()
