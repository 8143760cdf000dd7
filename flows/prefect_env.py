"""Prefect's environment, set before Prefect is imported: state beside the warehouse, no
telemetry (there is no network), and its own logs kept off the user's screen unless asked."""
from __future__ import annotations

import os
from pathlib import Path


def configure(prefect_home: Path, verbose: bool = False, fallback_home: Path | None = None) -> None:
    if "PREFECT_HOME" not in os.environ:
        try:
            prefect_home.mkdir(parents=True, exist_ok=True)
        except OSError:
            if fallback_home is None:
                raise
            prefect_home = fallback_home  # no writable home directory (a locked-down CI user)
        os.environ["PREFECT_HOME"] = str(prefect_home)
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO" if verbose else "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_SERVER_LEVEL", "WARNING" if verbose else "ERROR")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    Path(os.environ["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)



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
