"""The one way newsflow wraps a pure function as a Prefect task: whole batches in, no result
persistence and no input hashing (inputs are large and the warehouse manifest already makes
reruns cheap)."""
from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE


def batch_task(fn=None, **options):
    def wrap(f):
        return task(f, cache_policy=NO_CACHE, persist_result=False, **options)
    return wrap(fn) if fn is not None else wrap
