"""Progress as the person running `newsflow run` sees it: a Rich bar with rate and ETA on a
terminal, a plain line every few seconds otherwise (a log file, CI, a pipe)."""
from __future__ import annotations

import threading
import time
from typing import Callable

from rich.console import Console
from rich.markup import escape
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn,
                           TimeElapsedColumn, TimeRemainingColumn)

from flows import progress

PLAIN_EVERY_SECONDS = 10.0
"""How often a plain progress line is printed when the output is not a terminal."""


class RichBar:
    """A Rich progress bar. It redraws itself twice a second in its own thread (well under 1% of
    a core), and the analysis advances it once per chunk of documents, not per document."""

    def __init__(self, console: Console):
        self._progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            console=console, refresh_per_second=2,
        )
        self._task = None

    def start(self, total: float, unit: str) -> None:
        if total <= 0:
            return
        self._progress.start()
        self._task = self._progress.add_task(unit, total=total, rate="")
        self._unit = unit

    def advance(self, amount: float) -> None:
        if self._task is None:
            return
        self._progress.advance(self._task, amount)
        speed = self._progress.tasks[self._task].speed
        if speed:
            self._progress.update(self._task, rate=f"{speed:.1f} {self._unit}/s")

    def stop(self) -> None:
        self._progress.stop()


class PlainLines:
    """`progress: 120/300 files (40%), 3.5 files/s, about 51s left` at the start, every
    PLAIN_EVERY_SECONDS while work goes on, and at the end."""

    def __init__(self, write: Callable[[str], None], every: float = PLAIN_EVERY_SECONDS):
        self._write = write
        self._every = every
        self._lock = threading.Lock()
        self._total = 0.0
        self._done = 0.0

    def start(self, total: float, unit: str) -> None:
        self._total, self._unit, self._done = total, unit, 0.0
        self._started = self._last = time.monotonic()
        if total > 0:
            self._line()

    def advance(self, amount: float) -> None:
        with self._lock:
            self._done += amount
            now = time.monotonic()
            finished = self._done >= self._total - 1e-9
            if finished or now - self._last >= self._every:
                self._last = now
                self._line()

    def _line(self) -> None:
        elapsed = time.monotonic() - self._started
        done = round(self._done)
        text = f"progress: {done}/{self._total:g} {self._unit} ({100 * self._done / self._total:.0f}%)"
        if self._done and elapsed > 0:
            rate = self._done / elapsed
            left = (self._total - self._done) / rate
            text += f", {rate:.1f} {self._unit}/s, " + ("done" if left < 0.5 else f"about {left:.0f}s left")
        self._write(text)

    def stop(self) -> None:
        pass


def show_progress(console: Console) -> Callable[[], None]:
    """Route the flow's messages and progress to `console`; returns what stops the display."""
    display = RichBar(console) if console.is_terminal else PlainLines(console.print)
    progress.set_listener(lambda msg: console.print(f"[dim]·[/] {escape(msg)}", soft_wrap=True))
    progress.set_display(display)

    def stop() -> None:
        display.stop()
        progress.set_display(None)
    return stop
