"""`newsflow report`: one self-contained HTML page drawn from the warehouse views.

Plotly draws every chart; its JavaScript is inlined once, so the file opens from disk with no
network (no CDN, no tile server, no web font). Every chart has a title saying what it shows, a
caption naming the SQL it came from (warehouse/report.sql and the views it reads), tooltips, and
its numbers as a table one click away. Sections whose columns do not exist yet in this warehouse
(coordinates, tone) say so instead of drawing.
"""
from __future__ import annotations

import html
import json
import re
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from tasks.core.errors import NewsflowError
from warehouse.db import connect

REPORT_SQL = Path(__file__).with_name("report.sql")
TOP = 15
"""Bars, pairs and rows per ranking chart: more stop being readable."""
TOXIC = 0.5
"""A comment counts as toxic from this toxicity score on."""
QUAD_CLASSES = {1: ("verbal cooperation", "#4c9be8"), 2: ("material cooperation", "#1f5fa8"),
                3: ("verbal conflict", "#f0a04b"), 4: ("material conflict", "#c0392b")}


def default_report_path(warehouse: Path) -> Path:
    """Beside the warehouse, like the lake and the Data Docs."""
    return Path(warehouse).parent / "report.html"


def load_queries(path: Path = REPORT_SQL) -> dict[str, str]:
    """The `-- name:` blocks of report.sql."""
    queries: dict[str, str] = {}
    name = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"--\s*name:\s*(\w+)", line)
        if m:
            name = m.group(1)
            queries[name] = ""
        elif name is not None:
            queries[name] += line + "\n"
    return {k: v.strip() for k, v in queries.items()}


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple]

    def col(self, name: str) -> list:
        i = self.columns.index(name)
        return [r[i] for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass
class Section:
    anchor: str
    title: str
    intro: str = ""
    parts: list[str] = field(default_factory=list)


@dataclass
class Report:
    path: Path
    seconds: float
    size_bytes: int
    charts: list[str]
    """Ids of the drawn charts, in page order."""
    notes: list[str]
    """Sections left out or replaced, and why."""


class _Reader:
    """One read-only connection with the report's temporary views."""

    def __init__(self, warehouse: Path, since: date | None):
        from warehouse.query import READ_ONLY_CONFIG

        self.con = connect(warehouse, read_only=True, wait_seconds=10, config=READ_ONLY_CONFIG)
        self.queries = load_queries()
        cols = self.con.execute("SELECT table_name, column_name FROM information_schema.columns").fetchall()
        self.columns = {(t, c) for t, c in cols}
        self.views = {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'VIEW'").fetchall()}
        missing = {"event_timeline", "entity_mentions_by_doc", "comment_reactions"} - self.views
        if missing or ("articles", "article_id") not in self.columns:
            raise NewsflowError(f"{warehouse}: not a newsflow warehouse (missing {', '.join(sorted(missing)) or 'articles'})")
        # `since` is a date object, so its ISO text is safe to put in SQL.
        on_or_after = f"DATE '{since.isoformat()}'" if since else None
        self.con.execute(f"""CREATE TEMP VIEW report_articles AS SELECT article_id FROM articles
            WHERE {f"coalesce(CAST(published_at AS DATE), CAST(ingested_at AS DATE)) >= {on_or_after}" if since else "TRUE"}""")
        self.con.execute(f"""CREATE TEMP VIEW report_events AS SELECT t.*, e.quad_class
            FROM event_timeline t JOIN events e USING (event_id)
            WHERE {f"t.event_date >= {on_or_after}" if since else "TRUE"}""")

    def has(self, table: str, *columns: str) -> bool:
        return all((table, c) in self.columns for c in columns)

    def __call__(self, name: str, **fmt) -> Table:
        sql = self.queries[name].format(limit=TOP, toxic=TOXIC, **fmt)
        cur = self.con.execute(sql)
        return Table([d[0] for d in cur.description], cur.fetchall())

    def close(self) -> None:
        self.con.close()


def _country_names() -> dict[str, str]:
    """ISO alpha-3 -> country name, from the gazetteer newsflow resolves countries with."""
    from tasks.nlp.gazetteer import load_gazetteer

    try:
        entries = load_gazetteer().entries.values()
    except NewsflowError:
        return {}  # codes alone still make the table
    return {e.country: e.name for e in entries if e.id.startswith("country:") and e.country}


# ---------------------------------------------------------------- HTML pieces

def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.3f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.0f}"
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M")
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def _table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(c)}</th>" for c in t.columns)
    body = "".join("<tr>" + "".join(
        ("<td class=\"num\">" if isinstance(v, (int, float)) and not isinstance(v, bool) else "<td>")
        + f"{html.escape(_fmt(v))}</td>" for v in r) + "</tr>" for r in t.rows)
    return f"<table class=\"data\"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _numbers(t: Table) -> str:
    return (f"<details class=\"numbers\"><summary>Numbers ({len(t)} rows)</summary>"
            f"<div class=\"scroll\">{_table(t)}</div></details>")


