"""Prefect's environment, set before Prefect is imported: where its state lives, no telemetry
(there is no network), its own logs kept off the user's screen unless asked, and the run's
temporary API server."""
from __future__ import annotations

import os
from pathlib import Path


def configure(prefect_home: Path, verbose: bool = False, fallback_home: Path | None = None) -> Path:
    """Returns PREFECT_HOME: as set already, else `prefect_home`, or `fallback_home` when that cannot
    be created (no writable home directory, as for a locked-down CI user)."""
    home = Path(os.environ.get("PREFECT_HOME") or prefect_home)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError:
        if fallback_home is None or "PREFECT_HOME" in os.environ:
            raise
        home = fallback_home
        home.mkdir(parents=True, exist_ok=True)
    os.environ["PREFECT_HOME"] = str(home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING" if verbose else "ERROR")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    return home


def start_temporary_api(home: Path):
    """Start the run's own Prefect API server now, in the background, and point PREFECT_API_URL at
    it, so that its start-up (about 3 s) overlaps with ours instead of running when the flow
    begins. Prefect would start the same server itself (uvicorn with Prefect's app, ephemeral
    mode), but only after importing its server package in this process, which alone takes 2 s.
    Returns a function that waits until the server answers. Does nothing when PREFECT_API_URL
    names a server."""
    if os.environ.get("PREFECT_API_URL"):
        return lambda: None
    from flows.prefect_server import TemporaryAPI

    api = TemporaryAPI(home)
    os.environ["PREFECT_API_URL"] = api.url
    return api.wait_ready
