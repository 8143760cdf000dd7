"""Data-quality checks: every lake table of a batch against its Great Expectations suite.

Suites are JSON files in expectations/<table>.json, loaded at run time. Each expectation's
meta.blocking says whether a failure keeps the offending documents out of the warehouse (they are
quarantined) or is only recorded as a warning. Cross-table references use suite parameters
are derived columns (`<column>_known`), computed here from the batch and the warehouse: a suite
parameter holding every id would be copied by Great Expectations for each expectation it checks,
which cost seconds per batch and grew with the warehouse.
"""
from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pyarrow as pa

from tasks.core.errors import DataFileError
from tasks.core.schemas import TABLES
from tasks.core.prefect_task import batch_task

EXPECTATIONS_DIR = Path(os.environ.get("NEWSFLOW_EXPECTATIONS", Path(__file__).resolve().parents[2] / "expectations"))
"""The suites' folder: the project's expectations/ unless NEWSFLOW_EXPECTATIONS points elsewhere."""

SAMPLE_SIZE = 5


@dataclass
class CheckResult:
    table: str
    expectation: str
    column: str | None
    blocking: bool
    success: bool
    unexpected_count: int
    sample: list = field(default_factory=list)
    failing_articles: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return f"{self.table}.{self.expectation}" + (f"({self.column})" if self.column else "")


