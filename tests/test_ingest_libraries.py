"""Issue 16, ingestion on maintained libraries: charset-normalizer (encodings), trafilatura (HTML
main text and comments), dateparser (dates in many languages and relative to a base date),
python-frontmatter (YAML and TOML front matter)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from tasks.core.dates import resolve_date
from tasks.ingest.parse import parse_seed

RUSSIAN = ("Москва заявила, что переговоры с Киевом продолжатся в четверг, сообщили официальные лица.\n"
           "Представители министерства иностранных дел не комментируют ситуацию.\n"
           "Комментарии\n"
           "Посмотрим, что будет дальше.")
JAPANESE = ("東京で大きな地震があり、多くの人々が避難しました。\n"
            "政府は緊急対策本部を設置し、被害の状況を調べています。\n"
            "コメント\n"
            "みなさん、気をつけてください。")


@pytest.mark.parametrize("text,encoding,expected", [
    (RUSSIAN, "cp1251", "cp1251"),
    (JAPANESE, "shift_jis", ("shift-jis", "cp932")),
], ids=["cp1251", "shift-jis"])
def test_cp1251_and_shift_jis_pages_decode_right(text, encoding, expected):
    [page] = parse_seed("page.txt", text.encode(encoding))
    assert page.paragraphs[:2] == text.split("\n")[:2]
    assert page.encoding in (expected if isinstance(expected, tuple) else (expected,))


def test_a_few_invalid_bytes_in_utf8_do_not_turn_the_file_into_mojibake():
    text = "Café owners in Zürich protested on Monday, the mayor’s office said.\nNaïve plans, critics said."
    data = text.encode("utf-8").replace(b"Monday", b"Mon\xffday")
    [page] = parse_seed("p.txt", data)
    assert page.paragraphs[0].startswith("Café owners in Zürich")
    assert "Ã" not in " ".join(page.paragraphs)
    assert page.encoding == "utf-8 (invalid bytes replaced)"


def test_cp1252_still_reads_as_cp1252():
    [page] = parse_seed("p.txt", "Café owners in Zürich protested “new rules” on Monday.".encode("cp1252"))
    assert page.paragraphs == ["Café owners in Zürich protested “new rules” on Monday."]
    assert page.encoding == "cp1252"


NEWS_PAGE = """<!doctype html>
<html><head><title>Flood waters rise in Valencia | Daily Planet</title>
<meta property="og:title" content="Flood waters rise in Valencia">
<meta property="article:published_time" content="2024-10-30T08:00:00Z">
<meta property="og:site_name" content="Daily Planet"></head>
<body>
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience. Accept all cookies or manage your preferences.</p><button>Accept</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article>
<h1>Flood waters rise in Valencia</h1>
<p>Torrential rain caused flash floods across the Valencia region on Tuesday, killing at least 95 people, officials said.</p>
<p>Emergency services rescued hundreds of residents trapped in their homes and cars as rivers burst their banks overnight.</p>
<p>The Spanish government declared three days of national mourning and sent soldiers to help with the recovery effort.</p>
<p>Meteorologists warned that more heavy rain was expected later in the week across the east of the country.</p>
</article>
<aside class="related"><h2>Related stories</h2><ul><li><a href="/a">Storm hits Mallorca</a></li><li><a href="/b">Drought ends in Catalonia</a></li></ul></aside>
<section id="comments"><h2>Comments</h2>
<div class="comment"><span class="author">jose_v</span><p>My cousin lives in Paiporta and lost everything. Terrible.</p></div>
<div class="comment"><span class="author">anna</span><p>Why were the alerts sent so late? Someone has to answer for this.</p></div>
</section></main>
<footer><p>© 2024 Daily Planet. All rights reserved. Privacy policy | Terms of use | Contact us</p></footer>
</body></html>"""


def test_a_news_page_yields_only_the_story_as_article_and_the_comments_as_comments():
    [page] = parse_seed("page.html", NEWS_PAGE.encode())
    body = " ".join(page.paragraphs)
    assert "Torrential rain caused flash floods" in body and "Meteorologists warned" in body
    for junk in ("cookies", "Home", "Related stories", "Storm hits Mallorca", "All rights reserved", "jose_v"):
        assert junk not in body, junk
    assert [c.text for c in page.comments] == [
        "My cousin lives in Paiporta and lost everything. Terrible.",
        "Why were the alerts sent so late? Someone has to answer for this.",
    ]
    assert (page.title, page.publisher) == ("Flood waters rise in Valencia", "Daily Planet")
    assert page.published_at == datetime(2024, 10, 30, 8, tzinfo=timezone.utc)


def test_comment_blocks_by_class_are_still_comments_when_trafilatura_finds_none():
    html = ("<html><body><article><p>Troops withdrew from the northern town on Monday after weeks of fighting, "
            "the defence ministry said in a statement.</p><p>Residents began returning to their homes on "
            "Tuesday, local officials told reporters.</p></article>"
            "<ul class='comment-list'><li>Finally some good news.</li><li>I will believe it when I see it.</li></ul>"
            "</body></html>")
    [page] = parse_seed("p.html", html.encode())
    assert [c.text for c in page.comments] == ["Finally some good news.", "I will believe it when I see it."]
    assert all("good news" not in p for p in page.paragraphs)


PUBLISHED = datetime(2024, 8, 9, 12, tzinfo=timezone.utc)


@pytest.mark.parametrize("text,published,expected", [
    ("6 août 2024", None, (date(2024, 8, 6), "day")),
    ("le 3 mars", PUBLISHED, (date(2024, 3, 3), "day")),
    ("le 3 mars", None, (None, None)),
    ("hace dos días", PUBLISHED, (date(2024, 8, 7), "day")),
    ("il y a deux jours", PUBLISHED, (date(2024, 8, 7), "day")),
    ("mars 2023", None, (date(2023, 3, 1), "month")),
    ("2019", None, (date(2019, 1, 1), "year")),
    ("Thursday", PUBLISHED, (date(2024, 8, 8), "day")),
    ("September 2025", None, (date(2025, 9, 1), "month")),
    ("no date here at all", PUBLISHED, (None, None)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_dates_in_many_languages_resolve_with_their_precision(text, published, expected):
    assert resolve_date(text, published) == expected


def test_a_seed_date_written_in_french_is_read_not_quarantined():
    [page] = parse_seed("p.json", b'{"body": "Troops withdrew.", "published_at": "6 ao\\u00fbt 2024"}')
    assert page.published_at == datetime(2024, 8, 6, tzinfo=timezone.utc)


def test_dates_module_declares_its_imports():
    """Every third-party module the ingest code imports is a declared dependency."""
    import ast
    import tomllib

    from tests.conftest import ROOT

    declared = {d.split("==")[0].split(">")[0].split("<")[0].lower().replace("-", "_")
                for d in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]}
    module_of = {"python_frontmatter": "frontmatter", "pyyaml": "yaml"}
    provided = {module_of.get(d, d) for d in declared}
    for path in [ROOT / "tasks/core/dates.py", *(ROOT / "tasks/ingest").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
            for name in names:
                top = name.split(".")[0]
                if top in ("tasks", "__future__") or top in __import__("sys").stdlib_module_names:
                    continue
                assert top in provided, f"{path.name} imports {top}, not declared in pyproject.toml"


def test_toml_front_matter_gives_metadata():
    raw = ('+++\ntitle = "Talks resume"\nurl = "https://x.test/a"\npublished_at = 2024-08-09T10:00:00Z\n'
           'publisher = "Wire"\n+++\nRockets hit a base in Iraq on Thursday, officials said.\n')
    [page] = parse_seed("p.md", raw.encode())
    assert (page.title, page.url, page.publisher) == ("Talks resume", "https://x.test/a", "Wire")
    assert page.published_at == datetime(2024, 8, 9, 10, tzinfo=timezone.utc)
    assert page.paragraphs == ["Rockets hit a base in Iraq on Thursday, officials said."]


def test_invalid_toml_front_matter_is_named():
    from tasks.core.errors import SeedError

    with pytest.raises(SeedError, match="front matter is not valid TOML"):
        parse_seed("p.txt", b'+++\ntitle = "unclosed\n+++\nBody.\n')
