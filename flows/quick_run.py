"""A run with nothing to do answers without Prefect.

Starting Prefect (its API server, the flow run) costs seconds, which is most of a rerun's time when
every seed file is already loaded. So `newsflow run` first looks, as the flow would: if no file is
new, changed, refused, duplicated, renamed or (with --prune) gone, it records the run in
`pipeline_runs` like any other (status completed, no flow run id) and stops there. Anything to do,
or a warehouse another run holds, goes to the flow.
"""
from __future__ import annotations

import time
import uuid
from datetime import datetime, timezone

from flows.progress import say
from flows.run_lock import run_lock
from tasks.ingest.discover import scan
from warehouse import load
from warehouse.db import writer


def run_if_nothing_new(settings, seeds: list[str], recursive: bool, prune: bool) -> dict | None:
    """The run's summary when there is nothing to load, else None (the flow must run)."""
    if not settings.warehouse.exists():
        return None
    try:
        return _run(settings, seeds, recursive, prune)
    except Exception:  # noqa: BLE001 - whatever stops the quick look, the flow meets and reports
        return None


def _run(settings, seeds: list[str], recursive: bool, prune: bool) -> dict | None:
    t0, started = time.monotonic(), datetime.now(timezone.utc)
    with run_lock(settings.data_dir, 0) as mine:
        if not mine:
            return None  # another run is loading: the flow waits for it
        with writer(settings.warehouse, wait_seconds=0) as con:
            manifest, loaded = load.manifest_state(con), load.loaded_hashes(con)
            found = scan(seeds, manifest, loaded, settings.settle_seconds, recursive=recursive)
            if found.new or found.refused or found.duplicates or found.renamed or (prune and found.vanished):
                return None
            # What the flow does at every start: a killed run's leftovers are settled first.
            load.settle_lake(con, settings.lake_dir)
            load.close_abandoned_runs(con)
            say(f"found {found.seen} seed files: 0 new or changed, {len(found.unchanged)} unchanged, "
                f"{len(found.waiting)} still being written, 0 duplicates, 0 refused")
            if found.vanished:
                say(f"{len(found.vanished)} seed files loaded earlier no longer exist; their rows stay in the "
                    f"warehouse (newsflow run --prune removes them)")
            run_id = str(uuid.uuid4())
            summary = {
                "run_id": run_id, "flow_run_id": None, "started_at": started,
                "finished_at": datetime.now(timezone.utc), "status": "completed", "seeds": ", ".join(seeds),
                "files_seen": found.seen, "files_new": 0, "files_unchanged": len(found.unchanged),
                "files_waiting": len(found.waiting), "files_duplicate": 0, "files_quarantined": 0,
                "articles": 0, "comments": 0, "entities": 0, "events": 0, "checks_failed": 0, "warnings": 0,
                "files_vanished": len(found.vanished), "files_pruned": 0,
                "seconds": round(time.monotonic() - t0, 3),
            }
            load.record_run(con, summary)
    return {**summary, "quarantine": [], "duplicates": [], "renamed": [], "vanished": list(found.vanished)}
