"""The Parquet lake: one file per table per batch, holding exactly the rows the warehouse holds.

A batch's files are first written *staged*: under a hidden name (`.batch-00001.parquet.staged`)
that dataset readers skip (pyarrow, pandas, Spark and DuckDB's `*.parquet` globs ignore it).
Only once the warehouse has committed the batch are they published under their real name, and
files whose rows the batch superseded are rewritten or removed: warehouse/load.py records those
moves in the warehouse's `lake_journal` inside the load's transaction and carries them out after
it, so a crash at any point is finished (or undone) by the next load.

On a local disk every file is written under a temporary name and renamed, so a reader never sees
half a file; on an object store (any URL fsspec knows: s3://, gs://, az://, memory://) one PUT
per file gives the same guarantee."""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from tasks.core.prefect_task import batch_task
from tasks.core.schemas import to_table


def is_url(location) -> bool:
    return "://" in str(location) and not str(location).startswith("file://")


def filesystem(url: str):
    """(pyarrow filesystem, path inside it) for an fsspec URL."""
    import fsspec
    from pyarrow.fs import FSSpecHandler, PyFileSystem

    fs, path = fsspec.core.url_to_fs(url)
    return PyFileSystem(FSSpecHandler(fs)), path


def batch_path(lake_dir, table: str, run_id: str, batch: int):
    name = f"{table}/run={run_id}/batch-{batch:05d}.parquet"
    return f"{str(lake_dir).rstrip('/')}/{name}" if is_url(lake_dir) else Path(lake_dir) / name


def read_lake_table(location: str, columns: list[str] | None = None) -> pa.Table:
    """One lake file back as Arrow, wherever the lake is."""
    if is_url(location):
        fs, path = filesystem(location)
        return pq.read_table(path, filesystem=fs, columns=columns)
    return pq.read_table(location, columns=columns)


def write_atomic(table: pa.Table, path: Path) -> Path:
    """Write `table` to `path` atomically (temp file + fsync + rename in the same directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def write_remote(table: pa.Table, url: str) -> str:
    fs, path = filesystem(url)
    fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
    pq.write_table(table, path, filesystem=fs, compression="zstd")
    return url


STAGED_SUFFIX = ".staged"
"""Files under a name `.<name>.staged` are not (yet) part of the lake."""


def staged_name(final: str, tag: str = "") -> str:
    """Where the new content of `final` waits until the warehouse commits: a hidden name in the
    same folder (a rename, not a copy, publishes it)."""
    folder, name = str(final).rsplit("/", 1)
    return f"{folder}/.{name}{'.' + tag if tag else ''}{STAGED_SUFFIX}"


def final_name(staged: str) -> str:
    """The published name of a batch's staged file."""
    folder, name = str(staged).rsplit("/", 1)
    return f"{folder}/{name.removeprefix('.').removesuffix(STAGED_SUFFIX)}"


def lake_root(path: str) -> str:
    """The lake folder or URL above a file `<lake>/<table>/run=<id>/<file>`."""
    return str(path).rsplit("/", 3)[0]


def write_table(table: pa.Table, location: str) -> str:
    if is_url(location):
        return write_remote(table, location)
    return str(write_atomic(table, Path(location)))


def write_batch(tables: dict[str, pa.Table], lake_dir, run_id: str, batch: int) -> dict[str, str]:
    """Every table of one batch, staged (not yet visible to lake readers); returns table name ->
    staged Parquet path or URL, for the load to read and then publish."""
    return {name: write_table(t, staged_name(str(batch_path(lake_dir, name, run_id, batch))))
            for name, t in tables.items()}


def _fs(location: str):
    """(pyarrow filesystem, path in it) for a local path or a URL."""
    if is_url(location):
        return filesystem(location)
    from pyarrow.fs import LocalFileSystem

    return LocalFileSystem(), str(location)


def exists(location: str) -> bool:
    from pyarrow.fs import FileType

    fs, path = _fs(location)
    return fs.get_file_info(path).type != FileType.NotFound


def move(source: str, target: str) -> None:
    """Publish: replaces `target` in one step on a local disk (rename)."""
    if is_url(source):
        fs, src = _fs(source)
        fs.move(src, _fs(target)[1])
    else:
        os.replace(source, target)


def remove(location: str) -> None:
    fs, path = _fs(location)
    fs.delete_file(path)


def files_under(folder: str) -> list[str]:
    """Every file below `folder` (none when it does not exist), as paths or URLs."""
    from pyarrow.fs import FileSelector, FileType

    fs, path = _fs(folder)
    infos = fs.get_file_info(FileSelector(path, recursive=True, allow_not_found=True))
    files = [i.path for i in infos if i.type == FileType.File]
    if is_url(folder):
        scheme = str(folder).split("://", 1)[0]
        return [f"{scheme}://{f}" for f in files]
    return files


def file_key(location: str) -> str:
    """One spelling per file, to compare locations written differently (memory://x, memory:///x)."""
    return _fs(str(location))[1] if is_url(location) else os.path.abspath(location)


def is_unpublished(location: str) -> bool:
    """A staged file, or a temporary one a killed writer left."""
    name = str(location).rsplit("/", 1)[-1]
    return name.startswith(".") and (name.endswith(STAGED_SUFFIX) or name.endswith(".tmp"))


def without_articles(location: str, article_ids: set[str]) -> pa.Table | None:
    """The lake file's rows not belonging to these articles, or None when it holds none of them."""
    if not article_ids:
        return None
    owners = read_lake_table(location, columns=["article_id"]).column("article_id")
    drop = pc.is_in(owners, value_set=pa.array(sorted(article_ids), pa.string()))
    if not pc.any(drop).as_py():
        return None
    return read_lake_table(location).filter(pc.invert(drop))


def batch_tables(articles: list[dict], comments: list[dict], mentions: list[dict], events: list[dict],
                 doc_values: dict[str, dict] | None = None) -> dict[str, pa.Table]:
    """The four lake tables of one batch, from its rows; `doc_values` (doc_id -> columns) completes
    the article and comment rows with what the analysis found about each as a whole."""
    values = doc_values or {}
    articles = [{**a, **values.get(a["article_id"], {})} for a in articles]
    comments = [{**c, **values.get(c["comment_id"], {})} for c in comments]
    return {"articles": to_table("articles", articles), "comments": to_table("comments", comments),
            "entities": to_table("entities", mentions), "events": to_table("events", events)}


@batch_task(name="write-lake")
def write_lake_task(tables: dict[str, pa.Table], lake_dir: Path, run_id: str, batch: int) -> dict[str, str]:
    """One batch's tables to Parquet."""
    return write_batch(tables, lake_dir, run_id, batch)
