"""A batch of seed files read and parsed into article and comment rows and the texts to analyse."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tasks.core.errors import SeedError
from tasks.core.prefect_task import batch_task
from tasks.ingest.documents import Doc, SeedFile, build_rows
from tasks.ingest.parse import parse_seed
from tasks.quality.quarantine import quarantine_record


@dataclass
class ParsedBatch:
    articles: list[dict] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    docs: list[Doc] = field(default_factory=list)
    loaded: list[SeedFile] = field(default_factory=list)
    """Seed files that parsed; their articles by source_key are in `articles_by_source`."""
    articles_by_source: dict[str, list[str]] = field(default_factory=dict)
    quarantined: list[dict] = field(default_factory=list)


def parse_batch(seeds: list[SeedFile], run_id: str, ingested_at: datetime, max_bytes: int,
                quarantine_dir: Path) -> ParsedBatch:
    """Read and parse every file; a bad file becomes a quarantine record, the others go on."""
    out = ParsedBatch()
    for seed in seeds:
        try:
            if seed.size_bytes > max_bytes:
                raise SeedError(seed.path, f"file is {seed.size_bytes / 2**20:.1f} MB; the limit is "
                                           f"{max_bytes / 2**20:g} MB (raise it with --max-file-mb)")
            try:
                data = Path(seed.path).read_bytes()
            except OSError as exc:
                raise SeedError(seed.path, f"cannot be read ({exc.strerror})") from exc
            pages = parse_seed(seed.path, data)
        except SeedError as exc:
            out.quarantined.append(quarantine_record(seed, exc.stage, exc.reason, quarantine_dir))
            continue
        articles, comments, docs = build_rows(seed, pages, run_id, ingested_at)
        out.articles += articles
        out.comments += comments
        out.docs += docs
        out.loaded.append(seed)
        out.articles_by_source[seed.source_key] = [a["article_id"] for a in articles]
    return out


@batch_task(name="parse")
def parse_task(seeds: list[SeedFile], run_id: str, ingested_at: datetime, max_bytes: int, quarantine_dir: Path) -> ParsedBatch:
    """Seed files of one batch to article and comment rows."""
    return parse_batch(seeds, run_id, ingested_at, max_bytes, quarantine_dir)