def _caption(source: str) -> str:
    return f"<figcaption>SQL: {source}</figcaption>"


def _note(text: str) -> str:
    return f"<p class=\"note\">{html.escape(text)}</p>"


def _safe_json(obj_json: str) -> str:
    """JSON inside a <script>: text from news pages must not close the element."""
    return obj_json.replace("</", "<\\/").replace("<!--", "<\\!--")


class _Charts:
    def __init__(self):
        self.ids: list[str] = []

    def figure(self, chart_id: str, fig, title: str, source: str, numbers: Table, height: int = 380) -> str:
        """A Plotly figure with its title, caption and numbers; drawn by the inlined plotly.js."""
        fig.update_layout(title={"text": html.escape(title), "x": 0, "xanchor": "left", "font": {"size": 16}},
                          template="plotly_white", height=height, margin={"l": 10, "r": 10, "t": 50, "b": 10},
                          legend={"orientation": "h", "y": -0.15, "traceorder": "normal"}, font={"family": "system-ui, sans-serif"})
        self.ids.append(chart_id)
        div_id = f"chart-{chart_id}"  # never a section's anchor
        spec = _safe_json(fig.to_json())
        config = json.dumps({"displaylogo": False, "responsive": True})
        return (f"<figure class=\"chart\" data-chart=\"{chart_id}\">"
                f"<div id=\"{div_id}\" class=\"plot\" style=\"height:{height}px\"></div>"
                f"<script>(function(){{var f={spec};Plotly.newPlot('{div_id}',f.data,f.layout,{config});}})();</script>"
                f"{_caption(source)}{_numbers(numbers)}</figure>")


# ---------------------------------------------------------------- sections

def _events_section(q: _Reader, charts: _Charts) -> Section:
    import plotly.graph_objects as go

    s = Section("events", "Events over time")
    span = q("event_span")
    first, last, undated, total = span.rows[0]
    if not total:
        s.parts.append(_note("No events in this range."))
        return s
    days = (last - first).days if first and last else 0
    bucket = "day" if days <= 31 else "week" if days <= 180 else "month"
    s.intro = (f"{total} events; {total - undated} dated from {_fmt(first)} to {_fmt(last)}, counted per {bucket}. "
               f"{undated} events have no date (neither in the text nor a publication date) and are not drawn.")
    if total == undated:
        s.parts.append(_note("No dated events to draw."))
        return s
    hover = "%{x|%Y-%m-%d}<br>%{fullData.name}: %{y} events<extra></extra>"
    by_type = q("events_by_type", bucket=bucket)
    fig = go.Figure()
    for etype in sorted(set(by_type.col("event_type"))):
        rows = [(p, n) for p, t, n in by_type.rows if t == etype]
        fig.add_bar(x=[p for p, _ in rows], y=[n for _, n in rows], name=etype, hovertemplate=hover)
    fig.update_layout(barmode="stack", xaxis_title=bucket, yaxis_title="events")
    s.parts.append(charts.figure("events-by-type", fig, f"Events per {bucket} by type (stacked)",
                                 "view <code>event_timeline</code> (report.sql: events_by_type)", by_type))
    by_quad = q("events_by_quad", bucket=bucket)
    fig = go.Figure()
    for quad, (label, color) in QUAD_CLASSES.items():
        rows = [(p, n) for p, c, n in by_quad.rows if c == quad]
        if rows:
            fig.add_bar(x=[p for p, _ in rows], y=[n for _, n in rows], name=f"{quad} {label}", marker_color=color,
                        hovertemplate=hover)
    fig.update_layout(barmode="stack", xaxis_title=bucket, yaxis_title="events")
    labelled = Table(["period", "quad_class", "label", "events"],
                     [(p, c, QUAD_CLASSES.get(c, ("?",))[0], n) for p, c, n in by_quad.rows])
    s.parts.append(charts.figure("events-by-quad", fig, f"Events per {bucket} by quad class (cooperation vs conflict)",
                                 "view <code>event_timeline</code> joined with <code>events.quad_class</code> "
                                 "(report.sql: events_by_quad)", labelled))
    return s


