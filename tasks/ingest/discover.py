"""Find seed files, hash them, and decide which are new, unchanged, duplicated, renamed, vanished
or still being written.

Only regular files inside the seed folder are ever opened: a symbolic link is followed only when
it resolves to a regular file inside the folder, and devices, FIFOs, sockets and /proc files are
refused from their lstat before any open (and checked again on the open descriptor, so a file
swapped for a FIFO between the two checks is still never read).
"""
from __future__ import annotations

import errno
import hashlib
import os
import stat as st
import time
from dataclasses import dataclass, field
from pathlib import Path

from tasks.core.errors import NewsflowError, SeedError
from tasks.core.prefect_task import batch_task
from tasks.ingest.documents import SeedFile


@dataclass
class Discovery:
    new: list[SeedFile] = field(default_factory=list)
    """New or changed files: these are parsed and loaded."""
    unchanged: list[SeedFile] = field(default_factory=list)
    waiting: list[SeedFile] = field(default_factory=list)
    """Modified within the settle time: maybe still being written; the next run takes them."""
    duplicates: list[tuple[SeedFile, str]] = field(default_factory=list)
    """(file, source_key of the loaded file with the same content)."""
    refused: list[tuple[SeedFile, str]] = field(default_factory=list)
    """(file, reason): never opened or not readable (links out of the folder, devices, FIFOs,
    permission denied). They become quarantine rows without a copy."""
    renamed: dict[str, str] = field(default_factory=dict)
    """new source_key -> old source_key: a loaded file that now lives under another name. The new
    name's rows replace the old name's."""
    vanished: list[str] = field(default_factory=list)
    """source_keys of loaded files under the scanned folders that no longer exist."""

    @property
    def seen(self) -> int:
        return (len(self.new) + len(self.unchanged) + len(self.waiting) + len(self.duplicates)
                + len(self.refused))


@dataclass(frozen=True)
class Candidate:
    """A name found in a seed folder and the folder it was found in (None: named directly)."""

    path: Path
    root: Path | None


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def list_candidates(paths: list[str], recursive: bool = False) -> list[Candidate]:
    """Every name directly in the given folders (every level below with `recursive`, never
    through a linked folder), hidden ones skipped, and the files given by name. Nothing is
    opened here: names are classified later from lstat."""
    out: dict[Path, Candidate] = {}
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            root = p.resolve()
            if recursive:
                found = []
                # os.walk never descends into a linked folder (followlinks=False).
                for folder, dirs, files in os.walk(p):
                    dirs[:] = [d for d in dirs if not d.startswith(".")]
                    found += [Path(folder) / f for f in files]
            else:
                found = [f for f in p.iterdir() if not f.is_dir()]
            for f in sorted(found):
                if not _hidden(f, p):
                    out.setdefault(f, Candidate(f, root))
        elif os.path.lexists(p):
            out.setdefault(p, Candidate(p, None))
        else:
            raise NewsflowError(f"{raw}: no such file or folder")
    return list(out.values())


def _kind(mode: int) -> str:
    for test, name in ((st.S_ISFIFO, "a FIFO (named pipe)"), (st.S_ISCHR, "a character device"),
                       (st.S_ISBLK, "a block device"), (st.S_ISSOCK, "a socket"), (st.S_ISDIR, "a folder")):
        if test(mode):
            return name
    return "not a regular file"


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def check_candidate(c: Candidate) -> tuple[Path, os.stat_result]:
    """(resolved path, its stat) of a name that may be opened; SeedError (stage 'read') otherwise."""
    try:
        lst = os.lstat(c.path)
        resolved = c.path.resolve(strict=True)
        target = os.stat(resolved, follow_symlinks=False)
    except FileNotFoundError as exc:
        if os.path.islink(c.path):
            raise SeedError(str(c.path), f"is a broken symbolic link (to {os.readlink(c.path)!r}); not read") from exc
        raise SeedError(str(c.path), "vanished while the folder was read") from exc
    except RuntimeError as exc:  # a symlink loop
        raise SeedError(str(c.path), "is a symbolic link loop; not read") from exc
    except OSError as exc:
        raise SeedError(str(c.path), f"cannot be examined ({exc.strerror})") from exc
    if st.S_ISLNK(lst.st_mode) and c.root is not None and not _inside(resolved, c.root):
        raise SeedError(str(c.path), "is a symbolic link to a file outside the seed folder; not read")
    if resolved.parts[:2] in (("/", "proc"), ("/", "sys"), ("/", "dev")):
        raise SeedError(str(c.path), f"resolves to {resolved.parts[1]}/ (not a seed file); not read")
    if not st.S_ISREG(target.st_mode):
        raise SeedError(str(c.path), f"is {_kind(target.st_mode)}, not a regular file; not read")
    return resolved, target


