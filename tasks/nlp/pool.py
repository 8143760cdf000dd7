"""spaCy and extraction in worker processes that outlive a batch.

spaCy's own `nlp.pipe(n_process=N)` starts N fresh processes at every call and sends whole Docs
back to the parent, where extraction then runs on one core. This pool starts its workers once
per run, each returns finished mention and event rows, so extraction runs in parallel too and
the parent never loads the model.

Workers are forked by multiprocessing's forkserver (clean processes, no fork from a threaded
Prefect run). The forkserver itself loads the pipeline once, before it forks anything
(tasks.nlp.worker_preload): the workers then share the model's weights, the gazetteer and the
places index page for page instead of holding a copy each, and a new worker is ready as soon as
it is forked.
"""
from __future__ import annotations

import atexit
import multiprocessing as mp
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from tasks.core.memory import release_freed_memory
from tasks.ingest.documents import Doc
from tasks.nlp.analysis import Analysis

CHUNK = 16
"""Documents per task sent to a worker. nlp.pipe's usual 64 would cost the model ~3% less processor
time, but each worker then held ~150 MB more at its peak (2,000-file run: 1,717 MB against 1,370 MB
for the process tree): memory is the scarcer of the two."""

PRELOAD_MODEL_ENV = "NEWSFLOW_WORKER_MODEL"
"""The model the forkserver loads before forking workers (read by tasks.nlp.worker_preload)."""

_model: str | None = None


WARM_UP = Doc("warm-up", "comment", "warm-up", "Officials in Baghdad said talks would resume. I disagree.", None)
"""A comment that takes every stage once, so that models loaded on first use (the toxicity
classifier) load before the first batch, not inside its clock."""


_init_error: BaseException | None = None
"""Why this worker could not load the pipeline: raised by its first task."""


def _init(model: str) -> None:
    global _model, _init_error
    _model = model
    from tasks.nlp.analyse import analyse_in_process

    try:
        analyse_in_process([WARM_UP], model)  # free when the forkserver loaded this model already
    except Exception as exc:  # noqa: BLE001 - a Pool replaces a worker whose initializer raises,
        _init_error = exc  # forever: the error goes back with the first task instead


def _work(docs):
    from tasks.nlp.analyse import analyse_in_process

    if _init_error is not None:
        raise _init_error
    try:
        return analyse_in_process(docs, _model)
    finally:
        release_freed_memory()  # or a worker grows with the corpus


def _create_pool(model: str, processes: int):
    ctx = mp.get_context("forkserver")
    # Read by the forkserver when it starts (the first pool of this process starts it).
    os.environ.setdefault(PRELOAD_MODEL_ENV, model)
    ctx.set_forkserver_preload(["tasks.nlp.worker_preload"])
    return ctx.Pool(processes, initializer=_init, initargs=(model,))


# Creating a pool waits until the forkserver has loaded the model and forked: it happens in a
# thread, while the caller starts other things (Prefect).
_starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsflow-worker-start")
_pools: dict[tuple[str, int], Future] = {}
_lock = threading.Lock()


def start_workers(model: str, processes: int) -> None:
    """Start `processes` workers for `model` without waiting for them."""
    with _lock:
        if (model, processes) not in _pools:
            _pools[(model, processes)] = _starter.submit(_create_pool, model, processes)


def worker_pool(model: str, processes: int):
    """The running pool for `model` (started now if need be), once its workers are forked."""
    start_workers(model, processes)
    return _pools[(model, processes)].result()


def release_workers() -> None:
    """Stop the workers (the forkserver keeps the loaded model: the next pool forks at once).
    Called when a run's last batch is analysed, so that checks, loading and the report do not
    share the machine's memory with idle workers."""
    with _lock:
        starting = list(_pools.values())
        _pools.clear()
    for s in starting:
        try:
            pool = s.result()
        except BaseException:  # noqa: BLE001 - a pool that never started has nothing to stop
            continue
        pool.terminate()
        pool.join()


atexit.register(release_workers)


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
