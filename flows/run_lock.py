"""One ingest run at a time per warehouse: an advisory file lock beside the warehouse file."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def run_lock(data_dir: Path, wait_seconds: float, on_wait=None):
    """Yields True once this process holds the lock, or False if another run still holds it after
    `wait_seconds`. The lock dies with its process, so a crashed run never blocks the next."""
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / ".ingest.lock", os.O_CREAT | os.O_RDWR, 0o644)
    deadline, told = time.monotonic() + wait_seconds, False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    yield False
                    return
                if not told and on_wait is not None:
                    on_wait()
                    told = True
                time.sleep(0.5)
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
