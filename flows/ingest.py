"""The `ingest` flow: seeds -> parse -> spaCy -> entities and events -> Parquet -> checks -> DuckDB.

One task run per stage per batch of documents; each batch loads in one transaction, so a failure
in a later batch never undoes an earlier one and a rerun starts where the manifest says. The run is
a `pipeline_runs` row from its start ('running'), so a crash or a kill leaves a trace; the next run
marks such a row 'failed'.
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

from flows import progress
from flows.progress import say
from flows.run_lock import run_lock
from tasks.core.memory import release_freed_memory
from tasks.core.settings import resolve_settings
from tasks.core.timing import StageClock
from tasks.ingest.batch import parse_task
from tasks.ingest.discover import discover_task
from tasks.lake import batch_tables, write_lake_task
from tasks.nlp.analysis import Analysis
from tasks.nlp.model_names import require_model
from tasks.nlp.stage import analyse_docs, analyse_task
from tasks.quality.quarantine import batch_records, duplicate_records, refused_records
from tasks.quality.validate import apply_verdict, data_docs_task, result_rows, validate_task, warm_up
from warehouse import load
from warehouse.db import writer
from warehouse.search import update_search_index


def _chunks(items, size):
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _Raised:
    """An analysis that raised, kept until finish() takes the batch apart file by file."""

    def __init__(self, exc: Exception):
        self.exc = exc

    def result(self):
        raise self.exc


def _value(x):
    """A task's result, whether it ran in place or was submitted to a task runner."""
    return x.result() if hasattr(x, "result") else x


@flow(name="ingest", persist_result=False, log_prints=False)
def ingest(seeds: list[str], warehouse: str | None = None, model: str | None = None, batch_size: int = 500,
           n_process: int = 1, settle_seconds: float = 2.0, max_file_mb: float = 20.0, recursive: bool = False,
           wait_seconds: float = 60.0, parallel_batches: int = 1, lake: str | None = None,
           prune: bool = False) -> dict:
    """Ingest new and changed seed files into the warehouse; returns the run's summary. Runs never
    overlap: one that finds another loading waits up to `wait_seconds`, then skips. With
    `parallel_batches` > 1, that many batches are parsed and analysed at once on the flow's task
    runner (a Dask cluster), while loading stays one batch at a time, in order. With `prune`, the
    rows of seed files that were loaded from the given folders and no longer exist are removed."""
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
        with writer(settings.warehouse) as con:
            load.close_abandoned_runs(con)
            load.record_run(con, {"run_id": run_id, "flow_run_id": run_id, "started_at": started,
                                  "status": "running", "seeds": ", ".join(seeds)})
        try:
            return _ingest(settings, seeds, recursive, run_id, started, parallel_batches, prune)
        except BaseException as exc:
            _record_failure(settings, run_id, started, seeds, exc)
            raise


def _record_failure(settings, run_id: str, started: datetime, seeds: list[str], exc: BaseException) -> None:
    """The run's row says 'failed' and why; if even that cannot be written (the disk is full, the
    warehouse read-only), the 'running' row stays and the next run marks it failed."""
    reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{type(exc).__name__}: {exc}"[:1000]
    try:
        with writer(settings.warehouse, wait_seconds=5) as con:
            load.record_run(con, {"run_id": run_id, "flow_run_id": run_id, "started_at": started,
                                  "finished_at": datetime.now(timezone.utc), "status": "failed",
                                  "seeds": ", ".join(seeds), "error": reason})
    except Exception:  # noqa: BLE001 - the original error is the one to report
        pass


def _analyse_each(parsed, model: str) -> Analysis:
    """When a batch's analysis fails as a whole (a worker died), analyse its files one at a time
    in this process: every document of a file that fails is reported failed, the rest go on."""
    out = Analysis()
    for seed in parsed.loaded:
        articles = set(parsed.articles_by_source.get(seed.source_key, []))
        docs = [d for d in parsed.docs if d.article_id in articles]
        try:
            out.extend(analyse_docs(docs, model, 1))
        except Exception as exc:  # noqa: BLE001 - this file's failure is its quarantine row
            reason = f"analysis failed ({type(exc).__name__}: {str(exc)[:200]})"
            out.failed.update({d.doc_id: reason for d in docs})
    return out


