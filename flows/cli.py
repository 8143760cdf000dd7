"""The `newsflow` command line: run the ingest flow, query the warehouse, see its status."""
from __future__ import annotations

import json
import os
import sys
import time
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tasks.core.errors import NewsflowError
from tasks.core.settings import DEFAULT_WAREHOUSE, resolve_settings

app = typer.Typer(
    help="newsflow: news pages and their reader comments -> Parquet lake -> validated DuckDB warehouse.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
def _no_type_tag_on_flags() -> None:
    """Typer's help shows every option's type, flags included (`--verbose <bool>`): a flag takes no
    value, so it gets no tag, as in click, argparse and git."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    TyperOption.display_type_rich = lambda self, ctx: None if self.is_flag else shown(self, ctx)


_no_type_tag_on_flags()
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
    # Whole and as written: DuckDB's messages carry candidates and a caret under the error, and
    # brackets that are not Rich markup.
    console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
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
    if task_runner is Runner.local:
        from flows.progress_display import show_progress
        from flows.quick_run import run_if_nothing_new

        stop_progress = show_progress(console)
        try:
            summary = run_if_nothing_new(resolve_settings(warehouse, model=model, lake=lake, settle_seconds=settle_seconds),
                                         list(seeds), recursive, prune)
        finally:
            stop_progress()
        if summary is not None:
            _print_summary(summary)
            _refresh_report(settings.warehouse, summary)
            raise typer.Exit(run_exit_code(summary))
    if not verbose:
        # Prefect logs a failed flow's traceback itself; newsflow says what failed in one line
        # (-v shows Prefect's own logs, tracebacks included).
        os.environ["PREFECT_LOGGING_LEVEL"] = "CRITICAL"
    from flows import prefect_env

    try:
        home = prefect_env.configure(settings.prefect_home, verbose, fallback_home=settings.warehouse_prefect_home)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        api_ready = prefect_env.start_temporary_api(home)
    except OSError as exc:
        _fail_plain(environment_problem(exc, settings.data_dir)
                    or f"{_escape(str(exc.filename or settings.data_dir))}: {exc.strerror}", RunExit.CANNOT_RUN)
    from flows.progress_display import show_progress

    from tasks.nlp.model_names import model_installed

    if n_process > 1 and task_runner is Runner.local and model_installed(settings.model):
        # There is something to do (a rerun with nothing new answered above): the workers load
        # spaCy while Prefect's API server starts.
        from tasks.nlp.pool import start_workers

        start_workers(settings.model, n_process)
    stop_progress = show_progress(console)
    console.print(f"newsflow: ingesting {_escape(', '.join(seeds))} into {settings.warehouse}", markup=False,
                  soft_wrap=True)
    try:
        with console.status("starting Prefect…"):
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
    finally:
        stop_progress()
    _print_summary(summary)
    _refresh_report(settings.warehouse, summary)
    raise typer.Exit(run_exit_code(summary))


def _fail_plain(message: str, code: int) -> None:
    """_fail for text that may hold file names: printed literally, never as Rich markup."""
    _fail(message, code)


def run_exit_code(s: dict) -> int:
    if s["status"] == "skipped":
        return RunExit.SKIPPED
    if s.get("files_quarantined") or s.get("checks_failed"):
        return RunExit.PARTIAL
    return RunExit.LOADED


def _escape(text: str) -> str:
    from flows.ingest import escape

    return escape(text)


def _record_report_seconds(warehouse: Path, run_id: str | None, seconds: float) -> None:
    """The report's drawing time, as the run's last stage in run_stages."""
    if not run_id:
        return
    from warehouse import load
    from warehouse.db import writer

    with writer(warehouse) as con:
        load.record_stages(con, [{"run_id": run_id, "stage": "report", "clock": "flow", "seconds": round(seconds, 3)}])


def _refresh_report(warehouse: Path, summary: dict) -> None:
    """After a run: redraw the report when the run loaded something (or there is none yet), and
    say where it is. A report that cannot be drawn does not fail the run that loaded the data."""
    from warehouse.report import build_report, default_report_path

    path = default_report_path(warehouse)
    if summary.get("status") == "skipped":
        return
    loaded = sum(summary.get(t, 0) for t in ("articles", "comments", "entities", "events"))
    if loaded or not path.exists():
        try:
            started = time.perf_counter()
            path = build_report(warehouse).path
            _record_report_seconds(warehouse, summary.get("run_id"), time.perf_counter() - started)
        except Exception as exc:
            console.print(f"[yellow]report not updated:[/] {exc}")
            return
    out.print(f"report: {path}")


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
    sql: Optional[str] = typer.Argument(None, help="One SQL statement to run (read-only)."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", help="Read the SQL from this file."),
    fmt: Format = typer.Option(Format.table, "--format", help="Output format (parquet needs --output)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the result to this file instead of the screen."),
    timeout: float = typer.Option(60.0, "--timeout", min=0, help="Stop the query after this many seconds (0: no limit)."),
    memory_limit: str = typer.Option("2GB", "--memory-limit", help="DuckDB memory limit for the query (the SQL cannot raise it)."),
    threads: int = typer.Option(2, "--threads", min=1, help="DuckDB threads for the query (the SQL cannot raise them)."),
    warehouse: Optional[Path] = WarehouseOpt,
) -> None:
    """Run one SQL statement against the warehouse, read-only, and print the result.

    The connection cannot write to the warehouse nor read or write files outside it, and its
    limits (--timeout, --memory-limit, --threads) cannot be changed by the SQL. While a run is
    loading, the query waits a few seconds, then says so.
    """
    from warehouse.query import QueryLimits, query_arrow

    if (sql is None) == (file is None):
        _fail("give either SQL or --file FILE")
    if fmt is Format.parquet and output is None:
        _fail("--format parquet writes a file: add --output FILE")
    text = sql if sql is not None else _read_sql(file)
    settings = resolve_settings(warehouse)
    limits = QueryLimits(timeout_seconds=timeout, memory_limit=memory_limit, threads=threads)
    try:
        result = query_arrow(settings.warehouse, text, limits=limits)
    except NewsflowError as exc:
        _fail(str(exc))
    _write_result(result, fmt, output)


class Kind(str, Enum):
    article = "article"
    comment = "comment"


class SearchFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


@app.command()
def search(
    words: str = typer.Argument(..., help='What to look for, e.g. "rocket attack" (stemmed: "rocket" finds "rockets").'),
    kind: Optional[Kind] = typer.Option(None, "--kind", help="Only articles or only comments."),
    since: Optional[str] = typer.Option(None, "--since", metavar="DATE", help="Only documents published (comments: posted) on or after DATE (YYYY-MM-DD)."),
    entity: Optional[str] = typer.Option(None, "--entity", metavar="ENTITY_ID", help="Only documents that mention this canonical entity (entity_catalog.entity_id, e.g. gpe:usa)."),
    limit: int = typer.Option(10, "--limit", "-n", min=1, help="Most hits to show."),
    fmt: SearchFormat = typer.Option(SearchFormat.table, "--format", help="Output format."),
    warehouse: Optional[Path] = WarehouseOpt,
) -> None:
    """Full-text search over articles and comments, best match first (BM25).

    Each hit shows its score, whether it is an article or a comment, the article's title, the
    date, and a snippet with the matched words marked **like this**. SQL users get the same from
    the table macro search_documents('words') in `newsflow query`.
    """
    from datetime import date

    from warehouse.search import search as run_search

    try:
        since_date = date.fromisoformat(since) if since else None
    except ValueError:
        _fail(f"--since {since!r}: give a date as YYYY-MM-DD")
    settings = resolve_settings(warehouse)
    try:
        hits = run_search(settings.warehouse, words, kind=kind.value if kind else None, since=since_date,
                          entity=entity, limit=limit)
    except NewsflowError as exc:
        _fail(str(exc))
    if fmt is SearchFormat.table:
        _print_hits(hits)
    else:
        _write_result(hits, Format(fmt.value), None)
    if hits.num_rows == 0:
        console.print(f"no documents match {words!r}")


def _print_hits(hits) -> None:
    import re

    from rich.markup import escape

    rows = hits.to_pylist()
    # Seeds without metadata have no title or date: no column of blanks for them.
    shown = [c for c in ("title", "date") if any(h[c] for h in rows)]
    t = Table(show_header=True, header_style="bold")
    for c in ("score", "kind", *[c for c in shown if c == "date"]):
        t.add_column(c, no_wrap=True)
    if "title" in shown:
        t.add_column("title", max_width=32)
    t.add_column("snippet", ratio=1, min_width=40)
    t.add_column("doc_id", overflow="fold", max_width=20)
    for h in rows:
        snippet = re.sub(r"\*\*(.+?)\*\*", r"[bold yellow]\1[/]", escape(h["snippet"] or ""))
        t.add_row(f"{h['score']:.3f}", h["kind"], *[str(h["date"] or "") for c in shown if c == "date"],
                  *[escape(h["title"] or "") for c in shown if c == "title"], snippet, h["doc_id"])
    if hits.num_rows:
        out.print(t)


def _read_sql(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as exc:
        _fail(f"{file}: cannot read ({exc.strerror})")


def _write_result(result, fmt: Format, output: Optional[Path]) -> None:
    from flows.render import json_records, print_table

    if fmt is Format.parquet:
        import pyarrow.parquet as pq

        pq.write_table(result, output)
        console.print(f"wrote {result.num_rows} rows to {output}")
        return
    columns = result.column_names
    if fmt is Format.table and output is None:
        print_table(columns, [tuple(r[c] for c in columns) for r in result.to_pylist()], out)
        return
    import csv
    import io

    buf = io.StringIO()
    if fmt is Format.json:
        buf.write(json.dumps(json_records(result), ensure_ascii=False) + "\n")
    else:  # csv, and a table asked for a file
        w = csv.writer(buf)
        w.writerow(columns)
        w.writerows(tuple(r[c] for c in columns) for r in result.to_pylist())
    if output is None:
        sys.stdout.write(buf.getvalue())
    else:
        output.write_text(buf.getvalue(), encoding="utf-8")
        console.print(f"wrote {result.num_rows} rows to {output}")


def _print_table(columns: list[str], rows: list[tuple]) -> None:
    from flows.render import print_table

    print_table(columns, rows, out)


EXIT_CHECKS_FAILED = 1
"""`newsflow validate`: a blocking check failed."""
EXIT_CANNOT_RUN = RunExit.CANNOT_RUN.value  # the same code as `run`'s: could not run
"""`newsflow validate`: it could not run (the warehouse or its quality folder is read-only, ...)."""


@app.command()
def validate(warehouse: Optional[Path] = WarehouseOpt) -> None:
    """Re-run the Great Expectations suites against everything in the warehouse.

    Results go to validation_results and the Data Docs (HTML) under the quality/ folder beside
    the warehouse. Exits with status 1 when a blocking check fails, 5 when it cannot run (a
    read-only or missing warehouse).
    """
    settings = resolve_settings(warehouse)
    from flows.validate import validate_warehouse
    from warehouse.db import why_not_writable

    problem = why_not_writable(settings.warehouse, settings.quality_dir)
    if problem:
        _fail(problem, EXIT_CANNOT_RUN)
    try:
        with console.status("validating the warehouse…"):
            run_id, results = validate_warehouse(settings)
    except NewsflowError as exc:
        _fail(str(exc), EXIT_CANNOT_RUN)
    failed = [r for r in results if not r.success]
    _print_table(["table", "check", "column", "blocking", "unexpected", "sample"],
                 [(r.table, r.expectation, r.column or "", "yes" if r.blocking else "warning", r.unexpected_count,
                   ", ".join(r.sample[:3])) for r in failed])
    blocking = sum(1 for r in failed if r.blocking)
    out.print(f"{len(results)} checks, {blocking} blocking failures, {len(failed) - blocking} warnings; "
              f"run {run_id}; Data Docs: {settings.quality_dir / 'index.html'}")
    if blocking:
        raise typer.Exit(EXIT_CHECKS_FAILED)


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

    # One line per message, whatever the width (a log file's reader greps for whole paths), and
    # file names printed as text, never read as Rich markup.
    set_listener(lambda msg: console.print(f"[dim]·[/] {escape(msg)}", soft_wrap=True))
    # SIGTERM ends the service like Ctrl-C does, so the server it started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    parameters = {"seeds": [str(seeds_dir.resolve())], "warehouse": str(settings.warehouse), "model": settings.model,
                  "settle_seconds": settle_seconds}
    try:
        with prefect_server(settings.warehouse_prefect_home) as api_url:
            os.environ["PREFECT_API_URL"] = api_url
            every = f"every {interval:g}s" if interval else f"on cron '{cron}'"
            console.print(f"newsflow: serving ingest of {escape(str(seeds_dir))} {every}"
                          f"{' and on new files' if watch else ''}; Prefect UI at {api_url.removesuffix('/api')}; "
                          "Ctrl-C stops", soft_wrap=True)
            from flows.serve import serve as serve_flow

            serve_flow(seeds_dir.resolve(), parameters, interval, cron, watch, settle_seconds)
    except KeyboardInterrupt:
        pass
    except NewsflowError as exc:
        _fail(str(exc))
    console.print("newsflow: stopped")


class StatusFormat(str, Enum):
    table = "table"
    json = "json"


@app.command()
def report(
    warehouse: Optional[Path] = WarehouseOpt,
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="HTML file to write (default: report.html beside the warehouse)."),
    since: Optional[str] = typer.Option(None, "--since", help="Only events dated, and documents published, on or after this day (YYYY-MM-DD)."),
    open_: bool = typer.Option(False, "--open", help="Open the report in the default browser."),
) -> None:
    """Draw one self-contained HTML report from the warehouse views: events over time, who acts on
    whom, places, what articles and comments talk about, tone, and data quality.

    The file has every script and style inlined, so it opens from disk with no network.
    """
    from datetime import date

    from warehouse.report import build_report

    settings = resolve_settings(warehouse)
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError:
        _fail(f"--since {since}: not a date; use YYYY-MM-DD")
    try:
        result = build_report(settings.warehouse, output, day)
    except NewsflowError as exc:
        _fail(str(exc))
    for note in result.notes:
        console.print(f"[dim]·[/] {note}")
    out.print(f"report: {result.path} ({len(result.charts)} charts, {result.size_bytes / 1e6:.1f} MB, "
              f"{result.seconds:.1f}s)")
    if open_:
        import webbrowser

        webbrowser.open(result.path.resolve().as_uri())


@app.command()
def status(
    fmt: StatusFormat = typer.Option(StatusFormat.table, "--format", help="table, or json for programs."),
    warehouse: Optional[Path] = WarehouseOpt,
) -> None:
    """Last runs, rows per table, last validation verdicts and quarantined files."""
    from flows.render import json_records, print_table
    from warehouse.query import status_report
    from warehouse.search import index_status

    settings = resolve_settings(warehouse)
    try:
        report = status_report(settings.warehouse, for_programs=fmt is StatusFormat.json)
    except NewsflowError as exc:
        _fail(str(exc))
    if fmt is StatusFormat.json:
        sys.stdout.write(json.dumps({title.replace(" ", "_"): json_records(table) for title, table in report.items()},
                                    ensure_ascii=False) + "\n")
        return
    for title, table in report.items():
        out.print(f"[bold]{title}[/]")
        columns = table.column_names
        print_table(columns, [tuple(r[c] for c in columns) for r in table.to_pylist()], out)
    out.print(index_status(settings.warehouse))


def _version(show: bool) -> None:
    if show:
        from importlib.metadata import version

        out.print(f"newsflow {version('newsflow')}")
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")) -> None:
    """newsflow: news pages and their reader comments -> Parquet lake -> validated DuckDB warehouse."""


def main() -> None:
    from flows.leave import leave

    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        leave(130)
    except SystemExit as exc:
        leave(exc.code)


if __name__ == "__main__":
    main()