def load_suite(table: str, directory: Path = EXPECTATIONS_DIR) -> dict:
    path = Path(directory) / f"{table}.json"
    try:
        suite = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataFileError(str(path), None, f"expectation suite missing ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(str(path), exc.lineno, f"expectation suite is not valid JSON ({exc.msg})") from exc
    if not isinstance(suite.get("expectations"), list):
        raise DataFileError(str(path), None, "expectation suite has no 'expectations' list")
    return suite


@lru_cache(maxsize=4)
def _checkpoints(directory: Path, quality_dir: Path | None):
    """(context, table -> checkpoint), built once per process, suites folder and report folder: one
    ephemeral Great Expectations context (building one costs far more than a check), each suite
    registered once, and with `quality_dir` a Data Docs site there (built by build_data_docs)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations.data_context.types.base"):
        logging.getLogger(name).setLevel(logging.ERROR)
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    if quality_dir is not None:
        ctx.add_data_docs_site("newsflow", {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(quality_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    source = ctx.data_sources.add_pandas("newsflow")
    checkpoints = {}
    for table in TABLES:
        data = load_suite(table, directory)
        suite = ctx.suites.add(gx.ExpectationSuite(name=data.get("name", table), expectations=data["expectations"]))
        batch = source.add_dataframe_asset(table).add_batch_definition_whole_dataframe("batch")
        definition = ctx.validation_definitions.add(gx.ValidationDefinition(name=table, data=batch, suite=suite))
        checkpoints[table] = ctx.checkpoints.add(gx.Checkpoint(
            name=f"newsflow_{table}", validation_definitions=[definition], actions=[],
            result_format={"result_format": "COMPLETE"}))
    return ctx, checkpoints


_SPANS = {"entities": ("start_char", "end_char", "text", "text_matches_body"),
          "events": ("trigger_start", "trigger_end", "trigger", "trigger_matches_body")}
"""Per table with offsets: (start, end, text, name of the check column)."""

_REFERENCES = {"comments": {"article_id": "articles"},
               "entities": {"doc_id": "documents"},
               "events": {"doc_id": "documents", "actor_entity_id": "entities",
                          "target_entity_id": "entities", "location_entity_id": "entities"}}
"""Per table, the columns that must name an existing row, and which ids they may name."""


def _known(values, ids: set[str]) -> list:
    return [None if v is None else v in ids for v in values]


def _with_derived_columns(name: str, table: pa.Table, texts: dict[str, str], ids: dict[str, set[str]]):
    """The table as a pandas frame, with the columns the suites check that are computed from the
    document texts (offset integrity) and from the ids the batch and the warehouse hold (references)."""
    frame = table.to_pandas()
    if name in _SPANS:
        start, end, text, check = _SPANS[name]
        bodies = [texts.get(d, "") for d in frame["doc_id"]]
        frame["doc_length"] = [len(b) for b in bodies]
        frame[check] = [b[s:e] == t for b, s, e, t in zip(bodies, frame[start], frame[end], frame[text])]
    for column, kind in _REFERENCES.get(name, {}).items():
        # From Arrow: pandas turns a missing id into NaN, which is not null to a set lookup.
        frame[f"{column}_known"] = _known(table.column(column).to_pylist(), ids[kind])
    return frame


_ROW_KEY = {"articles": "article_id", "comments": "comment_id", "entities": "doc_id", "events": "doc_id"}
"""The column whose value the batch itself produced, to trace a failing row to its article even
when the row's own article_id is what is broken."""


def validate_tables(tables: dict[str, pa.Table], texts: dict[str, str], known_entity_ids: set[str] = frozenset(),
                    owners: dict[str, str] | None = None, directory: Path = EXPECTATIONS_DIR,
                    quality_dir: Path | None = None) -> list[CheckResult]:
    """Run every suite against its table; `texts` maps doc_id -> body for the offset checks and
    `owners` maps doc_id -> article_id (the batch's documents) to trace failing rows. With
    `quality_dir`, the results are kept for build_data_docs."""
    owners = owners or {}
    articles = set(tables["articles"].column("article_id").to_pylist())
    ids = {"articles": articles,
           "documents": articles | set(tables["comments"].column("comment_id").to_pylist()),
           "entities": set(tables["entities"].column("entity_id").to_pylist()) | set(known_entity_ids)}
    run_identifier = _run_identifier()
    results: list[CheckResult] = []
    for name, table in tables.items():
        frame = _with_derived_columns(name, table, texts, ids)
        checkpoint = _checkpoints(Path(directory), Path(quality_dir) if quality_dir else None)[1][name]
        # The checkpoint's one validation definition, run directly: Checkpoint.run adds only a
        # second freshness check of the same suite and data (~8% of the checks' processor time)
        # and a result object nothing reads (it has no actions); the stored validation result
        # that Data Docs render is the same.
        [definition] = checkpoint.validation_definitions
        outcome = definition.run(checkpoint_id=checkpoint.id, batch_parameters={"dataframe": frame},
                                 result_format=checkpoint.result_format, run_id=run_identifier)
        for r in outcome.results:
            cfg = r.expectation_config
            result = r.result or {}
            indices = result.get("unexpected_index_list") or []
            failing: set[str] = set()
            if not r.success and "article_id" in frame.columns:
                rows = [i for i in indices if isinstance(i, int)] if indices else list(range(len(frame)))
                keys, fallback = frame[_ROW_KEY[name]], frame["article_id"]
                failing = {owners.get(keys.iat[i], fallback.iat[i]) for i in rows}
                failing.discard(None)
            sample = [v for v in (result.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
            results.append(CheckResult(
                table=name,
                expectation=cfg.type,
                column=cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", [])) or
                (f"{cfg.kwargs['column_A']},{cfg.kwargs['column_B']}" if "column_A" in cfg.kwargs else None),
                blocking=bool((cfg.meta or {}).get("blocking", True)),
                success=bool(r.success),
                unexpected_count=int(result.get("unexpected_count") or (0 if r.success else len(failing))),
                sample=[str(v) for v in sample],
                failing_articles=failing,
            ))
    return results


def _run_identifier():
    """The Data Docs' run name: the flow run's id inside an ingest run (it is pipeline_runs.run_id,
    so a Data Docs row leads to its run), else `validate-` and the time; never GX's `__none__`."""
    from datetime import datetime, timezone

    from great_expectations.core.run_identifier import RunIdentifier
    from prefect.runtime import flow_run

    now = datetime.now(timezone.utc)
    flow_run_id = flow_run.get_id()
    return RunIdentifier(run_name=str(flow_run_id) if flow_run_id else f"validate-{now:%Y%m%dT%H%M%SZ}", run_time=now)


def warm_up(quality_dir: Path | None, directory: Path = EXPECTATIONS_DIR) -> None:
    """Build the context and run every suite once on empty tables, so the first real batch does
    not pay for Great Expectations' start-up (the flow does this while spaCy works)."""
    empty = {name: schema.empty_table() for name, schema in TABLES.items()}
    # The first run of each check pays GE's lazy imports; run it on a context of its own so that
    # these empty validations stay out of the run's Data Docs.
    validate_tables(empty, {}, directory=directory, quality_dir=None)
    _checkpoints(Path(directory), Path(quality_dir) if quality_dir else None)


def build_data_docs(quality_dir: Path, directory: Path = EXPECTATIONS_DIR) -> Path:
    """Render the Data Docs for every validation this process ran into `quality_dir`, once per
    run rather than once per batch, readable offline; returns the index page."""
    context, _ = _checkpoints(Path(directory), Path(quality_dir))
    context.build_data_docs()
    for page in Path(quality_dir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        offline = offline_data_docs_page(text, os.path.relpath(Path(quality_dir) / "static", page.parent))
        if offline != text:
            page.write_text(offline, encoding="utf-8")
    return Path(quality_dir) / "index.html"


_REMOTE_ASSET = re.compile(r"""<script\b[^>]*\bsrc=["']https?://[^"']*["'][^>]*>\s*</script>\s*|"""
                           r"""<link\b[^>]*\bhref=["']https?://[^"']*["'][^>]*>\s*""", re.I)
_REMOTE_IMAGE = re.compile(r"""(<img\b[^>]*\bsrc=)["']https?://[^"']*["']""", re.I)
_REMOTE_CSS_URL = re.compile(r"""url\(\s*['"]?https?://[^)]*\)""", re.I)
_TABLE_SCRIPT = re.compile(r"""<table\s+id="(?P<id>[^"]+)"[^>]*data-toggle="table"[^>]*>\s*</table>""")
_TABLE_DATA = re.compile(r"""\$\('#(?P<id>[^']+)'\)\.bootstrapTable\(\s*Object\.assign\(\s*\{\s*columns:\s*(?P<columns>\[.*?\]),"""
                         r"""\s*data:\s*(?P<data>\[.*?\]),\s*toolbar:""", re.S)
_INLINE_SCRIPT = re.compile(r"<script>(?:(?!</script>).)*</script>", re.S)
_ICON = re.compile(r"""<i class="fas? fa-(?P<name>[\w-]+)[^"]*"[^>]*>\s*</i>""")
_OFFLINE_CSS = """<style>
/* newsflow: Great Expectations loads Bootstrap, jQuery and its table plugin from CDNs; offline,
   its pages keep their own markup with these few rules instead. */
body { font-family: system-ui, sans-serif; margin: 0 24px 40px; color: #222; }
.modal, .ge-walkthrough-modal, button[onclick], #ge-cta-footer, .navbar-toggler { display: none !important; }
footer, .fixed-bottom, .sticky-top { position: static !important; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border-bottom: 1px solid #ddd; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; }
.text-success, .ok { color: #1e7b34; } .text-danger, .bad { color: #b3261e; }
.cooltip .top { display: none; }
nav ol, nav ul { list-style: none; padding: 0; } nav li { display: inline; margin-right: 12px; }
.card { border: 1px solid #e3e6ea; border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
</style>"""
_ICONS = {"check-circle": '<span class="ok">&#10004;</span>', "check": '<span class="ok">&#10004;</span>',
          "times": '<span class="bad">&#10008;</span>', "times-circle": '<span class="bad">&#10008;</span>'}


def offline_data_docs_page(text: str, static: str) -> str:
    """A Data Docs page that shows its content with no network: the CDN scripts and stylesheets
    dropped, the tables that GX's jQuery plugin would fill rendered as plain HTML, the scripts
    that need jQuery removed, icons as characters, the remote logo taken from the site's own
    static/ folder (`static` is its path relative to the page)."""
    import ast
    import html as html_lib

    tables = {}
    for m in _TABLE_DATA.finditer(text):
        try:
            tables[m["id"]] = (ast.literal_eval(m["columns"]), ast.literal_eval(m["data"]))
        except (ValueError, SyntaxError):
            continue  # that table stays empty; the rest of the page still reads

    def static_table(m: re.Match) -> str:
        if m["id"] not in tables:
            return m.group(0)
        columns, rows = tables[m["id"]]
        head = "".join(f"<th>{html_lib.escape(str(c.get('title', c.get('field'))))}</th>" for c in columns)
        body = []
        for row in rows:
            cells = "".join(f"<td>{row.get(c.get('field'), '')}</td>" for c in columns)  # GX's own HTML
            link = row.get("_table_row_link_path")
            cells += f'<td><a href="{html_lib.escape(link)}">open</a></td>' if link else "<td></td>"
            body.append(f"<tr>{cells}</tr>")
        return f'<table id="{m["id"]}"><thead><tr>{head}<th></th></tr></thead><tbody>{"".join(body)}</tbody></table>'

    text = _TABLE_SCRIPT.sub(static_table, text)
    text = _INLINE_SCRIPT.sub(lambda m: "" if "$(" in m.group(0) or "$." in m.group(0) else m.group(0), text)
    text = _REMOTE_ASSET.sub("", text)
    text = _REMOTE_IMAGE.sub(lambda m: f'{m.group(1)}"{static}/images/logo-long.png"', text)
    text = _REMOTE_CSS_URL.sub("none", text)
    text = _ICON.sub(lambda m: _ICONS.get(m["name"], ""), text)
    if _OFFLINE_CSS not in text:
        text = text.replace("</head>", _OFFLINE_CSS + "</head>", 1)
    return text


def blocked_articles(results: list[CheckResult]) -> dict[str, str]:
    """article_id -> the first blocking check it failed."""
    out: dict[str, str] = {}
    for r in results:
        if r.blocking and not r.success:
            for a in r.failing_articles:
                out.setdefault(a, r.name)
    return out



def apply_verdict(results: list[CheckResult], articles_by_source: dict[str, list[str]]):
    """The seed files whose articles failed a blocking check are kept out whole.

    Returns (excluded article ids, {source_key: reason} of rejected files, source_keys that load)."""
    blocked = blocked_articles(results)
    rejected: dict[str, str] = {}
    for source, article_ids in articles_by_source.items():
        for a in article_ids:
            if a in blocked:
                rejected[source] = f"failed blocking check {blocked[a]}"
                break
    excluded = [a for s in rejected for a in articles_by_source[s]]
    loading = [s for s in articles_by_source if s not in rejected]
    return excluded, rejected, loading


def result_rows(results: list[CheckResult]) -> list[dict]:
    return [{"table": r.table, "expectation": r.expectation, "column": r.column, "blocking": r.blocking,
             "success": r.success, "unexpected_count": r.unexpected_count, "sample": r.sample} for r in results]


@batch_task(name="validate")
def validate_task(tables: dict[str, pa.Table], texts: dict[str, str], known_entity_ids: set[str],
                  owners: dict[str, str], quality_dir: Path) -> list[CheckResult]:
    """One batch's tables against their Great Expectations suites; Data Docs in `quality_dir`."""
    return validate_tables(tables, texts, known_entity_ids, owners, quality_dir=quality_dir)


@batch_task(name="data-docs")
def data_docs_task(quality_dir: Path) -> Path:
    """The run's Great Expectations Data Docs."""
    return build_data_docs(quality_dir)
