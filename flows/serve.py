"""`newsflow serve`: the ingest flow as a deployment on a schedule, optionally nudged by a file
watcher, against a real Prefect server."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from flows.progress import say

DEPLOYMENT = "newsflow-ingest"


def watch_and_trigger(seeds_dir: Path, settle_seconds: float, stop: threading.Event) -> None:
    """Start a run soon after a file lands and settles in the seeds folder, without waiting for
    the next scheduled tick. Extra triggers are cheap: a run with nothing new loads nothing."""
    from prefect.deployments import run_deployment
    from watchfiles import Change, watch

    for changes in watch(seeds_dir, stop_event=stop, recursive=False, debounce=500, raise_interrupt=False):
        if not any(change in (Change.added, Change.modified) for change, _ in changes):
            continue
        time.sleep(settle_seconds + 0.5)
        if stop.is_set():
            return
        say(f"new files in {seeds_dir}: starting a run")
        try:
            run_deployment(f"ingest/{DEPLOYMENT}", timeout=0)
        except Exception as exc:  # a failed trigger must not end the service; the schedule still runs
            say(f"could not trigger a run: {exc}")


def serve(seeds_dir: Path, parameters: dict, interval: float | None, cron: str | None, watch: bool,
          settle_seconds: float) -> None:
    """Serve the `ingest` deployment until interrupted; one run at a time."""
    from prefect.deployments.runner import EntrypointType

    from flows.ingest import ingest

    stop = threading.Event()
    watcher = None
    if watch:
        watcher = threading.Thread(target=watch_and_trigger, args=(seeds_dir, settle_seconds, stop), daemon=True)
        watcher.start()
    try:
        ingest.serve(name=DEPLOYMENT, interval=interval, cron=cron, parameters=parameters, limit=1,
                     print_starting_message=False, pause_on_shutdown=False,
                     entrypoint_type=EntrypointType.MODULE_PATH)
    finally:
        stop.set()
        if watcher is not None:
            watcher.join(timeout=5)
