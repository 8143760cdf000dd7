"""Reading every accepted seed format and encoding, and rejecting bad input with a clear reason."""
import codecs
import json

import pytest

from tasks.core.errors import SeedError
from tasks.ingest.parse import parse_seed
from tests.conftest import ROOT, SAMPLE

ARTICLE = "Rockets hit a base in Iraq on Thursday, officials said.\nThe attack caused no casualties."
COMMENTS = ["I can't believe this again!", "Bring the troops home?"]


def test_sample_seed_splits_into_six_paragraphs_and_five_comments():
    [page] = parse_seed(str(SAMPLE), SAMPLE.read_bytes())
    assert (len(page.paragraphs), len(page.comments)) == (6, 5)
    assert page.comments[0].text.startswith("This is more likely")
    assert page.extra["cited_source"] == "Reuters"


@pytest.mark.parametrize("encoding,bom", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE), ("cp1252", b""),
], ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "cp1252"])
def test_encodings_decode_to_the_same_text(encoding, bom):
    text = "Café owners in Zürich protested “new rules” on Monday.\nComments\nSo what?"
    [page] = parse_seed("page.txt", bom + text.encode(encoding))
    assert page.paragraphs == ["Café owners in Zürich protested “new rules” on Monday."]
    assert [c.text for c in page.comments] == ["So what?"]
    expected = {"utf-8": "utf-8-sig" if bom else "utf-8", "utf-16-le": "utf-16", "utf-16-be": "utf-16", "cp1252": "cp1252"}
    assert page.encoding == expected[encoding]


def test_line_endings_nfc_and_invisible_characters_are_normalized():
    raw = "Cafe\u0301 talks\u200b began\r\nSecond\x07 paragraph\rThird"
    [page] = parse_seed("p.txt", raw.encode("utf-8"))
    assert page.paragraphs[0] == "Café talks began"
    assert "Second paragraph" in page.paragraphs


def test_front_matter_gives_metadata():
    raw = f"---\ntitle: Talks resume\nurl: https://x.test/a\npublished_at: 2024-08-09T10:00:00Z\npublisher: Wire\n---\n{ARTICLE}\n"
    [page] = parse_seed("p.txt", raw.encode())
    assert (page.title, page.url, page.publisher) == ("Talks resume", "https://x.test/a", "Wire")
    assert page.published_at.isoformat() == "2024-08-09T10:00:00+00:00"


@pytest.mark.parametrize("marker", ["Comments", "--- comments ---", "12 Comments", "Reader comments", "COMMENTS:"])
def test_explicit_comment_markers_win(marker):
    raw = f"{ARTICLE}\n{marker}\n" + "\n".join(COMMENTS)
    [page] = parse_seed("p.txt", raw.encode())
    assert page.segmentation == "marker"
    assert [c.text for c in page.comments] == COMMENTS
    assert len(page.paragraphs) == 2


def test_page_without_comments_keeps_every_paragraph():
    body = ("The government announced new measures on Tuesday, according to the ministry. "
            "Officials said the plan would take effect next year.\n") * 4
    [page] = parse_seed("p.txt", body.encode())
    assert page.comments == [] and len(page.paragraphs) == 4


def test_markdown_title_and_markup():
    raw = "# Big news\n\nTroops **withdrew** from [the town](http://x).\n\n## Comments\n\nFinally!"
    [page] = parse_seed("p.md", raw.encode())
    assert page.title == "Big news"
    assert page.paragraphs == ["Troops withdrew from the town."]
    assert [c.text for c in page.comments] == ["Finally!"]


def test_html_visible_text_and_comment_blocks():
    [page] = parse_seed("p.html", (ROOT / "seeds/examples/page.html").read_bytes())
    assert page.title == "Ceasefire agreed in Gaza"
    assert all("var x" not in p and "Home" not in p for p in page.paragraphs)
    assert [c.text for c in page.comments] == ["Let's hope it holds this time.", "Nothing will change until the blockade ends."]
    assert page.published_at is not None and page.publisher == "Example News"


def test_json_page_with_comment_authors_and_parents():
    [page] = parse_seed("p.json", (ROOT / "seeds/examples/page.json").read_bytes())
    assert page.title == "Drone attack hits base in Syria"
    assert [(c.author, c.parent) for c in page.comments] == [("reader1", None), ("reader2", "reader1")]
    assert page.comments[0].posted_at.isoformat() == "2024-02-05T13:00:00+00:00"


def test_jsonl_one_page_per_line():
    pages = parse_seed("p.jsonl", (ROOT / "seeds/examples/pages.jsonl").read_bytes())
    assert [p.title for p in pages] == ["Sanctions announced", "Troops deployed"]
    assert [p.page_index for p in pages] == [0, 1]


@pytest.mark.parametrize("name,data,reason", [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", b"  \n\n \t", "empty file"),
    ("binary.txt", bytes(range(256)) * 4, "binary"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("bad16.txt", codecs.BOM_UTF16_LE + b"a\x00b", "UTF-16"),
    ("truncated.json", json.dumps({"title": "x", "body": "y"})[:-5].encode(), "invalid JSON"),
    ("wrong.json", b'["a list"]', "must be a JSON object"),
    ("nobody.json", b'{"title": "only a title"}', "'body'"),
    ("badline.jsonl", b'{"body": "ok"}\n{"body": ', "line 2"),
    ("notes.docx", b"PK\x03\x04", "unsupported file type .docx"),
    ("README", b"hello", "unsupported file type (none)"),
    ("badfront.txt", b"---\ntitle: [unclosed\n---\nBody text here.", "front matter"),
    ("baddate.json", b'{"body": "x", "published_at": "not a date at all"}', "unreadable date"),
], ids=lambda v: v if isinstance(v, str) and "." in v or v == "README" else None)
def test_bad_input_names_the_file_and_the_reason(name, data, reason):
    with pytest.raises(SeedError) as info:
        parse_seed(f"drop/{name}", data)
    assert info.value.path == f"drop/{name}"
    assert reason in info.value.reason
    assert str(info.value).startswith(f"drop/{name}: ")


def test_oversized_file_is_quarantined_before_reading(tmp_path):
    from datetime import datetime, timezone

    from tasks.ingest.batch import parse_batch
    from tasks.ingest.documents import SeedFile

    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.write(b"word " * (50 * 1024 * 1024 // 5))
    good = tmp_path / "good.txt"
    good.write_bytes(SAMPLE.read_bytes())
    seeds = [SeedFile(str(p), str(p), "0" * 64, p.stat().st_size, 0.0) for p in (big, good)]
    batch = parse_batch(seeds, "run", datetime.now(timezone.utc), 20 * 1024 * 1024, tmp_path / "q")
    assert [q["source_path"] for q in batch.quarantined] == [str(big)]
    assert "file is 50.0 MB; the limit is 20 MB" in batch.quarantined[0]["reason"]
    assert len(batch.articles) == 1 and len(batch.comments) == 5
