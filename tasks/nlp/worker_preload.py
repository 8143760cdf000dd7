"""Imported by multiprocessing's forkserver before it forks analysis workers (tasks.nlp.pool):
the pipeline named in NEWSFLOW_WORKER_MODEL is built and warmed up here once, and every worker
forked afterwards shares its pages.

Nothing may escape this module: an exception would kill the forkserver and with it every
worker start. A model that fails to load here fails again in the worker, where the error
reaches the run."""
from __future__ import annotations

import gc
import os

from tasks.nlp.pool import PRELOAD_MODEL_ENV, WARM_UP


def _preload(model: str) -> None:
    try:
        from tasks.nlp.analyse import analyse_in_process

        analyse_in_process([WARM_UP], model)
    except Exception:  # noqa: BLE001 - see the module's docstring
        return
    # The collector would otherwise write to every loaded object's header in each worker, and
    # each written page stops being shared.
    gc.freeze()


if os.environ.get(PRELOAD_MODEL_ENV):
    _preload(os.environ[PRELOAD_MODEL_ENV])
