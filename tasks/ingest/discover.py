"""Find seed files, hash them, and decide which are new, unchanged, duplicated or still being written."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path

from tasks.ingest.documents import SeedFile
from tasks.core.errors import NewsflowError
from tasks.core.prefect_task import batch_task


@dataclass
class Discovery:
    new: list[SeedFile] = field(default_factory=list)
    """New or changed files: these are parsed and loaded."""
    unchanged: list[SeedFile] = field(default_factory=list)
    waiting: list[SeedFile] = field(default_factory=list)
    """Modified within the settle time: maybe still being written; the next run takes them."""
    duplicates: list[tuple[SeedFile, str]] = field(default_factory=list)
    """(file, source_key of the loaded file with the same content)."""

    @property
    def seen(self) -> int:
        return len(self.new) + len(self.unchanged) + len(self.waiting) + len(self.duplicates)


def list_seed_files(paths: list[str], recursive: bool = False) -> list[Path]:
    """The files directly in the given folders (every level below with `recursive`), hidden ones
    skipped, and the files given by name."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = p.rglob("*") if recursive else p.glob("*")
            out.extend(sorted(
                f for f in found
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            ))
        elif p.is_file():
            out.append(p)
        else:
            raise NewsflowError(f"{raw}: no such file or folder")
    return list(dict.fromkeys(out))


def hash_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def scan(paths: list[str], manifest: dict[str, tuple[str, str]], loaded: dict[str, str],
         settle_seconds: float, now: float | None = None, recursive: bool = False) -> Discovery:
    """Classify every seed file against the manifest (source_key -> (sha256, status)) and the
    loaded contents (sha256 -> source_key)."""
    now = time.time() if now is None else now
    found = Discovery()
    claimed: dict[str, str] = {}
    for path in list_seed_files(paths, recursive):
        stat = path.stat()
        key = str(path.resolve())
        if now - stat.st_mtime < settle_seconds:
            found.waiting.append(SeedFile(str(path), key, "", stat.st_size, stat.st_mtime))
            continue
        seed = SeedFile(str(path), key, hash_file(path), stat.st_size, stat.st_mtime)
        previous = manifest.get(key)
        if previous and previous[0] == seed.sha256:
            found.unchanged.append(seed)
            continue
        owner = loaded.get(seed.sha256) or claimed.get(seed.sha256)
        if owner and owner != key:
            found.duplicates.append((seed, owner))
            continue
        claimed[seed.sha256] = key
        found.new.append(seed)
    return found


@batch_task(name="discover")
def discover_task(paths: list[str], manifest, loaded, settle_seconds: float, recursive: bool = False) -> Discovery:
    """Which seed files this run takes."""
    return scan(paths, manifest, loaded, settle_seconds, recursive=recursive)
