"""The Parquet lake: one file per table per batch, written under a temporary name and renamed, so a
reader (or a crash) never sees half a file."""
from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def batch_path(lake_dir: Path, table: str, run_id: str, batch: int) -> Path:
    return Path(lake_dir) / table / f"run={run_id}" / f"batch-{batch:05d}.parquet"


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


def write_batch(tables: dict[str, pa.Table], lake_dir: Path, run_id: str, batch: int) -> dict[str, str]:
    """Every table of one batch; returns table name -> Parquet path."""
    return {name: str(write_atomic(t, batch_path(lake_dir, name, run_id, batch))) for name, t in tables.items()}


from tasks.prefect_task import batch_task  # noqa: E402


@batch_task(name="write-lake")
def write_lake_task(tables: dict[str, pa.Table], lake_dir: Path, run_id: str, batch: int) -> dict[str, str]:
    """One batch's tables to Parquet."""
    return write_batch(tables, lake_dir, run_id, batch)
