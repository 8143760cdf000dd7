"""Full-text search: real flow runs build the index, `newsflow search` and `newsflow query` find
ranked, stemmed matches in articles and comments, offline."""
import csv
import io
import json

import duckdb
import pytest

from tests.conftest import newsflow_cli, settle
from warehouse import search as search_module
from tasks.core.errors import NewsflowError

pytestmark = pytest.mark.slow

PAGES = {
    "rockets.txt": """---
title: Rockets fired at US base
published_at: 2024-03-01T08:00:00Z
---
Several rockets were fired at a US base near Baghdad on Tuesday night, officials said.
Nobody was hurt, and the coalition said it would investigate.
Comments
The sirens woke the whole neighbourhood at midnight.
Who pays for the damage to the houses nearby?
""",
    "airport.txt": """---
title: Airport reopens after a quiet week
published_at: 2023-06-01T08:00:00Z
---
The airport in Kabul reopened on Monday after a quiet week, officials said.
A rocket landed in a field outside the city last month without causing damage.
Comments
Good news for travellers at last.
""",
    "drones.txt": """---
title: Drone strike on a drone factory
published_at: 2024-05-10T08:00:00Z
---
A drone strike hit the drone factory on Friday; a second drone strike followed an hour later.
Drone strikes have become common, officials said.
""",
    "harvest.txt": """---
title: Harvest festival draws crowds
published_at: 2024-05-11T08:00:00Z
---
The harvest festival drew large crowds to the market square on Saturday, organisers said.
Farmers sold apples, pears and honey, and a brass band played until dark while children danced.
One stall showed a toy drone to visitors.
""",
}


def write_pages(folder, names):
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name
        path.write_text(PAGES[name], encoding="utf-8")
        settle(path)


def run(seed_dir, warehouse):
    from flows.ingest import ingest

    return ingest(seeds=[str(seed_dir)], warehouse=str(warehouse))


def hits(warehouse, *args, env=None):
    r = newsflow_cli("search", *args, "-w", warehouse, "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def article_id(warehouse, title):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select article_id from articles where title = ?", [title]).fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def corpus(prefect_harness, tmp_path_factory):
    root = tmp_path_factory.mktemp("search")
    write_pages(root / "seeds", PAGES)
    warehouse = root / "data" / "newsflow.duckdb"
    summary = run(root / "seeds", warehouse)
    assert (summary["articles"], summary["quarantine"]) == (4, [])
    return warehouse


def test_stemming_finds_rockets_when_asked_for_rocket(corpus):
    found = hits(corpus, "rocket")
    rockets = [h for h in found if h["title"] == "Rockets fired at US base" and h["kind"] == "article"]
    assert rockets, found
    assert "**rockets**" in rockets[0]["snippet"]
    assert "rocket" not in PAGES["rockets.txt"].replace("rockets", "").replace("Rockets", "")


def test_the_document_repeating_the_terms_ranks_first(corpus):
    found = hits(corpus, "drone strike")
    assert [h["title"] for h in found] == ["Drone strike on a drone factory", "Harvest festival draws crowds"]
    assert found[0]["score"] > found[1]["score"] > 0
    assert found[0]["snippet"].startswith("A **drone** **strike** hit the **drone** factory")


def test_comments_are_found_and_labelled_with_their_article(corpus):
    found = hits(corpus, "siren")
    assert len(found) == 1
    assert found[0]["kind"] == "comment"
    assert found[0]["title"] == "Rockets fired at US base"
    assert found[0]["article_id"] == article_id(corpus, "Rockets fired at US base")
    assert found[0]["snippet"] == "The **sirens** woke the whole neighbourhood at midnight."
    assert found[0]["date"] == "2024-03-01"  # no posted_at: the article's date


def test_kind_since_entity_and_limit_filter_the_hits(corpus):
    everything = hits(corpus, "officials damage")
    assert {h["kind"] for h in everything} == {"article", "comment"}
    assert {h["kind"] for h in hits(corpus, "officials damage", "--kind", "article")} == {"article"}
    assert [h["kind"] for h in hits(corpus, "officials damage", "--kind", "comment")] == ["comment"]

    recent = hits(corpus, "rocket", "--since", "2024-01-01")
    assert [h["title"] for h in recent] == ["Rockets fired at US base"]
    assert {h["title"] for h in hits(corpus, "rocket")} == {"Rockets fired at US base", "Airport reopens after a quiet week"}

    in_kabul = hits(corpus, "rocket officials", "--entity", "loc:kabul")
    assert [h["title"] for h in in_kabul] == ["Airport reopens after a quiet week"]
    assert len(hits(corpus, "officials", "--limit", "1")) == 1

    unknown = newsflow_cli("search", "rocket", "--entity", "kabul", "-w", corpus)
    assert unknown.returncode == 1 and "loc:kabul" in unknown.stderr and "Traceback" not in unknown.stderr
    bad_date = newsflow_cli("search", "rocket", "--since", "last week", "-w", corpus)
    assert bad_date.returncode != 0 and "YYYY-MM-DD" in bad_date.stderr


