"""The `newsflow` command line: run the ingest flow, query the warehouse, see its status."""
from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tasks.core.errors import NewsflowError
from tasks.core.settings import DEFAULT_WAREHOUSE, resolve_settings

app = typer.Typer(
    help="newsflow: news pages and their reader comments -> Parquet lake -> validated DuckDB warehouse.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
console = Console(stderr=True)
out = Console(soft_wrap=True)

WarehouseOpt = typer.Option(None, "--warehouse", "-w", envvar="NEWSFLOW_WAREHOUSE",
                            help=f"DuckDB warehouse file; the Parquet lake, quality reports, quarantine and "
                                 f"the served schedule live beside it (default: {DEFAULT_WAREHOUSE}).")


class Runner(str, Enum):
    local = "local"
    dask = "dask"


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


def _fail(message: str, code: int = 1) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


class RunExit(int, Enum):
    """Exit codes of `newsflow run`, for schedulers and scripts."""

    LOADED = 0
    """Every new or changed seed file loaded (or there was nothing new)."""
    FAILED = 1
    """The run failed on an unexpected error (recorded as 'failed' in pipeline_runs)."""
    PARTIAL = 3
    """It loaded, but some files were quarantined or blocking checks failed."""
    SKIPPED = 4
    """Another run was loading into the same warehouse; nothing was done."""
    CANNOT_RUN = 5
    """The environment stopped it: missing seed folder, read-only file system, permission denied,
    disk full. One line names the path and the fix."""


RUN_EPILOG = ("Exit codes: 0 all loaded (or nothing new); 3 loaded, but files were quarantined or blocking "
              "checks failed; 4 skipped (another run was loading); 5 could not run (missing folder, read-only "
              "file system, permission denied, disk full: the message names the path and the fix); 1 the run "
              "failed on an unexpected error.")


@app.command(epilog=RUN_EPILOG)
def run(
    seeds: List[str] = typer.Argument(None, help="Seed folders or files (default: seeds/)."),
    warehouse: Optional[Path] = WarehouseOpt,
    model: Optional[str] = typer.Option(None, envvar="NEWSFLOW_MODEL", help="spaCy model package or path (default: the installed en_core_web_sm weights)."),
    batch_size: int = typer.Option(500, min=1, help="Seed files per batch (one Prefect task run per stage per batch)."),
    n_process: int = typer.Option(1, min=1, help="spaCy worker processes."),
    settle_seconds: float = typer.Option(2.0, min=0, help="Files modified more recently than this wait for the next run."),
    max_file_mb: float = typer.Option(20.0, min=0.001, help="Larger seed files are quarantined."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Also take files in sub-folders of the seed folders."),
    prune: bool = typer.Option(False, "--prune", help="Remove the rows of seed files that were loaded from these folders and no longer exist."),
    wait: float = typer.Option(60.0, min=0, help="Seconds to wait for another run loading into the same warehouse before skipping."),
    task_runner: Runner = typer.Option(Runner.local, "--task-runner", help="local, or dask: parse and analyse batches on a Dask cluster."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", help="Scheduler of an existing Dask cluster (tcp://host:8786); without it a local cluster is started."),
    dask_workers: int = typer.Option(2, "--dask-workers", min=1, help="Worker processes of the local Dask cluster, and batches in flight."),
    lake: Optional[str] = typer.Option(None, "--lake", envvar="NEWSFLOW_LAKE", help="Parquet lake folder or fsspec URL (s3://..., gs://...) (default: lake/ beside the warehouse)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's own logs."),
) -> None:
    """Ingest new and changed seed files into the warehouse (the Prefect flow `ingest`).

    Files already loaded with the same content are skipped, so running again is cheap and adds
    nothing. A file that cannot be read is reported with the reason and quarantined; the others
    still load. Only regular files inside the seed folders are read (links out of them, devices
    and FIFOs are refused). A seed file that was loaded and is gone keeps its rows until a run
    with --prune.
    """
    from flows.run_errors import environment_problem

    seeds = seeds or ["seeds/"]
    settings = resolve_settings(warehouse, model=model)
    for s in seeds:
        if not os.path.lexists(s):
            _fail_plain(f"{_escape(s)}: no such file or folder; give an existing seed folder or file", RunExit.CANNOT_RUN)
    if not verbose:
        # Prefect logs a failed flow's traceback itself; newsflow says what failed in one line.
        # It logs a failed task's traceback at ERROR; `-v` shows those logs.
        os.environ["PREFECT_LOGGING_LEVEL"] = "CRITICAL"
    from flows import prefect_env

    try:
        home = prefect_env.configure(settings.prefect_home, verbose, fallback_home=settings.warehouse_prefect_home)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        api_ready = prefect_env.start_temporary_api(home)
    except OSError as exc:
        _fail_plain(environment_problem(exc, settings.data_dir)
                    or f"{_escape(str(exc.filename or settings.data_dir))}: {exc.strerror}", RunExit.CANNOT_RUN)
    from flows.progress import set_listener

    set_listener(lambda msg: console.print(Text.assemble(("· ", "dim"), msg), highlight=False, soft_wrap=True))
    console.print(f"newsflow: ingesting {_escape(', '.join(seeds))} into {settings.warehouse}", markup=False,
                  soft_wrap=True)
    if n_process > 1 and task_runner is Runner.local:
        # The workers load spaCy while Prefect starts its server.
        from tasks.nlp.pool import worker_pool

        worker_pool(settings.model, n_process)
    try:
        with console.status("starting Prefect and loading the spaCy model…"):
            from flows.ingest import ingest

        flow, parallel = ingest, 1
        if task_runner is Runner.dask:
            from flows.dask_runner import dask_task_runner

            flow, parallel = ingest.with_options(task_runner=dask_task_runner(dask_address, dask_workers)), dask_workers
        api_ready()
        summary = flow(seeds=list(seeds), warehouse=str(settings.warehouse), model=settings.model, lake=lake,
                       batch_size=batch_size, n_process=n_process, parallel_batches=parallel, prune=prune,
                       settle_seconds=settle_seconds, max_file_mb=max_file_mb, recursive=recursive, wait_seconds=wait)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # noqa: BLE001 - one line, never a traceback: environment or failure
        problem = environment_problem(exc, settings.data_dir)
        if problem:
            _fail_plain(problem, RunExit.CANNOT_RUN)
        if isinstance(exc, NewsflowError):
            _fail_plain(str(exc), RunExit.CANNOT_RUN)
        _fail_plain(f"the run failed: {type(exc).__name__}: {_escape(str(exc))[:500]} (recorded as failed in "
              f"pipeline_runs; -v shows Prefect's logs)", RunExit.FAILED)
    _print_summary(summary)
    raise typer.Exit(run_exit_code(summary))


def _fail_plain(message: str, code: int) -> None:
    """_fail for text that may hold file names: printed literally, never as Rich markup."""
    from rich.markup import escape as markup_escape

    # soft_wrap: one line however narrow the terminal, so scripts can grep it whole.
    console.print(f"[bold red]error:[/] {markup_escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def run_exit_code(s: dict) -> int:
    if s["status"] == "skipped":
        return RunExit.SKIPPED
    if s.get("files_quarantined") or s.get("checks_failed"):
        return RunExit.PARTIAL
    return RunExit.LOADED


def _escape(text: str) -> str:
    from flows.ingest import escape

    return escape(text)


def _print_summary(s: dict) -> None:
    if s["status"] == "skipped":
        out.print(f"skipped: another run was loading into this warehouse (run {s['run_id']} recorded as skipped)")
        return
    loaded = sum(s[t] for t in ("articles", "comments", "entities", "events"))
    t = Table(title="newsflow run", show_header=True, header_style="bold")
    t.add_column("what")
    t.add_column("count", justify="right")
    for label, key in [("seed files seen", "files_seen"), ("new or changed", "files_new"),
                       ("unchanged (skipped)", "files_unchanged"), ("still being written", "files_waiting"),
                       ("duplicates", "files_duplicate"), ("quarantined", "files_quarantined"),
                       ("gone from the folder", "files_vanished"), ("pruned", "files_pruned"),
                       ("articles loaded", "articles"), ("comments loaded", "comments"),
                       ("entity mentions loaded", "entities"), ("events loaded", "events"),
                       ("blocking checks failed", "checks_failed"), ("warnings", "warnings")]:
        t.add_row(label, str(s.get(key) or 0))
    out.print(t)
    verdict = "all blocking checks passed" if not s["checks_failed"] else f"{s['checks_failed']} blocking checks failed"
    if loaded == 0:
        out.print(f"nothing new to load ({verdict}); run {s['run_id']} took {s['seconds']:.1f}s")
    else:
        out.print(f"loaded in {s['seconds']:.1f}s ({verdict}, {s['warnings']} warnings); run {s['run_id']}")
    # File names and reasons are data, not markup: printed as plain, escaped text.
    for q in s.get("quarantine", []):
        out.print(f"quarantined {_escape(q['source_path'])}: {_escape(q['reason'])}", markup=False, highlight=False)
    for d in s.get("duplicates", []):
        out.print(f"duplicate {_escape(d['source_path'])}: same content as {_escape(d['duplicate_of'])}",
                  markup=False, highlight=False)
    for r in s.get("renamed", []):
        out.print(f"renamed {_escape(r['from'])} -> {_escape(r['to'])}: its rows now belong to the new name",
                  markup=False, highlight=False)
    vanished = s.get("vanished", [])
    if vanished and s.get("files_pruned"):
        out.print(f"pruned the rows of {len(vanished)} seed files that no longer exist", markup=False)
    elif vanished:
        out.print(f"{len(vanished)} seed files loaded earlier no longer exist; their rows stay "
                  f"(newsflow run --prune removes them):", markup=False)
        for key in vanished[:20]:
            out.print(f"  gone {_escape(key)}", markup=False, highlight=False)


@app.command()
def query(
    sql: Optional[str] = typer.Argument(None, help="SQL to run (read-only)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Read the SQL from this file."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format (parquet needs --output)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the result to this file instead of the screen."),
    warehouse: Optional[Path] = WarehouseOpt,
) -> None:
    """Run SQL against the warehouse, read-only, and print the result.

    The connection cannot write to the warehouse nor read or write files outside it. While a run
    is loading, the query waits a few seconds, then says so.
    """
    from warehouse.query import query_arrow

    if (sql is None) == (file is None):
        _fail("give either SQL or --file FILE")
    if fmt is Format.parquet and output is None:
        _fail("--format parquet writes a file: add --output FILE")
    text = sql if sql is not None else _read_sql(file)
    settings = resolve_settings(warehouse)
    try:
        result = query_arrow(settings.warehouse, text)
    except NewsflowError as exc:
        _fail(str(exc))
    _write_result(result, fmt, output)


def _read_sql(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"{file}: cannot read ({exc.strerror})")


def _write_result(result, fmt: Format, output: Optional[Path]) -> None:
    columns = result.column_names
    rows = [tuple(r[c] for c in columns) for r in result.to_pylist()]
    if fmt is Format.parquet:
        import pyarrow.parquet as pq

        pq.write_table(result, output)
        console.print(f"wrote {len(rows)} rows to {output}")
        return
    if fmt is Format.table and output is None:
        _print_table(columns, rows)
        return
    import csv
    import io

    buf = io.StringIO()
    if fmt is Format.json:
        buf.write(json.dumps([dict(zip(columns, r)) for r in rows], default=str, ensure_ascii=False) + "\n")
    else:  # csv, and a table asked for a file
        w = csv.writer(buf)
        w.writerow(columns)
        w.writerows(rows)
    if output is None:
        sys.stdout.write(buf.getvalue())
    else:
        output.write_text(buf.getvalue(), encoding="utf-8")
        console.print(f"wrote {len(rows)} rows to {output}")


def _print_table(columns: list[str], rows: list[tuple]) -> None:
    t = Table(show_header=True, header_style="bold")
    for c in columns:
        t.add_column(c)
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    out.print(t)
    out.print(f"{len(rows)} rows")


@app.command()
def validate(warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Re-run the Great Expectations suites against everything in the warehouse.

    Results go to validation_results and the Data Docs (HTML) under the quality/ folder beside
    the warehouse. Exits with status 1 when a blocking check fails.
    """
    settings = resolve_settings(warehouse)
    from flows.validate import validate_warehouse

    try:
        with console.status("validating the warehouse…"):
            run_id, results = validate_warehouse(settings)
    except NewsflowError as exc:
        _fail(str(exc))
    failed = [r for r in results if not r.success]
    _print_table(["table", "check", "column", "blocking", "unexpected", "sample"],
                 [(r.table, r.expectation, r.column or "", "yes" if r.blocking else "warning", r.unexpected_count,
                   ", ".join(r.sample[:3])) for r in failed])
    blocking = sum(1 for r in failed if r.blocking)
    out.print(f"{len(results)} checks, {blocking} blocking failures, {len(failed) - blocking} warnings; "
              f"run {run_id}; Data Docs: {settings.quality_dir / 'index.html'}")
    if blocking:
        raise typer.Exit(1)


@app.command()
def serve(
    seeds_dir: Path = typer.Argument(Path("seeds"), help="The drop folder to pick new seeds up from."),
    interval: Optional[float] = typer.Option(None, "--interval", min=1, help="Run every this many seconds."),
    cron: Optional[str] = typer.Option(None, "--cron", help='Run on a cron schedule, e.g. "*/15 * * * *".'),
    watch: bool = typer.Option(False, "--watch", help="Also start a run soon after a new file settles in the folder."),
    warehouse: Optional[Path] = WarehouseOpt,
    model: Optional[str] = typer.Option(None, envvar="NEWSFLOW_MODEL", help="spaCy model package or path."),
    settle_seconds: float = typer.Option(2.0, min=0, help="Files modified more recently than this wait for the next run."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's own logs."),
) -> None:
    """Serve the `ingest` flow on a schedule until Ctrl-C.

    Uses the Prefect server at PREFECT_API_URL when set; otherwise starts a local one (SQLite,
    127.0.0.1, a free port) beside the warehouse and stops it on exit. Each scheduled run takes
    only new or changed seeds, so an idle run costs little and loads nothing; runs never overlap.
    """
    import os
    import signal

    if (interval is None) == (cron is None):
        _fail("give exactly one of --interval SECONDS or --cron EXPR")
    if not seeds_dir.is_dir():
        _fail(f"{seeds_dir}: no such folder")
    settings = resolve_settings(warehouse, model=model)
    from flows import prefect_env
    from flows.prefect_server import prefect_server

    prefect_env.configure(settings.warehouse_prefect_home, verbose)
    # The runner looks for due runs every 10 s by default: too slow for short intervals.
    os.environ.setdefault("PREFECT_RUNNER_POLL_FREQUENCY", str(max(1, min(10, int((interval or 60) / 3)))))
    from flows.progress import set_listener

    set_listener(lambda msg: console.print(f"[dim]·[/] {msg}"))
    # SIGTERM ends the service like Ctrl-C does, so the server it started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    parameters = {"seeds": [str(seeds_dir.resolve())], "warehouse": str(settings.warehouse), "model": settings.model,
                  "settle_seconds": settle_seconds}
    try:
        with prefect_server(settings.warehouse_prefect_home) as api_url:
            os.environ["PREFECT_API_URL"] = api_url
            every = f"every {interval:g}s" if interval else f"on cron '{cron}'"
            console.print(f"newsflow: serving ingest of {seeds_dir} {every}{' and on new files' if watch else ''}; "
                          f"Prefect UI at {api_url.removesuffix('/api')}; Ctrl-C stops")
            from flows.serve import serve as serve_flow

            serve_flow(seeds_dir.resolve(), parameters, interval, cron, watch, settle_seconds)
    except KeyboardInterrupt:
        pass
    except NewsflowError as exc:
        _fail(str(exc))
    console.print("newsflow: stopped")


@app.command()
def status(warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Last runs, rows per table, last validation verdicts and quarantined files."""
    from warehouse.query import status_report

    settings = resolve_settings(warehouse)
    try:
        report = status_report(settings.warehouse)
    except NewsflowError as exc:
        _fail(str(exc))
    for title, (columns, rows) in report.items():
        out.print(f"[bold]{title}[/]")
        _print_table(columns, rows)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)


if __name__ == "__main__":
    main()