def open_regular(path: str | Path) -> int:
    """A read-only descriptor on a regular file: never follows a final symlink, never blocks on a
    FIFO, and re-checks the type on the open file itself."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not st.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(fd, True)
        return fd
    except BaseException:
        os.close(fd)
        raise


def read_seed_bytes(seed: SeedFile, limit: int | None = None) -> bytes:
    """The bytes of a discovered seed, through its resolved path (no symlink followed). SeedError
    naming the file when it cannot be read or grew past `limit` bytes."""
    try:
        fd = open_regular(seed.source_key)
    except OSError as exc:
        raise SeedError(seed.path, f"cannot be read ({exc.strerror or exc})") from exc
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1) if limit is not None else fh.read()
    if limit is not None and len(data) > limit:
        raise SeedError(seed.path, f"grew past the {limit / 2**20:g} MB limit while being read")
    return data


def hash_file(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    fd = open_regular(path)
    with os.fdopen(fd, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def fingerprint(*parts) -> str:
    """A stand-in content hash for a file that was not read: changes when what was seen changes,
    so an unchanged refusal is not reported again on every run."""
    return hashlib.sha256("\x00".join(map(str, parts)).encode("utf-8", "surrogateescape")).hexdigest()


def _under(key: str, roots: list[tuple[Path, bool]]) -> bool:
    path = Path(key)
    return any(path.parent == root or (recursive and root in path.parents) for root, recursive in roots)


def scan(paths: list[str], manifest: dict[str, tuple[str, str]], loaded: dict[str, str],
         settle_seconds: float, now: float | None = None, recursive: bool = False) -> Discovery:
    """Classify every seed file against the manifest (source_key -> (sha256, status)) and the
    loaded contents (sha256 -> source_key)."""
    now = time.time() if now is None else now
    found = Discovery()
    hashed: list[tuple[SeedFile, tuple[str, str] | None]] = []
    listed: set[str] = set()
    # Files before links: a link to a file in the folder is that file, listed under its own name.
    for c in sorted(list_candidates(paths, recursive), key=lambda c: c.path.is_symlink()):
        try:
            resolved, stat = check_candidate(c)
        except SeedError as exc:
            key = str(c.path.absolute())
            try:
                lst = os.lstat(c.path)
                seen = (lst.st_mode, lst.st_size, lst.st_mtime_ns, os.readlink(c.path) if os.path.islink(c.path) else "")
            except OSError:
                seen = ()
            seed = SeedFile(str(c.path), key, fingerprint("refused", exc.reason, *seen), 0, 0.0)
            listed.add(key)
            if manifest.get(key, ("",))[0] == seed.sha256:
                found.unchanged.append(seed)
            else:
                found.refused.append((seed, exc.reason))
            continue
        key = str(resolved)
        if key in listed:  # a link to a file already listed under its own name
            continue
        listed.add(key)
        if now - stat.st_mtime < settle_seconds:
            found.waiting.append(SeedFile(str(c.path), key, "", stat.st_size, stat.st_mtime))
            continue
        try:
            digest = hash_file(resolved)
        except OSError as exc:
            reason = f"cannot be read ({exc.strerror or exc})"
            seed = SeedFile(str(c.path), key, fingerprint("unreadable", reason, stat.st_mode, stat.st_uid,
                                                        stat.st_size, stat.st_mtime_ns), stat.st_size, stat.st_mtime)
            if manifest.get(key, ("",))[0] == seed.sha256:
                found.unchanged.append(seed)
            else:
                found.refused.append((seed, reason))
            continue
        hashed.append((SeedFile(str(c.path), key, digest, stat.st_size, stat.st_mtime), manifest.get(key)))

    current = {seed.source_key: seed.sha256 for seed, _ in hashed}
    # Who holds each content after this run: loaded files that still have it. A file not scanned
    # now (another folder) still holds its content while it exists on disk.
    holder: dict[str, str] = {}
    gone: dict[str, str] = {}
    for sha, key in loaded.items():
        if key in current:
            if current[key] == sha:
                holder[sha] = key
        elif key not in listed and os.path.lexists(key):
            holder[sha] = key
        elif key not in listed:
            gone[sha] = key
    for seed, previous in hashed:
        key = seed.source_key
        if previous and previous[0] == seed.sha256 and previous[1] != "duplicate":
            found.unchanged.append(seed)
            continue
        owner = holder.get(seed.sha256)
        if owner and owner != key:
            if previous and previous[0] == seed.sha256:
                found.unchanged.append(seed)  # still a duplicate of a file that still holds it
            else:
                found.duplicates.append((seed, owner))
            continue
        if seed.sha256 in gone:
            found.renamed[key] = gone.pop(seed.sha256)
        holder[seed.sha256] = key
        found.new.append(seed)

    roots = [(Path(p).resolve(), recursive) for p in paths if Path(p).is_dir()]
    renamed_from = set(found.renamed.values())
    for key, (_sha, status) in manifest.items():
        if status in ("loaded", "stale") and key not in listed and key not in renamed_from \
                and _under(key, roots) and not os.path.lexists(key):
            found.vanished.append(key)
    return found


@batch_task(name="discover")
def discover_task(paths: list[str], manifest, loaded, settle_seconds: float, recursive: bool = False) -> Discovery:
    """Which seed files this run takes."""
    return scan(paths, manifest, loaded, settle_seconds, recursive=recursive)