def test_table_and_csv_output_mark_the_matched_words(corpus):
    table = newsflow_cli("search", "sirens", "-w", corpus)
    assert table.returncode == 0, table.stderr
    assert "comment" in table.stdout and "Rockets fired" in table.stdout  # the title may wrap
    assert "The sirens woke the whole" in table.stdout and "**" not in table.stdout  # marked in bold instead
    rows = list(csv.DictReader(io.StringIO(newsflow_cli("search", "sirens", "-w", corpus, "--format", "csv").stdout)))
    assert [r["snippet"] for r in rows] == ["The **sirens** woke the whole neighbourhood at midnight."]
    none = newsflow_cli("search", "zeppelin", "-w", corpus)
    assert none.returncode == 0 and "no documents match 'zeppelin'" in none.stderr


OFFLINE = {"http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9", "all_proxy": "http://127.0.0.1:9",
           "no_proxy": None, "NO_PROXY": None}


def test_search_works_offline_and_never_installs_an_extension(corpus, tmp_path):
    # DuckDB installs extensions under ~/.duckdb; every download would go to a closed port.
    env = {**OFFLINE, "HOME": str(tmp_path)}
    assert [h["kind"] for h in hits(corpus, "sirens", env=env)] == ["comment"]
    q = newsflow_cli("query", "select kind, title from search_documents('sirens')", "-w", corpus,
                     "--format", "csv", env=env)
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines() == ["kind,title", "comment,Rockets fired at US base"]
    assert not (tmp_path / ".duckdb").exists()


def test_sql_macro_takes_the_same_filters_and_works_in_any_client_that_loads_fts(corpus):
    q = newsflow_cli("query", "select title from search_documents('rocket', since := DATE '2024-01-01')",
                     "-w", corpus, "--format", "csv")
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines() == ["title", "Rockets fired at US base"]
    # The query connection still refuses files outside the warehouse.
    leak = newsflow_cli("query", "select * from read_text('/etc/hostname')", "-w", corpus)
    assert leak.returncode != 0 and "error:" in leak.stderr

    con = duckdb.connect(str(corpus), read_only=True, config={"autoinstall_known_extensions": False})
    try:
        with pytest.raises(duckdb.Error):
            con.execute("select * from search_documents('rocket')")
        con.execute(f"LOAD '{search_module.extension_path()}'")
        kinds = con.execute("select kind from search_documents('sirens', kind := 'comment')").fetchall()
    finally:
        con.close()
    assert kinds == [("comment",)]


def test_a_missing_extension_package_is_named(corpus, monkeypatch):
    import importlib.metadata

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(NewsflowError, match="duckdb-ext-fts"):
        search_module.search(corpus, "rocket")


def test_index_follows_new_and_changed_files_and_status_shows_it(prefect_harness, tmp_path):
    seeds, warehouse = tmp_path / "seeds", tmp_path / "data" / "newsflow.duckdb"
    write_pages(seeds, ["rockets.txt"])
    first = run(seeds, warehouse)
    assert hits(warehouse, "drone") == []
    status = newsflow_cli("status", "-w", warehouse)
    assert f"search index: built" in status.stdout and f"after run {first['run_id'][:8]}" in status.stdout
    assert "1 articles and 2 comments" in status.stdout and "current" in status.stdout

    write_pages(seeds, ["drones.txt"])
    second = run(seeds, warehouse)
    assert [h["title"] for h in hits(warehouse, "drone")] == ["Drone strike on a drone factory"]
    assert f"after run {second['run_id'][:8]}" in newsflow_cli("status", "-w", warehouse).stdout

    # A run with nothing new leaves the index as it was.
    third = run(seeds, warehouse)
    assert third["files_new"] == 0
    assert f"after run {second['run_id'][:8]}" in newsflow_cli("status", "-w", warehouse).stdout

    changed = seeds / "rockets.txt"
    changed.write_text(PAGES["rockets.txt"].replace("Several rockets were fired", "Mortar shells were fired")
                       .replace("Rockets fired", "Mortars fired").replace("The sirens woke", "The blasts woke"),
                       encoding="utf-8")
    settle(changed)
    run(seeds, warehouse)
    assert hits(warehouse, "rockets") == [] and hits(warehouse, "sirens") == []
    assert [(h["kind"], h["title"]) for h in hits(warehouse, "mortar")] == [("article", "Mortars fired at US base")]
    assert [h["kind"] for h in hits(warehouse, "blasts")] == ["comment"]
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        # The changed page's old rows are gone from the index: 2 articles, the 2 comments under the first.
        assert con.execute("select doc_kind, count(*) from documents group by all order by 1").fetchall() == \
            [("article", 2), ("comment", 2)]
    finally:
        con.close()
