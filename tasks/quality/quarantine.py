"""The records a batch leaves in the manifest and in quarantine: one shape for every seed file,
whatever stage decided its fate."""
from __future__ import annotations

import os
import re
import stat as st
from pathlib import Path

from tasks.ingest.documents import SeedFile

COPY_LIMIT_BYTES = 2 * 1024 * 1024
"""Larger rejected seeds are not copied: the quarantine row (path, size, SHA-256) is the reference.
Copying every oversized file would fill the disk with the very files that were too big."""

_UNSAFE_NAME = re.compile(r"[^\w.+-]")


def seed_record(seed: SeedFile, **fields) -> dict:
    return {"source_key": seed.source_key, "source_path": seed.path, "source_sha256": seed.sha256,
            "size_bytes": seed.size_bytes, **fields}


def quarantine_copy(seed: SeedFile, quarantine_dir: Path, data: bytes | None = None) -> str | None:
    """Keep a copy of a rejected seed beside the warehouse, so nothing is lost even if the drop
    folder is cleaned. The copy is never more readable than the original; files above
    COPY_LIMIT_BYTES and files that were never read (refused) are not copied (returns None)."""
    from tasks.ingest.discover import open_regular

    if seed.size_bytes > COPY_LIMIT_BYTES or (data is not None and len(data) > COPY_LIMIT_BYTES):
        return None
    try:
        fd = open_regular(seed.source_key)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as fh:
            mode = st.S_IMODE(os.fstat(fh.fileno()).st_mode) & 0o644
            if data is None:
                data = fh.read(COPY_LIMIT_BYTES + 1)
                if len(data) > COPY_LIMIT_BYTES:
                    return None
        quarantine_dir.mkdir(parents=True, exist_ok=True)
        # A file name may hold newlines or control characters: the copy's name does not.
        name = _UNSAFE_NAME.sub("_", Path(seed.path).name)[:100]
        target = quarantine_dir / f"{(seed.sha256 or 'nohash')[:12]}-{name}"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        out = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
        try:
            os.fchmod(out, mode)
            with os.fdopen(out, "wb") as fh:
                fh.write(data)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        os.replace(tmp, target)
        return str(target)
    except OSError:
        return None


def quarantine_record(seed: SeedFile, stage: str, reason: str, quarantine_dir: Path, data: bytes | None = None,
                      copy: bool = True) -> dict:
    path = quarantine_copy(seed, quarantine_dir, data) if copy else None
    return seed_record(seed, stage=stage, reason=reason, quarantine_path=path)


def refused_records(refused: list[tuple[SeedFile, str]]) -> list[dict]:
    """Quarantine rows for files discovery would not open: nothing is copied."""
    return [seed_record(s, stage="read", reason=reason, quarantine_path=None) for s, reason in refused]


def batch_records(parsed_quarantine: list[dict], parsed_seeds: list[SeedFile], articles_by_source: dict[str, list[str]],
                  rejected: dict[str, str], quarantine_dir: Path,
                  previously_loaded: set[str] = frozenset()) -> tuple[list[dict], list[dict]]:
    """(quarantine rows, manifest rows) for one batch: files that failed to parse, files whose
    articles failed a blocking check (`rejected`: source_key -> reason), and files that load.

    A file that had loaded before and now fails keeps the rows of its last good version: its
    manifest status is 'stale' (not 'quarantined'), so status does not claim the rows are gone."""
    by_key = {s.source_key: s for s in parsed_seeds}
    bad = parsed_quarantine + [quarantine_record(by_key[k], "validate", reason, quarantine_dir)
                               for k, reason in rejected.items()]
    manifest = [seed_record(by_key[k], status="loaded", n_articles=len(ids))
                for k, ids in articles_by_source.items() if k not in rejected]
    partial = {q["source_key"] for q in parsed_quarantine if q.get("partial")}
    for q in bad:
        if q["source_key"] in partial and q["source_key"] not in rejected:
            continue  # some lines of this file loaded: its manifest row says 'loaded'
        status = "stale" if q["source_key"] in previously_loaded else "quarantined"
        row = {k: v for k, v in q.items() if k != "partial"}
        if not any(m["source_key"] == q["source_key"] for m in manifest):
            manifest.append({**row, "status": status, "n_articles": 0})
    return bad, manifest


def duplicate_records(duplicates: list[tuple[SeedFile, str]]) -> list[dict]:
    return [seed_record(s, status="duplicate", duplicate_of=owner, n_articles=0) for s, owner in duplicates]

