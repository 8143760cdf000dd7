"""Front matter of a text or Markdown seed (python-frontmatter): YAML between `---` lines or TOML
between `+++` lines, with limits, so that a few hundred bytes of YAML aliases cannot expand into
a title of many megabytes."""
from __future__ import annotations

import re
import tomllib

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from tasks.core.errors import SeedError

MAX_FRONT_MATTER_CHARS = 64 * 1024
"""Longest front matter accepted: metadata is a few lines."""
MAX_YAML_ALIASES = 50
"""Most YAML aliases (`*name`) accepted; a page's metadata needs none."""
MAX_VALUES = 10_000
"""Most values the metadata may hold once aliases are expanded (an alias bomb holds billions)."""


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader where PyYAML was built with it: the same documents, several times faster
(front matter is read for every seed file, in the flow's own process)."""


class _BoundedYAML(YAMLHandler):
    """YAML front matter read with the safe loader after counting its aliases on the event
    stream (linear, nothing built)."""

    def load(self, fm: str, **kwargs):
        if "*" in fm:  # no alias without an asterisk: the event stream need not be read twice
            aliases = sum(isinstance(e, yaml.AliasEvent) for e in yaml.parse(fm, Loader=_SAFE_LOADER))
            if aliases > MAX_YAML_ALIASES:
                raise _Refused(f"front matter uses {aliases} YAML aliases; the limit is {MAX_YAML_ALIASES}")
        return yaml.load(fm, Loader=_SAFE_LOADER)


class _TOML(BaseHandler):
    """TOML front matter between `+++` lines, read with the standard library's tomllib
    (python-frontmatter's own TOML handler needs the unmaintained `toml` package)."""

    FM_BOUNDARY = re.compile(r"^\+{3,}[ \t]*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs):
        return tomllib.loads(fm)


class _Refused(ValueError):
    """Front matter over one of the limits."""


HANDLERS = (_BoundedYAML(), _TOML())


def _count_values(value, limit: int) -> int:
    """How many values `value` holds, counting shared (aliased) ones each time they appear; stops
    counting past `limit`. Iterative, so deep nesting cannot exhaust the stack."""
    count, stack = 0, [value]
    while stack and count <= limit:
        v = stack.pop()
        count += 1
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, (list, tuple, set)):
            stack.extend(v)
    return count


def split_front_matter(text: str, path: str) -> tuple[dict, str]:
    """(metadata, the text after the front matter); ({}, text) when there is none."""
    handler = frontmatter.detect_format(text, HANDLERS)
    if handler is None:
        return {}, text
    try:
        fm, body = handler.split(text)
    except ValueError:  # an opening line and no closing one: no front matter
        return {}, text
    kind = "TOML" if isinstance(handler, _TOML) else "YAML"
    if len(fm) > MAX_FRONT_MATTER_CHARS:
        raise SeedError(path, f"front matter is {len(fm):,} characters; the limit is {MAX_FRONT_MATTER_CHARS:,}", "parse")
    try:
        meta = handler.load(fm)
    except _Refused as exc:
        raise SeedError(path, str(exc), "parse") from exc
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise SeedError(path, f"front matter is not valid {kind} ({exc.__class__.__name__})", "parse") from exc
    except (ValueError, OverflowError, RecursionError) as exc:
        raise SeedError(path, f"front matter has a value {kind} cannot represent ({exc.__class__.__name__}: "
                              f"{str(exc)[:120]})", "parse") from exc
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise SeedError(path, "front matter must be a mapping of keys to values", "parse")
    if _count_values(meta, MAX_VALUES) > MAX_VALUES:
        raise SeedError(path, f"front matter expands to more than {MAX_VALUES:,} values (YAML aliases); not read", "parse")
    return meta, body.lstrip("\n")