def _ingest(settings, seeds: list[str], recursive: bool, run_id: str, started: datetime, parallel: int,
            prune: bool = False) -> dict:
    t0 = time.monotonic()
    clock = StageClock()
    with clock.stage("discover"):
        with writer(settings.warehouse) as con:
            load.settle_lake(con, settings.lake_dir)  # a run killed mid-load leaves its lake changes half done
            manifest, loaded, known_ids = load.manifest_state(con), load.loaded_hashes(con), load.known_entity_ids(con)
        found = discover_task(seeds, manifest, loaded, settings.settle_seconds, recursive)
    previously_loaded = {k for k, (_sha, status) in manifest.items() if status in ("loaded", "stale")}
    say(f"found {found.seen} seed files: {len(found.new)} new or changed, {len(found.unchanged)} unchanged, "
        f"{len(found.waiting)} still being written, {len(found.duplicates)} duplicates, "
        f"{len(found.refused)} refused")
    for new_key, old_key in found.renamed.items():
        say(f"renamed: {escape(old_key)} -> {escape(new_key)}; its rows move to the new name")
    pruned = 0
    if found.vanished:
        if prune:
            with writer(settings.warehouse) as con:
                pruned = load.prune_sources(con, found.vanished, settings.lake_dir, run_id)
            say(f"pruned {len(found.vanished)} seed files that no longer exist ({pruned} articles removed)")
        else:
            say(f"{len(found.vanished)} seed files loaded earlier no longer exist; their rows stay in the "
                f"warehouse (newsflow run --prune removes them)")
    if found.new:
        require_model(settings.model)  # a run-wide problem: no seed file is to blame for it
    progress.start(len(found.new), "files")
    if found.new and settings.n_process > 1 and parallel == 1:
        # The workers load spaCy while the first batch is parsed; a run with nothing new starts none.
        from tasks.nlp.pool import start_workers

        start_workers(settings.model, settings.n_process)

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
            return number, batch, parsed, analyse_task.submit(parsed, settings.model, 1), progress.batch(len(batch))
        with clock.stage("parse"):
            parsed = parse_task(batch, run_id, started, settings.max_file_bytes, settings.quarantine_dir)
        share = progress.batch(len(batch), len(parsed.docs))
        # quote(): Prefect need not walk thousands of rows looking for futures in the inputs.
        if settings.n_process > 1:
            # The worker pool analyses this batch while the flow checks and loads the one before.
            return number, batch, parsed, analyse_task.submit(quote(parsed), settings.model, settings.n_process,
                                                              share.documents_done), share
        try:
            return number, batch, parsed, analyse_task(quote(parsed), settings.model, settings.n_process,
                                                       share.documents_done), share
        except Exception as exc:  # noqa: BLE001 - finish() looks for the file that broke it
            return number, batch, parsed, _Raised(exc), share

    def finish(number, batch, parsed, analysed, share):
        nonlocal known_ids, checks_failed, warnings
        parsed = _value(parsed)
        with clock.stage("analysis (waiting for workers)"):
            try:
                analysis = _value(analysed)
            except Exception as exc:  # noqa: BLE001 - find the file that broke it; the others load
                say(f"batch {number}: analysis failed ({type(exc).__name__}); analysing its files one at a time")
                analysis = _analyse_each(parsed, settings.model)
        clock.add_cpu(analysis.seconds)
        if number == len(batches) and settings.n_process > 1 and parallel == 1:
            # The last batch is analysed: idle workers would only add their memory to the
            # checks, the load and the report that follow.
            from tasks.nlp.pool import release_workers

            release_workers()
        parsed = parsed.without_failed(analysis.failed, settings.quarantine_dir)
        with clock.stage("tables"):
            tables = batch_tables(parsed.articles, parsed.comments, analysis.mentions, analysis.events,
                                  analysis.doc_values)
        with clock.stage("parquet"):
            paths = write_lake_task(quote(tables), settings.lake_dir, run_id, number)
        with clock.stage("checks"):
            checks_ready.join()
            results = validate_task(quote(tables), quote({d.doc_id: d.text for d in parsed.docs}), quote(known_ids),
                                    quote({d.doc_id: d.article_id for d in parsed.docs}), settings.quality_dir)
        excluded, rejected, loading = apply_verdict(results, parsed.articles_by_source)
        bad, manifest_rows = batch_records(parsed.quarantined, parsed.loaded, parsed.articles_by_source,
                                           rejected, settings.quarantine_dir, previously_loaded)
        moved = [found.renamed[k] for k in loading if k in found.renamed]
        with clock.stage("load"), writer(settings.warehouse) as con:
            counts = load.load_batch(con, run_id=run_id, batch=number, lake_paths=paths, loaded_sources=loading,
                                     excluded_articles=excluded, manifest_rows=manifest_rows,
                                     quarantine_rows=bad, validation_rows=result_rows(results),
                                     forget_sources=moved)
            known_ids = load.known_entity_ids(con)
        for t in totals:
            totals[t] += counts.get(t, 0)
        quarantined.extend(bad)
        share.done()
        checks_failed += sum(1 for r in results if r.blocking and not r.success)
        warnings += sum(1 for r in results if not r.blocking and not r.success)
        for q in bad:
            say(f"quarantined {escape(q['source_path'])}: {q['reason']}")
        release_freed_memory()  # the batch's rows, frames and tables: or the run grows with the corpus
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
        with clock.stage("data docs"):
            data_docs_task(settings.quality_dir)
    refused = refused_records(found.refused)
    for q in refused:
        say(f"refused {escape(q['source_path'])}: {q['reason']}")
    quarantined = refused + quarantined
    summary = {
        "run_id": run_id, "flow_run_id": str(flow_run.get_id() or ""), "started_at": started,
        "finished_at": datetime.now(timezone.utc), "status": "completed", "seeds": ", ".join(seeds),
        "files_seen": found.seen, "files_new": len(found.new), "files_unchanged": len(found.unchanged),
        "files_waiting": len(found.waiting), "files_duplicate": len(found.duplicates),
        "files_quarantined": len({q["source_key"] for q in quarantined}), **totals,
        "checks_failed": checks_failed, "warnings": warnings,
        "files_vanished": len(found.vanished), "files_pruned": len(found.vanished) if prune else 0,
        "seconds": round(time.monotonic() - t0, 3),
    }
    extra_rows = duplicate_records(found.duplicates) + [
        {**q, "status": "stale" if q["source_key"] in previously_loaded else "quarantined", "n_articles": 0}
        for q in refused]
    with writer(settings.warehouse) as con:
        if extra_rows:
            load.load_batch(con, run_id=run_id, batch=0, lake_paths={}, loaded_sources=[], excluded_articles=[],
                            manifest_rows=extra_rows, quarantine_rows=refused, validation_rows=[])
        load.record_run(con, summary)
        with clock.stage("search index"):
            update_search_index(con, run_id)  # rebuilt only when articles or comments changed
        load.record_stages(con, clock.rows(run_id))
    summary["quarantine"] = [{"source_path": q["source_path"], "reason": q["reason"]} for q in quarantined]
    summary["duplicates"] = [{"source_path": s.path, "duplicate_of": owner} for s, owner in found.duplicates]
    summary["renamed"] = [{"from": old, "to": new} for new, old in found.renamed.items()]
    summary["vanished"] = list(found.vanished)
    return summary


def escape(name: str) -> str:
    """A file name as one printable line: newlines and control characters shown as escapes, so a
    hostile name cannot forge lines of the run's output."""
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(name))
