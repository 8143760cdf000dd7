"""Fuzzing the parse stage with hypothesis: whatever the bytes, JSON or front matter, parse_seed
returns pages or raises the project's SeedError naming the file, and nothing else."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tasks.core.errors import SeedError
from tasks.ingest.parse import ACCEPTED_SUFFIXES, parse_seed

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(name: str, data: bytes):
    try:
        pages = parse_seed(name, data, [])
    except SeedError as exc:
        assert exc.path == name and exc.reason
        # Each failure is one parse knows by name; the catch-all for surprises stays unused.
        assert "could not be parsed" not in exc.reason and "nested too deeply to read" not in exc.reason, exc.reason
        return None
    for page in pages:
        assert page.paragraphs and all(isinstance(p, str) and p for p in page.paragraphs)
        for value in (page.title, page.url, page.publisher):
            assert value is None or (isinstance(value, str) and "\n" not in value and len(value) <= 8192)
        assert page.published_at is None or page.published_at.tzinfo is not None
    return pages


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from(ACCEPTED_SUFFIXES + (".bin",)))
def test_any_bytes(data, suffix):
    _parse(f"fuzz{suffix}", data)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
page_keys = st.sampled_from(["title", "url", "published_at", "publisher", "body", "paragraphs", "comments",
                             "date", "published", "cited_source", "text", "author", "posted_at", "parent"])
pages = st.dictionaries(page_keys, json_values | st.lists(st.dictionaries(page_keys, json_values, max_size=4), max_size=3),
                        max_size=8)


@FUZZ
@given(page=pages | json_values)
def test_any_json_page(page):
    text = json.dumps(page, allow_nan=True)
    _parse("fuzz.json", text.encode())
    _parse("fuzz.jsonl", (text + "\n" + json.dumps({"body": "A good line."}) + "\n").encode())


yaml_scalars = st.sampled_from(["1e400", "-1e400", ".nan", "9999-12-31T23:00:00-05:00", "0001-01-01", "2024-02-30",
                                "&a [1, 2]", "*a", "!!python/object:os.system", "[[[[[[", "{a: {b: {c:", "~", "yes",
                                "'quoted'", "\"esc\\u0000\"", "2024-08-09T10:00:00Z", "6 août 2024", "|\n  block"])
front_keys = st.sampled_from(["title", "url", "published_at", "publisher", "date", "published", "other"])


@FUZZ
@given(fields=st.lists(st.tuples(front_keys, yaml_scalars | st.text(max_size=30)), max_size=6),
       fence=st.sampled_from(["---", "+++"]), body=st.text(max_size=200), suffix=st.sampled_from([".txt", ".md"]))
def test_any_front_matter(fields, fence, body, suffix):
    if fence == "+++":
        lines = [f"{k} = {v}" for k, v in fields]
    else:
        lines = [f"{k}: {v}" for k, v in fields]
    text = f"{fence}\n" + "\n".join(lines) + f"\n{fence}\n{body}\nRockets hit a base on Thursday.\n"
    _parse(f"fuzz{suffix}", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(markup=st.lists(st.sampled_from(["<div>", "</div>", "<p>", "</p>", "<section class='comments'>", "</section>",
                                        "<script>", "</script>", "<title>", "</title>", "<meta property='og:title' content='x'>",
                                        "<!--", "-->", "<![CDATA[", "&amp;", "&#0;", "&#xD800;", "text ", "<nav>",
                                        "<article>", "</article>", "</span>", "<br>"]), max_size=60))
def test_any_html(markup):
    _parse("fuzz.html", "".join(markup).encode())


@pytest.mark.parametrize("data", [b"\xff\xfe", b"\xfe\xff\x00", b"\xef\xbb\xbf", b"\x00" * 10, b"---\n---\n",
                                  b"+++\n+++\n", b"\r\r\r", "\u2028\u2029".encode()], ids=repr)
def test_edge_bytes(data):
    for suffix in ACCEPTED_SUFFIXES:
        _parse(f"edge{suffix}", data)