def _network_section(q: _Reader, charts: _Charts) -> Section:
    import plotly.graph_objects as go

    s = Section("network", "Who acts on whom",
                f"The {TOP} most active actor → target pairs of asserted or reported, not negated events; "
                "the width of a band is the number of events.")
    pairs = q("network")
    if not pairs.rows:
        s.parts.append(_note("No events with both an actor and a target in this range."))
        return s
    # Actors on the left, targets on the right, even when one entity is both: a Sankey diagram
    # cannot draw cycles.
    actors = list(dict.fromkeys(pairs.col("actor")))
    targets = list(dict.fromkeys(pairs.col("target")))
    labels = actors + targets
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={"label": labels, "pad": 12, "thickness": 14,
              "color": ["#4c78a8"] * len(actors) + ["#e45756"] * len(targets),
              "customdata": ["actor"] * len(actors) + ["target"] * len(targets),
              "hovertemplate": "%{label} (%{customdata}): %{value} events<extra></extra>"},
        link={"source": [actors.index(a) for a in pairs.col("actor")],
              "target": [len(actors) + targets.index(t) for t in pairs.col("target")],
              "value": pairs.col("events"), "customdata": pairs.col("event_types"),
              "hovertemplate": "%{source.label} → %{target.label}: %{value} events<br>%{customdata}<extra></extra>"}))
    s.parts.append(charts.figure("network", fig, "Actor → target network of the most active pairs",
                                 "view <code>actor_target_network</code>'s pairs, from <code>event_timeline</code> "
                                 "so that --since applies (report.sql: network)", pairs,
                                 height=max(320, 26 * max(len(actors), len(targets)) + 80)))
    return s


def _places_section(q: _Reader, charts: _Charts, notes: list[str]) -> Section:
    import plotly.graph_objects as go

    s = Section("places", "Where")
    names = _country_names()
    events_have = "event_map" in q.views  # the events' located places, with coordinates
    entities_have = q.has("entities", "latitude", "longitude")
    if events_have or entities_have:
        fig = go.Figure()
        rows = []
        if entities_have:
            places = q("map_places")
            fig.add_scatter(x=places.col("longitude"), y=places.col("latitude"), mode="markers", name="place mentions",
                            text=places.col("place"), customdata=places.col("mentions"),
                            marker={"size": [6 + 3 * min(n, 10) for n in places.col("mentions")], "color": "#4c78a8",
                                    "opacity": 0.6},
                            hovertemplate="%{text}: %{customdata} mentions<br>%{y:.2f}, %{x:.2f}<extra></extra>")
            rows += [("place mention", p, la, lo, n, "") for p, la, lo, n in places.rows]
        if events_have:
            located = q("map_events")
            fig.add_scatter(x=located.col("longitude"), y=located.col("latitude"), mode="markers", name="events",
                            text=located.col("place"), customdata=list(zip(located.col("events"), located.col("event_types"))),
                            marker={"size": [8 + 3 * min(n, 10) for n in located.col("events")], "color": "#e45756",
                                    "symbol": "diamond", "opacity": 0.8},
                            hovertemplate="%{text}: %{customdata[0]} events (%{customdata[1]})<br>%{y:.2f}, %{x:.2f}<extra></extra>")
            rows += [("event", p, la, lo, n, types) for p, la, lo, n, types in located.rows]
        # A plain equirectangular projection: longitude and latitude as x and y, no tiles, no shapes.
        fig.update_xaxes(range=[-180, 180], title="longitude", dtick=30, zeroline=True, constrain="domain")
        fig.update_yaxes(range=[-90, 90], title="latitude", dtick=30, scaleanchor="x", zeroline=True)
        source = "view <code>event_map</code>" if events_have else ""
        if entities_have:
            source += (" and " if source else "") + "<code>entities.latitude/longitude</code>"
        s.intro = "Event locations and place mentions on a plain longitude/latitude projection."
        if rows:
            s.parts.append(charts.figure("map", fig, "Event locations and place mentions (longitude × latitude)",
                                         f"{source} (report.sql: map_events, map_places)",
                                         Table(["what", "place", "latitude", "longitude", "count", "event types"], rows),
                                         height=460))
        else:
            s.parts.append(_note("No place in this range has coordinates yet."))
    else:
        note = "Places have no coordinates in this warehouse yet, so mentions and events are shown by country."
        notes.append(note)
        s.intro = note
    countries = q("countries")
    labelled = Table(["country", "code", *countries.columns[1:]],
                     [(names.get(r[0], ""), *r) for r in countries.rows])
    s.parts.append("<h3>By country</h3>" + (_table(labelled) if countries.rows else _note("No country mentioned."))
                   + _caption("views <code>entity_mentions_by_doc</code> (entities.country_code) and "
                              "<code>event_timeline</code> with the location's country (report.sql: countries)"))
    return s


