"""The `ingest` flow: seeds -> parse -> spaCy -> entities and events -> Parquet -> checks -> DuckDB.

One task run per stage per batch of documents; each batch loads in one transaction, so a failure
in a later batch never undoes an earlier one and a rerun starts where the manifest says.
"""
from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from datetime import datetime, timezone

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote

from flows.progress import say
from flows.run_lock import run_lock
from tasks.core.settings import resolve_settings
from tasks.ingest.batch import parse_task
from tasks.ingest.discover import discover_task
from tasks.lake import batch_tables, write_lake_task
from tasks.nlp.stage import analyse_task
from tasks.quality.quarantine import batch_records, duplicate_records
from tasks.quality.validate import apply_verdict, data_docs_task, result_rows, validate_task, warm_up
from warehouse import load
from warehouse.db import writer
from warehouse.search import update_search_index


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _value(x):
    """A task's result, whether it ran in place or was submitted to a task runner."""
    return x.result() if hasattr(x, "result") else x


@flow(name="ingest", persist_result=False, log_prints=False)
def ingest(seeds: list[str], warehouse: str | None = None, model: str | None = None, batch_size: int = 500,
           n_process: int = 1, settle_seconds: float = 2.0, max_file_mb: float = 20.0, recursive: bool = False,
           wait_seconds: float = 60.0, parallel_batches: int = 1, lake: str | None = None) -> dict:
    """Ingest new and changed seed files into the warehouse; returns the run's summary. Runs never
    overlap: one that finds another loading waits up to `wait_seconds`, then skips. With
    `parallel_batches` > 1, that many batches are parsed and analysed at once on the flow's task
    runner (a Dask cluster), while loading stays one batch at a time, in order."""
    settings = resolve_settings(warehouse, model=model, batch_size=batch_size, n_process=n_process, lake=lake,
                                settle_seconds=settle_seconds, max_file_bytes=int(max_file_mb * 1024 * 1024))
    run_id = str(flow_run.get_id() or uuid.uuid4())
    started = datetime.now(timezone.utc)
    with run_lock(settings.data_dir, wait_seconds, lambda: say("another run is loading into this warehouse; waiting")) as mine:
        if not mine:
            say(f"skipped: another run was still loading after {wait_seconds:.0f}s")
            summary = {"run_id": run_id, "flow_run_id": run_id, "started_at": started, "finished_at": datetime.now(timezone.utc),
                       "status": "skipped", "seeds": ", ".join(seeds), "seconds": 0.0}
            with writer(settings.warehouse) as con:
                load.record_run(con, summary)
            return summary
        return _ingest(settings, seeds, recursive, run_id, started, parallel_batches)


