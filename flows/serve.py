"""`newsflow serve`: the ingest flow as a deployment on a schedule, optionally nudged by a file
watcher, against a real Prefect server."""
from __future__ import annotations

import threading
import time
from pathlib import Path

from flows.progress import say

DEPLOYMENT = "newsflow-ingest"


def watch_and_trigger(seeds_dir: Path, settle_seconds: float, stop: threading.Event,
                      prefect_ready: threading.Event | None = None) -> None:
    """Start a run soon after a file lands and settles in the seeds folder, without waiting for
    the next scheduled tick. Extra triggers are cheap: a run with nothing new loads nothing.
    Watching starts before the flow is even imported, so a file dropped while the service starts
    up is not missed; its run is started once the deployment exists."""
    from watchfiles import Change, watch

    for changes in watch(seeds_dir, stop_event=stop, recursive=False, debounce=500, raise_interrupt=False):
        if not any(change in (Change.added, Change.modified) for change, _ in changes):
            continue
        time.sleep(settle_seconds + 0.5)
        if stop.is_set():
            return
        say(f"new files in {seeds_dir}: starting a run")
        if prefect_ready is not None:
            prefect_ready.wait()
        try:
            _start_run(stop)
        except Exception as exc:  # a failed trigger must not end the service; the schedule still runs
            say(f"could not trigger a run: {exc}")


def _start_run(stop: threading.Event, wait_seconds: float = 300.0) -> None:
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + wait_seconds
    while not stop.is_set():
        try:
            run_deployment(f"ingest/{DEPLOYMENT}", timeout=0)
            return
        except ObjectNotFound:
            # Not registered yet: the service is still importing the flow.
            if time.monotonic() > deadline:
                raise
            stop.wait(2)


def _outcome(warehouse: Path, run_id: str) -> tuple[str, int] | None:
    """What a finished run did, from its pipeline_runs row: (line, rows loaded); None while the
    warehouse is busy or the row is not there yet."""
    from tasks.core.errors import NewsflowError
    from warehouse.query import run_query

    try:
        _, rows = run_query(warehouse, "SELECT status, articles, comments, entities, events, files_quarantined "
                                       f"FROM pipeline_runs WHERE run_id = '{run_id}'", wait_seconds=1)
    except NewsflowError:
        return None
    if not rows:
        return None
    status, *counts = rows[0]
    articles, comments, entities, events, quarantined = (n or 0 for n in counts)
    if status == "skipped":
        return "skipped: another run was loading into this warehouse", 0
    loaded = articles + comments + entities + events
    extra = f", {quarantined} files quarantined" if quarantined else ""
    if not loaded:
        return f"nothing new{extra}", 0
    return (f"loaded {articles} articles, {comments} comments, {entities} entity mentions, {events} events{extra}",
            loaded)


def report_runs(warehouse: Path, stop: threading.Event, poll_seconds: float = 2.0) -> None:
    """One line per run of the deployment for the person at the terminal (the runs themselves
    execute in subprocesses, whose own messages only reach Prefect's log): when it starts, and
    then what it loaded, that it found nothing new, or why it failed. After a run that loaded
    something, the report beside the warehouse is drawn again."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterName, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    from warehouse.report import build_report

    started: set[str] = set()
    finished: set[str] | None = None  # runs already over when we started are not news
    with get_client(sync_client=True) as client:
        while not stop.wait(poll_seconds):
            try:
                # Not the scheduled ones: Prefect books many runs ahead.
                runs = client.read_flow_runs(
                    deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[DEPLOYMENT])),
                    flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[
                        StateType.RUNNING, StateType.COMPLETED, StateType.FAILED, StateType.CRASHED,
                        StateType.CANCELLED]))),
                    sort=FlowRunSort.START_TIME_DESC, limit=20)
            except Exception:  # the server busy or restarting: try again at the next poll
                continue
            if finished is None:
                finished = {str(r.id) for r in runs if r.state and r.state.is_final()}
            for run in reversed(runs):  # oldest first
                run_id, state = str(run.id), run.state
                if run_id in finished or state is None:
                    continue
                if state.is_running() and run_id not in started:
                    started.add(run_id)
                    say(f"run {run.name} started")
                elif state.is_final():
                    if not state.is_completed():
                        finished.add(run_id)
                        say(f"run {run.name} {state.name.lower()}: {state.message or 'no message'}")
                        continue
                    outcome = _outcome(warehouse, run_id)
                    if outcome is None:
                        continue
                    finished.add(run_id)
                    line, loaded = outcome
                    say(f"run {run.name}: {line}")
                    if loaded:
                        try:
                            say(f"report updated: {build_report(warehouse).path}")
                        except Exception as exc:  # the data is loaded; a report that fails says why
                            say(f"report not updated: {exc}")


def serve(seeds_dir: Path, parameters: dict, interval: float | None, cron: str | None, watch: bool,
          settle_seconds: float) -> None:
    """Serve the `ingest` deployment until interrupted; one run at a time."""
    stop, prefect_ready = threading.Event(), threading.Event()
    watcher = None
    if watch:
        # Watching from the start, so that a file dropped while the rest starts up is seen.
        watcher = threading.Thread(target=watch_and_trigger, args=(seeds_dir, settle_seconds, stop, prefect_ready),
                                   daemon=True)
        watcher.start()
    # Prefect's modules are imported here, before any other thread needs them: imported from
    # several threads at once, Prefect's plugin start-up reports an import deadlock.
    import prefect.client.schemas.filters  # noqa: F401
    import prefect.client.schemas.sorting  # noqa: F401
    import prefect.deployments  # noqa: F401
    from prefect.client.orchestration import get_client  # noqa: F401
    from prefect.deployments.runner import EntrypointType

    import warehouse.report  # noqa: F401

    prefect_ready.set()
    reporter = threading.Thread(target=report_runs, args=(Path(parameters["warehouse"]), stop), daemon=True)
    reporter.start()
    try:
        # Imported after the threads start: with spaCy this takes seconds.
        from flows.ingest import ingest

        ingest.serve(name=DEPLOYMENT, interval=interval, cron=cron, parameters=parameters, limit=1,
                     print_starting_message=False, pause_on_shutdown=False,
                     entrypoint_type=EntrypointType.MODULE_PATH)
    finally:
        stop.set()
        prefect_ready.set()  # a watcher waiting for it sees `stop` and ends
        if watcher is not None:
            watcher.join(timeout=5)
        reporter.join(timeout=5)
