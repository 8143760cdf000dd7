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

CHUNK = 16
"""Documents per task sent to a worker: small enough to balance, large enough to amortize."""

_model: str | None = None


def _init(model: str) -> None:
    global _model
    _model = model
    from tasks.analyse import analyse_in_process  # noqa: F401  (imports spaCy once per worker)
    from tasks.nlp import build_pipeline

    build_pipeline(model)


def _work(docs):
    from tasks.analyse import analyse_in_process

    return analyse_in_process(docs, _model)


@lru_cache(maxsize=2)
def worker_pool(model: str, processes: int):
    pool = mp.get_context("forkserver").Pool(processes, initializer=_init, initargs=(model,))
    atexit.register(pool.terminate)
    return pool


class PendingAnalysis:
    """Analysis under way in the pool; result() waits for it. Lets the flow load one batch while
    the workers analyse the next."""

    def __init__(self, async_result):
        self._async = async_result

    def result(self) -> tuple[list[dict], list[dict]]:
        mentions, events = [], []
        for m, e in self._async.get():
            mentions += m
            events += e
        return mentions, events


def start_parallel(docs: list, model: str, processes: int) -> PendingAnalysis:
    """Hand the documents to `processes` workers; rows come back in document order."""
    chunks = [docs[i:i + CHUNK] for i in range(0, len(docs), CHUNK)]
    return PendingAnalysis(worker_pool(model, processes).map_async(_work, chunks))


def analyse_parallel(docs: list, model: str, processes: int) -> tuple[list[dict], list[dict]]:
    """Same rows, same order as analyse_in_process, from `processes` workers."""
    return start_parallel(docs, model, processes).result()
