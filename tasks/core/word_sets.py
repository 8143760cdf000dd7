"""Word sets a linguist edits: a JSON Lines file, one named set per line,
`{"name": ..., "words": [...], "comment": "why these words"}`, checked when read so that a slip
names its file, its line and what is wrong (the segmenter's style sets, tone's word lists)."""
from __future__ import annotations

import json
from pathlib import Path

from tasks.core.errors import DataFileError


def read_word_sets(path: Path, names: tuple[str, ...], kind: str = "word set",
                   cased: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """name -> words, for exactly the sets `names`; words are lower case except in the `cased` sets.
    `kind` is what the file's users call a set ("word set", "list"), for the errors."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataFileError(str(path), None, f"cannot read the {kind}s: {exc.strerror or exc}") from exc
    sets: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise DataFileError(str(path), number, f"not a JSON object: {exc}") from exc
        if not isinstance(entry, dict) or set(entry) != {"name", "words", "comment"}:
            raise DataFileError(str(path), number, 'expected exactly the keys name, words, comment: '
                                                   '{"name": ..., "words": [...], "comment": ...}')
        name, words, comment = entry["name"], entry["words"], entry["comment"]
        if name not in names:
            raise DataFileError(str(path), number, f"unknown {kind} {name!r} (known: {', '.join(names)})")
        if name in sets:
            raise DataFileError(str(path), number, f"{kind} {name!r} already given on line {first_line[name]}")
        if not isinstance(comment, str) or not comment.strip():
            raise DataFileError(str(path), number, "'comment' is empty: say why the words are there")
        if not isinstance(words, list) or not words or not all(isinstance(w, str) and w and w == w.strip() for w in words):
            raise DataFileError(str(path), number, "'words' must be a non-empty list of words without surrounding spaces")
        for w in words:
            if name not in cased and w != w.lower():
                raise DataFileError(str(path), number, f"{w!r} must be lower case (words are matched lower-cased)")
            if "’" in w:
                raise DataFileError(str(path), number, f"{w!r}: write straight apostrophes (curly ones are read as straight)")
        dupes = sorted({w for w in words if words.count(w) > 1})
        if dupes:
            raise DataFileError(str(path), number, f"listed twice: {', '.join(dupes)}")
        sets[name], first_line[name] = words, number
    missing = [n for n in names if n not in sets]
    if missing:
        raise DataFileError(str(path), None, f"missing {kind}s: {', '.join(missing)}")
    return sets