def _entities_section(q: _Reader, charts: _Charts) -> Section:
    import plotly.graph_objects as go

    s = Section("entities", "What articles and comments talk about")
    top = q("top_entities")
    if top.rows:
        names = list(reversed(top.col("entity")))
        fig = go.Figure()
        fig.add_bar(y=names, x=list(reversed(top.col("in_articles"))), orientation="h", name="in articles",
                    marker_color="#4c78a8", hovertemplate="%{y}: %{x} mentions in articles<extra></extra>")
        fig.add_bar(y=names, x=list(reversed(top.col("in_comments"))), orientation="h", name="in comments",
                    marker_color="#f58518", hovertemplate="%{y}: %{x} mentions in comments<extra></extra>")
        fig.update_layout(barmode="group", xaxis_title="mentions")
        s.parts.append(charts.figure("top-entities", fig, f"The {len(top)} most-mentioned entities: in articles vs in comments",
                                     "view <code>entity_mentions_by_doc</code> (report.sql: top_entities)", top,
                                     height=max(320, 34 * len(top) + 100)))
    else:
        s.parts.append(_note("No entity mentions in this range."))
    only = q("comment_only")
    if only.rows:
        labels = [f"{item} ({kind})" for kind, item, _, _ in only.rows][::-1]
        fig = go.Figure()
        fig.add_bar(y=labels, x=only.col("comment_mentions")[::-1], orientation="h",
                    marker_color=["#54a24b" if k == "entity" else "#b279a2" for k in only.col("kind")][::-1],
                    customdata=only.col("articles")[::-1],
                    hovertemplate="%{y}: %{x} comment mentions, under %{customdata} articles<extra></extra>")
        fig.update_layout(xaxis_title="mentions in comments", showlegend=False)
        s.parts.append(charts.figure("comment-only", fig,
                                     "What commenters bring up that the article did not (entities and event types)",
                                     "view <code>comment_reactions</code> where not in_article (report.sql: comment_only)",
                                     only, height=max(300, 30 * len(only) + 100)))
    else:
        s.parts.append(_note("Comments bring up nothing that their articles did not mention."))
    return s


def _tone_section(q: _Reader, charts: _Charts, notes: list[str]) -> Section:
    import plotly.graph_objects as go

    s = Section("tone", "Tone")
    has_sentiment, has_toxicity, has_tone = (q.has("entities", "sentiment_score"), q.has("comments", "toxicity"),
                                             q.has("articles", "tone"))
    if not (has_sentiment or has_toxicity or has_tone):
        note = ("Tone is not in this warehouse yet (no articles.tone, comments.toxicity or entities.sentiment "
                "columns), so this section is left out.")
        notes.append(note)
        s.intro = note
        return s
    via = " (as in view <code>entity_tone</code>)" if "entity_tone" in q.views else ""
    if has_sentiment:
        tone = q("entity_tone")
        if tone.rows:
            entities = list(dict.fromkeys(tone.col("entity")))
            fig = go.Figure()
            for kind, color in (("article", "#4c78a8"), ("comment", "#f58518")):
                rows = {e: (m, n) for e, k, m, n in tone.rows if k == kind}
                fig.add_bar(y=entities, x=[rows.get(e, (None,))[0] for e in entities], orientation="h",
                            name=f"in {kind}s", marker_color=color,
                            customdata=[rows.get(e, (None, 0))[1] for e in entities],
                            hovertemplate="%{y}: mean sentiment %{x:.2f} over %{customdata} mentions<extra></extra>")
            fig.update_layout(barmode="group", xaxis_title="mean sentiment (negative … positive)")
            s.parts.append(charts.figure("entity-tone", fig, "Sentiment toward the most-mentioned entities",
                                         f"<code>entities.sentiment_score</code>{via} (report.sql: entity_tone)", tone,
                                         height=max(320, 34 * len(entities) + 100)))
    if has_toxicity:
        toxic = q("toxic_share")
        if toxic.rows:
            fig = go.Figure()
            fig.add_bar(x=[a[:60] for a in toxic.col("article")], y=toxic.col("toxic_share"), marker_color="#c0392b",
                        customdata=list(zip(toxic.col("toxic_comments"), toxic.col("comments"))),
                        hovertemplate="%{x}<br>%{customdata[0]} of %{customdata[1]} comments toxic (%{y:.0%})<extra></extra>")
            fig.update_yaxes(tickformat=".0%", range=[0, 1], title="toxic share")
            s.parts.append(charts.figure("toxic-share", fig, f"Share of toxic comments (toxicity ≥ {TOXIC}) per article",
                                         "<code>comments.toxicity</code> with <code>articles</code> (report.sql: toxic_share)",
                                         toxic))
    if has_tone:
        tones = q("article_tone")
        if tones.rows:
            s.parts.append("<h3>Article tone</h3>" + _table(tones) + _caption("<code>articles.tone</code> (report.sql: article_tone)"))
    if not s.parts:
        s.parts.append(_note("No scored documents in this range."))
    return s


