"""How a flow tells the person at the terminal what it is doing, without knowing about terminals.
The CLI installs a listener; runs started elsewhere (a deployment) just log."""
from __future__ import annotations

import logging
from typing import Callable

_listener: Callable[[str], None] | None = None
log = logging.getLogger("newsflow")


def set_listener(listener: Callable[[str], None] | None) -> None:
    global _listener
    _listener = listener


def say(message: str) -> None:
    if _listener is not None:
        _listener(message)
    else:
        log.info(message)
