"""The one way newsflow wraps a pure function as a Prefect task: whole batches in, no result
persistence and no input hashing (inputs are large and the warehouse manifest already makes
reruns cheap).

The Prefect task is made on first use, so that importing a stage's module (a rerun with nothing
new, which never starts Prefect; a test of the pure function) does not import Prefect, which
alone takes a second and a half."""
from __future__ import annotations

import functools


class LazyTask:
    """Calls, `.submit` and every other attribute go to the Prefect task, made when first needed;
    `.fn` is the pure function."""

    def __init__(self, fn, options: dict):
        self.fn = fn
        self._options = options
        self._task = None
        functools.update_wrapper(self, fn)

    @property
    def task(self):
        if self._task is None:
            from prefect import task
            from prefect.cache_policies import NO_CACHE

            self._task = task(self.fn, cache_policy=NO_CACHE, persist_result=False, **self._options)
        return self._task

    def __call__(self, *args, **kwargs):
        return self.task(*args, **kwargs)

    def submit(self, *args, **kwargs):
        return self.task.submit(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("fn", "_task", "_options"):  # not set yet (unpickling)
            raise AttributeError(name)
        return getattr(self.task, name)


def batch_task(fn=None, **options):
    def wrap(f):
        return LazyTask(f, options)
    return wrap(fn) if fn is not None else wrap
