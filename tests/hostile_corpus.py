"""A seed folder an attacker or an unlucky operator would make (issue 13), and the good pages
beside them that must still load. Used by tests/test_hostile.py and runnable by hand:

    .venv/bin/python tests/hostile_corpus.py DIR     # then: .venv/bin/newsflow run DIR --settle-seconds 0
"""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "seeds" / "000_547e16957a209b03.txt"
GOOD_BODY = ("Rockets hit a military base near Baghdad on Thursday, Iraqi officials said.\n"
             "The attack caused no casualties, according to Reuters.\n")

YAML_BOMB = """---
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
title: *h
---
Body text of the bomb page.
"""

GOOD = {
    "good_sample.txt": SAMPLE.read_bytes(),
    "good_page.json": (ROOT / "seeds/examples/page.json").read_bytes(),
    "good_page.html": (ROOT / "seeds/examples/page.html").read_bytes(),
    "good_page.md": (ROOT / "seeds/examples/page.md").read_bytes(),
    "good_cp1251.txt": ("Москва заявила, что переговоры продолжатся в четверг, сообщили официальные лица.\n"
                        "Представители министерства не комментируют ситуацию.\n").encode("cp1251"),
    "good_utf16_nobom.txt": GOOD_BODY.encode("utf-16-le"),
    "good_toml.md": ("+++\ntitle = \"TOML front matter\"\npublished_at = 2024-08-09T10:00:00Z\n+++\n" + GOOD_BODY).encode(),
}
"""Files that must load, whatever is beside them."""

GOOD_JSONL_LINES = 2
"""mixed.jsonl holds two good lines and one bad line between them."""


def hostile_files(outside: Path) -> dict[str, bytes]:
    """name -> bytes of the hostile regular files; `outside` is a folder outside the seed folder."""
    caps = " ".join(f"Word{i % 97}" for i in range(40_000))[: 256 * 1024]
    return {
        "deep.json": b"[" * 200_000 + b"]" * 200_000,
        "deep_object.json": b'{"body": "x", "title": ' + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"}",
        "inf_date.json": b'{"title": "Infinite", "published_at": 1e400, "body": "Troops withdrew on Monday."}',
        "year9999_tz.txt": ("---\npublished_at: 9999-12-31T23:00:00-05:00\n---\n" + GOOD_BODY).encode(),
        "year9999_tomorrow.json": json.dumps({"published_at": "9999-12-31T12:00:00Z",
                                              "body": "Rebels will attack the town tomorrow, officials said."}).encode(),
        "year0001_weekday.json": json.dumps({"published_at": "0001-01-01T12:00:00Z",
                                             "body": "Police arrested ten protesters on Monday in Paris."}).encode(),
        "yaml_bomb.txt": YAML_BOMB.encode(),
        "huge_title.json": json.dumps({"title": "T" * 3_000_000, "body": "Short body."}).encode(),
        "too_long_text.txt": ("A sentence about nothing in particular. " * 130_000).encode(),
        "many_lines.txt": "\n".join(f"Line {i} of the page." for i in range(25_000)).encode(),
        "capitalised_line.txt": f"According to {caps} reported.\n".encode(),
        "nested_divs.html": b"<html><body>" + b"<div>" * 20_000 + b"<p>Deep text here, officials said.</p>"
                            + b"</div>" * 20_000 + b"</body></html>",
        "mixed.jsonl": b'{"title": "First", "body": "Troops withdrew from the town on Monday."}\n'
                       b'{"title": "Broken", "body": \n'
                       b'{"title": "Third", "body": "Protesters marched in Paris on Tuesday."}\n',
        "evil\nname\x1b[31m.txt": b"\x00\x01\x02 binary \x00\x00" * 100,
        "[bold]markup[-bold].txt": b"",
        "oversize.txt": b"word " * (21 * 1024 * 1024 // 5),
    }


def write_corpus(folder: Path, outside: Path) -> dict[str, str]:
    """Writes the good and hostile files into `folder` (links, a FIFO and an outside secret
    too); returns name -> what it is, for the report."""
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    for name, data in {**GOOD, **hostile_files(outside)}.items():
        (folder / name).write_bytes(data)
    secret = outside / "secret.txt"
    secret.write_text("SECRET-TOKEN-0600 must never be read\n" + GOOD_BODY)
    os.chmod(secret, 0o600)
    links = {"link_passwd.txt": "/etc/passwd", "link_secret.txt": str(secret),
             "link_environ.txt": "/proc/self/environ", "link_dangling.txt": str(outside / "nothing.txt"),
             "link_inside.txt": "good_sample.txt"}
    for name, target in links.items():
        os.symlink(target, folder / name)
    os.mkfifo(folder / "fifo.txt")
    old = 1_600_000_000
    for p in folder.iterdir():
        if not p.is_symlink() and not p.is_fifo():
            os.utime(p, (old, old))
    return {**{n: "good" for n in GOOD}, **{n: "link" for n in links}, "fifo.txt": "fifo"}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    if target.exists():
        shutil.rmtree(target)
    write_corpus(target / "seeds", target / "outside")
    print(target / "seeds")
