"""Errors that name the file and the reason, so a user can act on them."""
from __future__ import annotations


class NewsflowError(Exception):
    """Base class for every error newsflow reports to a user."""


class SeedError(NewsflowError):
    """A seed file that cannot be ingested; the file is quarantined with `reason`."""

    def __init__(self, path: str, reason: str, stage: str = "read"):
        self.path = str(path)
        self.reason = reason
        self.stage = stage
        super().__init__(f"{self.path}: {reason}")


class DataFileError(NewsflowError):
    """A malformed data file shipped with or added to newsflow (gazetteer, lexicon, weights)."""

    def __init__(self, path: str, line: int | None, reason: str):
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


class WarehouseBusyError(NewsflowError):
    """Another process holds the warehouse's write lock (a run is loading)."""
