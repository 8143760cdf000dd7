"""A batch of seed files read and parsed into article and comment rows and the texts to analyse."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from tasks.core.errors import SeedError
from tasks.core.prefect_task import batch_task
from tasks.ingest.discover import read_seed_bytes
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
    """Quarantine rows: whole files, and single bad lines of JSON Lines files whose other lines
    load (those rows carry `partial`)."""

    def without_failed(self, failed_docs: dict[str, str], quarantine_dir: Path) -> "ParsedBatch":
        """This batch less the files any of whose documents could not be analysed
        (`failed_docs`: doc_id -> reason); each such file becomes a quarantine row."""
        if not failed_docs:
            return self
        article_of = {d.doc_id: d.article_id for d in self.docs}
        reason_by_article = {article_of[doc_id]: reason for doc_id, reason in failed_docs.items()}
        reasons = {}
        for source, article_ids in self.articles_by_source.items():
            for a in article_ids:
                if a in reason_by_article:
                    reasons.setdefault(source, reason_by_article[a])
        gone = {a for s in reasons for a in self.articles_by_source[s]}
        return ParsedBatch(
            articles=[a for a in self.articles if a["article_id"] not in gone],
            comments=[c for c in self.comments if c["article_id"] not in gone],
            docs=[d for d in self.docs if d.article_id not in gone],
            loaded=[s for s in self.loaded if s.source_key not in reasons],
            articles_by_source={k: v for k, v in self.articles_by_source.items() if k not in reasons},
            quarantined=self.quarantined + [quarantine_record(s, "analyse", reasons[s.source_key], quarantine_dir)
                                            for s in self.loaded if s.source_key in reasons],
        )


def parse_file(seed: SeedFile, max_bytes: int, skipped: list[SeedError]) -> tuple[list, bytes | None]:
    """(pages, the bytes read) of one seed; SeedError for any reason it cannot be read or parsed."""
    if seed.size_bytes > max_bytes:
        raise SeedError(seed.path, f"file is {seed.size_bytes / 2**20:.1f} MB; the limit is "
                                   f"{max_bytes / 2**20:g} MB (raise it with --max-file-mb)")
    data = read_seed_bytes(seed, max_bytes)
    return parse_seed(seed.path, data, skipped), data


def parse_batch(seeds: list[SeedFile], run_id: str, ingested_at: datetime, max_bytes: int,
                quarantine_dir: Path) -> ParsedBatch:
    """Read and parse every file; a bad file becomes a quarantine record, the others go on."""
    out = ParsedBatch()
    for seed in seeds:
        skipped: list[SeedError] = []
        data = None
        try:
            pages, data = parse_file(seed, max_bytes, skipped)
            articles, comments, docs = build_rows(seed, pages, run_id, ingested_at)
        except SeedError as exc:
            out.quarantined.append(quarantine_record(seed, exc.stage, exc.reason, quarantine_dir, data))
            continue
        except Exception as exc:  # noqa: BLE001 - one file's surprise is that file's quarantine row
            reason = f"could not be read into rows ({type(exc).__name__}: {str(exc)[:200]})"
            out.quarantined.append(quarantine_record(seed, "parse", reason, quarantine_dir, data))
            continue
        for exc in skipped:
            out.quarantined.append({**quarantine_record(seed, exc.stage, exc.reason, quarantine_dir, data),
                                    "partial": True})
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
