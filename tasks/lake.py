"""The Parquet lake: one file per table per batch. On a local disk a file is written under a
temporary name and renamed, so a reader (or a crash) never sees half a file; on an object store
(any URL fsspec knows: s3://, gs://, az://, memory://) one PUT per file gives the same guarantee."""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
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


def read_lake_table(location: str) -> pa.Table:
    """One lake file back as Arrow, wherever the lake is."""
    if is_url(location):
        fs, path = filesystem(location)
        return pq.read_table(path, filesystem=fs)
    return pq.read_table(location)


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


def write_batch(tables: dict[str, pa.Table], lake_dir, run_id: str, batch: int) -> dict[str, str]:
    """Every table of one batch; returns table name -> Parquet path or URL."""
    if is_url(lake_dir):
        return {name: write_remote(t, batch_path(lake_dir, name, run_id, batch)) for name, t in tables.items()}
    return {name: str(write_atomic(t, batch_path(lake_dir, name, run_id, batch))) for name, t in tables.items()}




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
