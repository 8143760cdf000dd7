"""Environment errors a run cannot get past (read-only file system, permission denied, disk full,
a missing folder) as one line that names the path and the fix, instead of a traceback."""
from __future__ import annotations

import errno
import re
from pathlib import Path

_FIXES = {
    errno.EROFS: ("read-only file system", "put the warehouse on a writable disk (--warehouse PATH)"),
    errno.EACCES: ("permission denied", "make it writable for this user, or choose another --warehouse"),
    errno.EPERM: ("operation not permitted", "make it writable for this user, or choose another --warehouse"),
    errno.ENOSPC: ("disk full", "free some space there, or put the warehouse and lake on another disk (--warehouse, --lake)"),
    errno.EDQUOT: ("disk quota exceeded", "free some space there, or put the warehouse and lake on another disk (--warehouse, --lake)"),
    errno.ENOENT: ("no such file or folder", "check the path"),
}
# DuckDB reports the same conditions as text inside its IOException.
_TEXT = [(re.compile(p, re.IGNORECASE), code) for p, code in (
    (r"read-only file system", errno.EROFS), (r"permission denied", errno.EACCES),
    (r"no space left on device", errno.ENOSPC), (r"disk quota exceeded", errno.EDQUOT),
)]
_QUOTED_PATH = re.compile(r"\"(/[^\"]+)\"")


def _chain(exc: BaseException):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def environment_problem(exc: BaseException, data_dir: Path) -> str | None:
    """One line for an environment error anywhere in `exc`'s chain, or None if it is not one."""
    for e in _chain(exc):
        code, path = None, None
        if isinstance(e, OSError) and e.errno in _FIXES:
            code, path = e.errno, e.filename
        else:
            text = str(e)
            for pattern, c in _TEXT:
                if pattern.search(text):
                    code = c
                    m = _QUOTED_PATH.search(text)
                    path = m.group(1) if m else None
                    break
        if code is None or (code == errno.ENOENT and not isinstance(e, OSError)):
            continue
        what, fix = _FIXES[code]
        from flows.ingest import escape

        where = escape(str(path or data_dir))
        return f"{where}: {what}; {fix}"
    return None
