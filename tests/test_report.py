"""`newsflow report` as a user meets it: the sample warehouse loaded by the real CLI, the report
drawn by the CLI, and looked at in a real browser with the network cut off."""
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, newsflow_cli, settle

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("NEWSFLOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ENABLE = ("to run it: `apt-get install -y chromium` (Debian; .ci/run does this) and "
          "`pip install -e '.[test]'` (Playwright, which drives that browser and downloads none)")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample seeds (seeds/ and seeds/examples/) plus one unreadable page, loaded by
    `newsflow run`; returns (warehouse, the run's stdout)."""
    root = tmp_path_factory.mktemp("sample")
    seeds = root / "seeds"
    shutil.copytree(ROOT / "seeds", seeds)
    (seeds / "broken.json").write_text('{"title": "cut off', encoding="utf-8")
    for f in seeds.rglob("*"):
        settle(f)
    wh = root / "data" / "newsflow.duckdb"
    run = newsflow_cli("run", "-r", seeds, "-w", wh)
    assert run.returncode == 3, run.stdout + run.stderr  # loaded, one file quarantined
    return wh, run.stdout


def _copy(wh: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data" / "newsflow.duckdb"
    target.parent.mkdir(parents=True)
    shutil.copy(wh, target)
    return target


def _external_references(page: str) -> list[str]:
    """src/href attributes of the page's elements (not text inside its scripts) that leave the file."""
    from html.parser import HTMLParser

    found = []

    class Refs(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend(v for k, v in attrs if k in ("src", "href") and v and not v.startswith("#"))

    Refs().feed(page)
    return found


def _report(wh: Path, out: Path, *args) -> str:
    result = newsflow_cli("report", "-w", wh, "-o", out, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_run_ends_by_saying_where_the_report_is(sample):
    wh, stdout = sample
    report = wh.parent / "report.html"
    assert f"report: {report}" in stdout.replace("\n", "")
    assert report.stat().st_size > 0


def test_report_is_one_self_contained_file_with_every_section(sample, tmp_path):
    wh, _ = sample
    out = tmp_path / "r.html"
    said = _report(wh, out)
    assert f"report: {out}" in said.replace("\n", "") and "8 charts" in said
    page = out.read_text(encoding="utf-8")
    # Nothing to fetch: no element loads a script, stylesheet, font or image from elsewhere.
    assert _external_references(page) == []
    assert "<script src" not in page and "<link" not in page
    for title in ["Events over time", "Who acts on whom", "Where", "What articles and comments talk about",
                  "Tone", "Data quality"]:
        assert f"<h2>{title}</h2>" in page
    for view in ["event_timeline", "actor_target_network", "entity_mentions_by_doc", "comment_reactions",
                 "pipeline_runs", "validation_results", "quarantine"]:
        assert f"<code>{view}</code>" in page
    # The pipeline gives places coordinates and documents a tone: the map and tone are drawn,
    # and the table by country is still there.
    assert 'data-chart="map"' in page and "<td>Iraq</td><td>IRQ</td>" in page
    assert 'data-chart="entity-tone"' in page and "Tone is not in this warehouse yet" not in page
    # The quarantined page is listed with its reason.
    assert "broken.json" in page
    con = duckdb.connect(str(wh), read_only=True)
    reason = con.execute("select reason from quarantine where source_path like '%broken.json'").fetchone()[0]
    con.close()
    assert reason.split(":")[0] in page


def test_since_keeps_later_events_and_a_bad_date_is_a_clear_error(sample, tmp_path):
    wh, _ = sample
    con = duckdb.connect(str(wh), read_only=True)
    later = con.execute("select count(*) from event_timeline where event_date >= date '2024-08-01'").fetchone()[0]
    first = con.execute("select min(event_date) from event_timeline where event_date >= date '2024-08-01'").fetchone()[0]
    con.close()
    assert later > 0
    out = tmp_path / "since.html"
    _report(wh, out, "--since", "2024-08-01")
    page = out.read_text(encoding="utf-8")
    assert f"{later} events; {later} dated from {first.isoformat()}" in page
    _report(wh, out, "--since", "2100-01-01")
    assert "No events in this range." in out.read_text(encoding="utf-8")
    bad = newsflow_cli("report", "-w", wh, "-o", out, "--since", "last week")
    assert bad.returncode == 1 and "not a date" in bad.stderr
    missing = newsflow_cli("report", "-w", tmp_path / "nowhere" / "n.duckdb")
    assert missing.returncode == 1 and "no warehouse here yet" in missing.stderr


def _enrich(wh: Path) -> None:
    """Tone values on the sample warehouse (coordinates come from the pipeline itself)."""
    con = duckdb.connect(str(wh))
    con.execute("UPDATE articles SET tone = -0.4")
    con.execute("UPDATE comments SET toxicity = CASE WHEN position % 2 = 0 THEN 0.9 ELSE 0.1 END")
    con.execute("UPDATE entities SET sentiment_score = CASE WHEN doc_kind = 'comment' THEN -0.5 ELSE 0.2 END")
    con.close()


def test_map_and_tone_are_drawn_once_their_columns_exist(sample, tmp_path):
    wh = _copy(sample[0], tmp_path)
    _enrich(wh)
    out = tmp_path / "enriched.html"
    said = _report(wh, out)
    page = out.read_text(encoding="utf-8")
    assert "8 charts" in said
    assert 'data-chart="map"' in page and 'data-chart="entity-tone"' in page and 'data-chart="toxic-share"' in page
    assert "no coordinates" not in page and "Tone is not in this warehouse yet" not in page
    assert "<h3>Article tone</h3>" in page


# ---------------------------------------------------------------- in a real browser

@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}; {ENABLE}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip(f"playwright is not installed; {ENABLE}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


MARKS = """() => [...document.querySelectorAll('figure.chart')].map(f => ({
    id: f.dataset.chart,
    marks: f.querySelectorAll('g.trace path.point, g.trace.bars path, g.points path, path.sankey-link, '
                              + 'g.scatterlayer path.point').length}))"""


def _open_offline(browser, page_path: Path):
    """The page from disk with every non-file request refused; returns (page, errors, refused)."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors, refused = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r):
        if r.request.url.startswith("file:"):
            return r.continue_()
        refused.append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(page_path.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelectorAll('figure.chart .main-svg').length > 0")
    return page, errors, refused


def test_report_draws_every_chart_in_chromium_without_network(sample, browser, tmp_path):
    out = tmp_path / "report.html"
    _report(sample[0], out)
    page, errors, refused = _open_offline(browser, out)
    charts = page.evaluate(MARKS)
    assert [c["id"] for c in charts] == ["events-by-type", "events-by-quad", "network", "map", "top-entities",
                                         "comment-only", "entity-tone", "toxic-share"]
    assert all(c["marks"] > 0 for c in charts), charts
    # Every chart's numbers are one click away.
    numbers = page.locator("figure.chart details.numbers").first
    assert not numbers.locator("table").is_visible()
    numbers.locator("summary").click()
    assert numbers.locator("table").is_visible() and numbers.locator("tbody tr").count() > 0
    # A hover shows a value.
    # Plotly listens on a layer above the bars: the pointer goes where the bar is.
    page.locator("#chart-top-entities g.trace.bars path").first.hover(force=True)
    page.wait_for_selector("#chart-top-entities g.hovertext", timeout=5000)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert errors == [] and refused == []


def test_map_and_tone_charts_draw_in_chromium(sample, browser, tmp_path):
    wh = _copy(sample[0], tmp_path)
    _enrich(wh)
    out = tmp_path / "enriched.html"
    _report(wh, out)
    page, errors, refused = _open_offline(browser, out)
    marks = {c["id"]: c["marks"] for c in page.evaluate(MARKS)}
    assert marks["map"] > 0 and marks["entity-tone"] > 0 and marks["toxic-share"] > 0, marks
    page.screenshot(path=str(tmp_path / "enriched.png"), full_page=True)
    assert errors == [] and refused == []


# ---------------------------------------------------------------- Data Docs offline

def _validation_run_names(index) -> list[str]:
    """The Run Name column of the index's validation results (the suites table has two columns)."""
    return index.eval_on_selector_all(
        "table tbody tr", "rows => rows.filter(r => r.cells.length > 5).map(r => r.cells[2].innerText.trim())")


def test_data_docs_read_offline_with_the_run_as_run_name(sample, browser, tmp_path):
    wh, _ = sample
    con = duckdb.connect(str(wh), read_only=True)
    [(run_id,)] = con.execute("select run_id from pipeline_runs where status = 'completed'").fetchall()
    con.close()
    quality = wh.parent / "quality"
    assert not list(quality.rglob("*__none__*"))
    page = browser.new_page()
    errors, refused = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
               else (refused.append(r.request.url), r.abort()))
    page.goto((quality / "index.html").as_uri())
    # Without the network, GX's own page was blank: its tables are filled by a jQuery plugin from a CDN.
    assert set(_validation_run_names(page)) >= {run_id}
    text = page.inner_text("body")
    for suite in ("articles", "comments", "entities", "events"):
        assert suite in text
    assert "__none__" not in text
    # A row leads to its validation page, which reads too, failed checks included.
    page.locator("table tbody tr a", has_text="open").first.click()
    page.wait_for_load_state("load")
    assert "Expectation Validation Result" in page.inner_text("body")
    page.screenshot(path=str(tmp_path / "data-docs.png"), full_page=True)
    assert errors == [] and refused == []

    # `newsflow validate` names its run too.
    copy = _copy(wh, tmp_path)
    assert newsflow_cli("validate", "-w", copy).returncode == 0
    page.goto((copy.parent / "quality" / "index.html").as_uri())
    names = _validation_run_names(page)
    assert names and all(n.startswith("validate-") for n in names), names
