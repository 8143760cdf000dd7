"""The records a batch leaves in the manifest and in quarantine: one shape for every seed file,
whatever stage decided its fate."""
from __future__ import annotations

import shutil
from pathlib import Path

from tasks.ingest.documents import SeedFile


def seed_record(seed: SeedFile, **fields) -> dict:
    return {"source_key": seed.source_key, "source_path": seed.path, "source_sha256": seed.sha256,
            "size_bytes": seed.size_bytes, **fields}


def quarantine_copy(seed: SeedFile, quarantine_dir: Path) -> str | None:
    """Keep a copy of a rejected seed beside the warehouse, so nothing is lost even if the
    drop folder is cleaned."""
    try:
        quarantine_dir.mkdir(parents=True, exist_ok=True)
        target = quarantine_dir / f"{(seed.sha256 or 'nohash')[:12]}-{Path(seed.path).name}"
        shutil.copyfile(seed.path, target)
        return str(target)
    except OSError:
        return None


def quarantine_record(seed: SeedFile, stage: str, reason: str, quarantine_dir: Path) -> dict:
    return seed_record(seed, stage=stage, reason=reason, quarantine_path=quarantine_copy(seed, quarantine_dir))


def batch_records(parsed_quarantine: list[dict], parsed_seeds: list[SeedFile], articles_by_source: dict[str, list[str]],
                  rejected: dict[str, str], quarantine_dir: Path) -> tuple[list[dict], list[dict]]:
    """(quarantine rows, manifest rows) for one batch: files that failed to parse, files whose
    articles failed a blocking check (`rejected`: source_key -> reason), and files that load."""
    by_key = {s.source_key: s for s in parsed_seeds}
    bad = parsed_quarantine + [quarantine_record(by_key[k], "validate", reason, quarantine_dir)
                               for k, reason in rejected.items()]
    manifest = [seed_record(by_key[k], status="loaded", n_articles=len(ids))
                for k, ids in articles_by_source.items() if k not in rejected]
    manifest += [{**q, "status": "quarantined", "n_articles": 0} for q in bad]
    return bad, manifest


def duplicate_records(duplicates: list[tuple[SeedFile, str]]) -> list[dict]:
    return [seed_record(s, status="duplicate", duplicate_of=owner, n_articles=0) for s, owner in duplicates]
