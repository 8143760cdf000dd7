"""spaCy and extraction in worker processes that outlive a batch.

spaCy's own `nlp.pipe(n_process=N)` starts N fresh processes at every call and sends whole Docs
back to the parent, where extraction then runs on one core. This pool starts its workers once
per process (forkserver: clean processes, no fork from a threaded Prefect run), each loads the
model once, and each returns finished mention and event rows, so extraction runs in parallel too
and the parent never loads the model.
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
from functools import lru_cache

from tasks.ingest.documents import Doc
from tasks.nlp.analysis import Analysis

CHUNK = 16
"""Documents per task sent to a worker: small enough to balance, large enough to amortize."""

_model: str | None = None


WARM_UP = Doc("warm-up", "comment", "warm-up", "Officials in Baghdad said talks would resume. I disagree.", None)
"""A comment that takes every stage once, so that models loaded on first use (the toxicity
classifier) load when the worker starts, not inside the first batch's clock."""


def _init(model: str) -> None:
    global _model
    _model = model
    from tasks.nlp.analyse import analyse_in_process

    analyse_in_process([WARM_UP], model)


def _work(docs):
    from tasks.nlp.analyse import analyse_in_process

    return analyse_in_process(docs, _model)


@lru_cache(maxsize=2)
def worker_pool(model: str, processes: int):
    pool = mp.get_context("forkserver").Pool(processes, initializer=_init, initargs=(model,))
    atexit.register(pool.terminate)
    return pool


def analyse_parallel(docs: list, model: str, processes: int, on_progress=None) -> Analysis:
    """Same rows, same order as analyse_in_process, from `processes` workers; `on_progress(n)`
    hears of each finished chunk of `n` documents."""
    chunks = [docs[i:i + CHUNK] for i in range(0, len(docs), CHUNK)]
    out = Analysis()
    for chunk, part in zip(chunks, worker_pool(model, processes).imap(_work, chunks)):
        out.extend(part)
        if on_progress is not None:
            on_progress(len(chunk))
    return out
