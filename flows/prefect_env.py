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


def start_temporary_api():
    """Start Prefect's temporary API server now, in the background, so that its start-up (about
    5 s) overlaps with ours instead of running when the flow begins. Returns a function that waits
    until it is up. Does nothing when PREFECT_API_URL names a server."""
    import threading

    if os.environ.get("PREFECT_API_URL"):
        return lambda: None
    failure: list[BaseException] = []

    def start() -> None:
        try:
            # The flow's client finds this same instance (one per port, the default port None)
            # already running and connects to it.
            from prefect.server.api.server import SubprocessASGIServer

            SubprocessASGIServer().start()
        except BaseException as exc:  # the flow would start it again and report any failure
            failure.append(exc)

    thread = threading.Thread(target=start, name="prefect-api-start", daemon=True)
    thread.start()

    def wait() -> None:
        thread.join()
        if failure:
            from prefect.server.api.server import SubprocessASGIServer

            SubprocessASGIServer().stop()  # let the flow start it itself and report why it cannot
    return wait