def _ingest(settings, seeds: list[str], recursive: bool, run_id: str, started: datetime, parallel: int) -> dict:
    t0 = time.monotonic()
    with writer(settings.warehouse) as con:
        manifest, loaded, known_ids = load.manifest_state(con), load.loaded_hashes(con), load.known_entity_ids(con)
    found = discover_task(seeds, manifest, loaded, settings.settle_seconds, recursive)
    say(f"found {found.seen} seed files: {len(found.new)} new or changed, {len(found.unchanged)} unchanged, "
        f"{len(found.waiting)} still being written, {len(found.duplicates)} duplicates")

    totals = {t: 0 for t in ("articles", "comments", "entities", "events")}
    quarantined, checks_failed, warnings = [], 0, 0
    batches = list(_chunks(found.new, settings.batch_size))
    in_flight: deque = deque()
    # Great Expectations takes seconds to start: let it do so while the first batch is analysed.
    checks_ready = threading.Thread(target=warm_up, args=(settings.quality_dir,), daemon=True)
    if batches:
        checks_ready.start()

    def extract(number, batch):
        # Parse and analyse run where the task runner puts them; more than one batch at a time
        # only on a cluster (spaCy's own worker processes must not fork from runner threads).
        if parallel > 1:
            parsed = parse_task.submit(batch, run_id, started, settings.max_file_bytes, settings.quarantine_dir)
            return number, batch, parsed, analyse_task.submit(parsed, settings.model, 1)
        parsed = parse_task(batch, run_id, started, settings.max_file_bytes, settings.quarantine_dir)
        # quote(): Prefect need not walk thousands of rows looking for futures in the inputs.
        if settings.n_process > 1:
            # The worker pool analyses this batch while the flow checks and loads the one before.
            return number, batch, parsed, analyse_task.submit(quote(parsed), settings.model, settings.n_process)
        return number, batch, parsed, analyse_task(quote(parsed), settings.model, settings.n_process)

    def finish(number, batch, parsed, analysed):
        nonlocal known_ids, checks_failed, warnings
        parsed, (mentions, events) = _value(parsed), _value(analysed)
        tables = batch_tables(parsed.articles, parsed.comments, mentions, events)
        paths = write_lake_task(quote(tables), settings.lake_dir, run_id, number)
        checks_ready.join()
        results = validate_task(quote(tables), quote({d.doc_id: d.text for d in parsed.docs}), quote(known_ids),
                                quote({d.doc_id: d.article_id for d in parsed.docs}), settings.quality_dir)
        excluded, rejected, loading = apply_verdict(results, parsed.articles_by_source)
        bad, manifest_rows = batch_records(parsed.quarantined, parsed.loaded, parsed.articles_by_source,
                                           rejected, settings.quarantine_dir)
        with writer(settings.warehouse) as con:
            counts = load.load_batch(con, run_id=run_id, batch=number, lake_paths=paths, loaded_sources=loading,
                                     excluded_articles=excluded, manifest_rows=manifest_rows,
                                     quarantine_rows=bad, validation_rows=result_rows(results))
            known_ids = load.known_entity_ids(con)
        for t in totals:
            totals[t] += counts.get(t, 0)
        quarantined.extend(bad)
        checks_failed += sum(1 for r in results if r.blocking and not r.success)
        warnings += sum(1 for r in results if not r.blocking and not r.success)
        for q in bad:
            say(f"quarantined {q['source_path']}: {q['reason']}")
        say(f"batch {number}/{len(batches)}: {len(batch)} files, {counts.get('articles', 0)} articles, "
            f"{counts.get('comments', 0)} comments, {counts.get('entities', 0)} entities, {counts.get('events', 0)} events")

    # With worker processes, one batch is analysed while the one before it is checked and loaded.
    window = max(parallel, 2 if settings.n_process > 1 else 1)
    for number, batch in enumerate(batches, start=1):
        in_flight.append(extract(number, batch))
        if len(in_flight) >= window:
            finish(*in_flight.popleft())
    while in_flight:
        finish(*in_flight.popleft())
    if batches:
        data_docs_task(settings.quality_dir)
    summary = {
        "run_id": run_id, "flow_run_id": str(flow_run.get_id() or ""), "started_at": started,
        "finished_at": datetime.now(timezone.utc), "status": "completed", "seeds": ", ".join(seeds),
        "files_seen": found.seen, "files_new": len(found.new), "files_unchanged": len(found.unchanged),
        "files_waiting": len(found.waiting), "files_duplicate": len(found.duplicates),
        "files_quarantined": len(quarantined), **totals, "checks_failed": checks_failed, "warnings": warnings,
        "seconds": round(time.monotonic() - t0, 3),
    }
    duplicate_rows = duplicate_records(found.duplicates)
    with writer(settings.warehouse) as con:
        if duplicate_rows:
            load.load_batch(con, run_id=run_id, batch=0, lake_paths={}, loaded_sources=[], excluded_articles=[],
                            manifest_rows=duplicate_rows, quarantine_rows=[], validation_rows=[])
        load.record_run(con, summary)
        update_search_index(con, run_id)  # rebuilt only when articles or comments changed
    summary["quarantine"] = [{"source_path": q["source_path"], "reason": q["reason"]} for q in quarantined]
    summary["duplicates"] = [{"source_path": s.path, "duplicate_of": owner} for s, owner in found.duplicates]
    return summary