def _quality_section(q: _Reader) -> Section:
    s = Section("quality", "Data quality")
    summary = q("checks_summary").rows[0]
    s.intro = (f"Latest validation: {summary[0]} checks, {summary[1] or 0} blocking failures, {summary[2] or 0} warnings. "
               "Not filtered by --since.")
    for title, name, source, empty in [
        ("Last runs", "last_runs", "<code>pipeline_runs</code>", "No runs recorded."),
        ("Rows per table", "rows_per_table", "the tables themselves", ""),
        ("Failed checks (latest validation of each table)", "failed_checks", "<code>validation_results</code>",
         "Every check passed."),
        ("Quarantined files", "quarantined", "<code>quarantine</code>", "No file is quarantined."),
    ]:
        t = q(name)
        body = _table(t) if t.rows else _note(empty)
        s.parts.append(f"<h3>{title}</h3><div class=\"scroll\">{body}</div>{_caption(f'{source} (report.sql: {name})')}")
    return s


# ---------------------------------------------------------------- page

CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222; background: #f6f7f9; }
header { background: #1f2d3d; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header p { margin: 0; opacity: .85; font-size: 14px; }
nav { margin-top: 10px; font-size: 14px; }
nav a { color: #cfe3ff; margin-right: 16px; text-decoration: none; }
main { max-width: 1200px; margin: 0 auto; padding: 10px 24px 40px; }
section { background: #fff; border-radius: 8px; padding: 16px 20px; margin: 18px 0; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
section h2 { margin: 0 0 6px; font-size: 19px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.intro, .note { color: #555; font-size: 14px; }
.note { font-style: italic; }
figure.chart { margin: 14px 0 22px; }
figcaption { font-size: 12px; color: #666; margin-top: 4px; }
code { font-size: 12px; background: #f0f2f5; padding: 1px 4px; border-radius: 3px; }
details.numbers summary { cursor: pointer; font-size: 13px; color: #2a6ebb; margin-top: 4px; }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
table.data th, table.data td { border-bottom: 1px solid #e3e6ea; padding: 3px 10px; text-align: left; vertical-align: top; }
table.data th { background: #f0f2f5; }
table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
"""


def _page(sections: list[Section], warehouse: Path, since: date | None) -> str:
    import plotly.offline

    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f"<a href=\"#{s.anchor}\">{html.escape(s.title)}</a>" for s in sections)
    body = "".join(
        f"<section id=\"{s.anchor}\"><h2>{html.escape(s.title)}</h2>"
        + (f"<p class=\"intro\">{html.escape(s.intro)}</p>" if s.intro else "") + "".join(s.parts) + "</section>"
        for s in sections)
    scope = f"events and documents from {since.isoformat()} on" if since else "everything in the warehouse"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsflow report</title><style>{CSS}</style>
<script>{plotly.offline.get_plotlyjs()}</script>
</head><body>
<header><h1>newsflow report</h1>
<p>{html.escape(str(warehouse))} · {scope} · generated {generated}. Hover a chart for its values; "Numbers" under it shows them all.</p>
<nav>{nav}</nav></header>
<main>{body}</main>
</body></html>
"""


def build_report(warehouse: Path, output: Path | None = None, since: date | None = None) -> Report:
    """Write the report of `warehouse` to `output` (default: report.html beside the warehouse),
    atomically, and return what was written."""
    t0 = time.monotonic()
    warehouse = Path(warehouse)
    output = Path(output) if output else default_report_path(warehouse)
    q = _Reader(warehouse, since)
    charts, notes = _Charts(), []
    try:
        sections = [_events_section(q, charts), _network_section(q, charts), _places_section(q, charts, notes),
                    _entities_section(q, charts), _tone_section(q, charts, notes), _quality_section(q)]
    finally:
        q.close()
    page = _page(sections, warehouse, since)
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(output)  # a browser reloading the page never sees half a file
    return Report(output, time.monotonic() - t0, output.stat().st_size, charts.ids, notes)
