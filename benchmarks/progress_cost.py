"""What `newsflow run`'s progress display costs.

    .venv/bin/python benchmarks/progress_cost.py [--docs 240] [--repeat 3]

Prints (a) the cost of one progress update on the Rich bar and on the plain-line display, and
how many updates a batch makes (one per 16 documents with worker processes, one per 64 in
process), and (b) the analysis of the same documents in this process with and without the
per-chunk progress callback, in turns, median of --repeat runs each. Needs no gold data: the documents
are the sample seed's, repeated.
"""
from __future__ import annotations

import argparse
import io
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console

from flows.progress_display import PlainLines, RichBar
from tasks.core.settings import DEFAULT_MODEL
from tasks.ingest.documents import SeedFile, build_rows
from tasks.ingest.parse import parse_seed
from tasks.nlp.stage import analyse_docs

SAMPLE = Path(__file__).resolve().parents[1] / "seeds" / "000_547e16957a209b03.txt"


def per_update_seconds(display, updates: int = 20_000) -> float:
    display.start(updates, "files")
    t0 = time.perf_counter()
    for _ in range(updates):
        display.advance(1)
    elapsed = time.perf_counter() - t0
    display.stop()
    return elapsed / updates


def sample_docs(n: int) -> list:
    pages = parse_seed(str(SAMPLE), SAMPLE.read_bytes())
    _, _, docs = build_rows(SeedFile(str(SAMPLE), str(SAMPLE), "0" * 64, 0, 0), pages, "bench", datetime.now(timezone.utc))
    return (docs * (n // len(docs) + 1))[:n]


def interleaved_medians(first, second, repeat: int) -> tuple[float, float]:
    """Median seconds of each, run in turns so that a busy machine slows both alike."""
    times: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for fn, spent in zip((first, second), times):
            t0 = time.perf_counter()
            fn()
            spent.append(time.perf_counter() - t0)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=240)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    bar = RichBar(Console(file=io.StringIO(), force_terminal=True, width=100))
    plain = PlainLines(lambda line: None)
    print(f"one progress update: Rich bar {per_update_seconds(bar) * 1e6:.1f} µs, "
          f"plain lines {per_update_seconds(plain) * 1e6:.1f} µs")

    docs = sample_docs(args.docs)
    analyse_docs(docs[:8], DEFAULT_MODEL)  # load the model outside the timings
    updates = []
    without, with_cb = interleaved_medians(lambda: analyse_docs(docs, DEFAULT_MODEL),
                                           lambda: analyse_docs(docs, DEFAULT_MODEL, on_progress=updates.append),
                                           args.repeat)
    print(f"analysing {len(docs)} documents in process: {without:.2f} s without progress, {with_cb:.2f} s with it "
          f"({(with_cb / without - 1) * 100:+.1f}%, {len(updates) // args.repeat} updates per run)")


if __name__ == "__main__":
    main()
