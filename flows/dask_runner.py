"""Running the batch tasks on Dask: a local multi-process cluster, or a team's own scheduler."""
from __future__ import annotations


def dask_task_runner(address: str | None = None, workers: int = 2):
    """Prefect's DaskTaskRunner: on the scheduler at `address`, or a local cluster of `workers`
    single-threaded processes (each loads the spaCy model once and keeps it)."""
    from prefect_dask import DaskTaskRunner

    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})
