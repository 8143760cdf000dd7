"""How a flow tells the person at the terminal what it is doing, without knowing about terminals.

Two channels: `say(message)` for events worth a line, and a progress count of seed files
(`start(total)`, then one `batch(...)` per batch whose share advances as its documents are
analysed). The CLI installs a listener and a display; runs started elsewhere (a deployment) just
log their messages and count nothing."""
from __future__ import annotations

import logging
import threading
from typing import Callable, Protocol

_listener: Callable[[str], None] | None = None
log = logging.getLogger("newsflow")


def set_listener(listener: Callable[[str], None] | None) -> None:
    global _listener
    _listener = listener


def say(message: str) -> None:
    if _listener is not None:
        _listener(message)
    else:
        log.info(message)


class ProgressDisplay(Protocol):
    """What draws progress (a Rich bar, periodic plain lines)."""

    def start(self, total: float, unit: str) -> None: ...

    def advance(self, amount: float) -> None: ...


_display: ProgressDisplay | None = None


def set_display(display: ProgressDisplay | None) -> None:
    global _display
    _display = display


def start(total: int, unit: str = "files") -> None:
    """A run is about to process `total` units (seed files)."""
    if _display is not None:
        _display.start(total, unit)


def advance(amount: float) -> None:
    if _display is not None and amount:
        _display.advance(amount)


class BatchShare:
    """One batch's part of the count: its files, credited as its documents are analysed (a page
    of 1 article and 9 comments is 10 documents), and in full when the batch is loaded."""

    def __init__(self, files: int, documents: int | None = None):
        self.files = files
        self.documents = documents
        self._credited = 0.0
        self._lock = threading.Lock()

    def _credit(self, amount: float) -> None:
        with self._lock:
            amount = min(amount, self.files - self._credited)
            self._credited += amount
        advance(amount)

    def documents_done(self, n: int) -> None:
        """The analysis finished `n` more documents of this batch."""
        if self.documents:
            self._credit(self.files * n / self.documents)

    def done(self) -> None:
        """The batch is loaded (or rejected): whatever is left of its files is done."""
        self._credit(self.files - self._credited)


def batch(files: int, documents: int | None = None) -> BatchShare:
    """The share of a batch of `files` seed files holding `documents` documents (None: not known
    here, as on a cluster, where the batch advances only when it is loaded)."""
    return BatchShare(files, documents)
