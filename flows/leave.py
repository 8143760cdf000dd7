"""Leaving the process without Python's own teardown, once a heavy command is done.

After `newsflow run`, the interpreter spends a second or more freeing the module graphs of
Prefect, Great Expectations, scikit-learn and spaCy, one object at a time, although the process is
about to end and the system takes all its memory back at once. So, when those were imported, the
command leaves the way the interpreter would up to that point (non-daemon threads joined, exit
handlers run: the temporary API server and the analysis workers are stopped there, output is
flushed) and then ends at once. Everything the run writes (warehouse, lake, report) is committed
and closed before the command returns its exit code, so nothing waits for the teardown."""
from __future__ import annotations

import atexit
import os
import sys
import threading

HEAVY = ("prefect", "great_expectations", "spacy")
"""Modules whose teardown is worth skipping; a command that imported none of them exits as usual."""


def exit_status(code) -> int:
    """The process status SystemExit(code) stands for, as the interpreter reckons it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return int(code)
    print(code, file=sys.stderr)  # sys.exit("message") prints the message and exits 1
    return 1


def leave(code) -> None:
    """End the process with the status of SystemExit(code); returns (for a normal exit) when no
    heavy module was imported."""
    if not any(name in sys.modules for name in HEAVY):
        raise SystemExit(code)
    status = exit_status(code)
    # What Py_FinalizeEx does before it tears modules down: these are private names of the
    # standard library, kept stable because the interpreter itself calls them.
    threading._shutdown()  # noqa: SLF001
    atexit._run_exitfuncs()  # noqa: SLF001
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(status)
