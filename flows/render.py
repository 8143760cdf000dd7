"""Query results as people and programs read them: tables that fit the terminal (like the DuckDB
CLI), and JSON with ISO 8601 times and numbers without float noise."""
from __future__ import annotations

import base64
import datetime as dt
import math
import struct
import sys
from decimal import Decimal

import pyarrow as pa
from rich.console import Console
from rich.table import Table

CELL_WIDTH_ON_TERMINAL = 40
"""On a terminal, a column is given at most this many characters (longer values end in '…')
when deciding how many columns fit, as the DuckDB CLI does."""


def _short_float(value: float) -> float:
    """A double without its last-digit noise (0.30000000000000004 -> 0.3); 15 significant
    digits are what a double holds exactly."""
    return float(f"{value:.15g}")


def _float32_value(value: float) -> float:
    """A REAL (float32) as the shortest number that is the same float32: 0.6000000238418579 -> 0.6."""
    stored = struct.pack("<f", value)
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.pack("<f", candidate) == stored:
            return candidate
    return value


def json_value(value):
    """A Python value from Arrow as JSON-ready data."""
    if value is None:
        return None
    if isinstance(value, float):
        return None if not math.isfinite(value) else _short_float(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(x, tuple) and len(x) == 2 for x in value):  # an Arrow MAP
            return {str(k): json_value(v) for k, v in value}
        return [json_value(v) for v in value]
    return value


def json_records(table: pa.Table) -> list[dict]:
    """The table's rows as JSON-ready dicts, REAL columns shown at their own precision."""
    columns = {}
    for name, column in zip(table.column_names, table.columns):
        values = column.to_pylist()
        if pa.types.is_float32(column.type):
            values = [None if v is None or not math.isfinite(v) else _float32_value(v) for v in values]
        else:
            values = [json_value(v) for v in values]
        columns[name] = values
    return [dict(zip(columns, row)) for row in zip(*columns.values())] if columns else []


def display_text(value) -> str:
    """A cell as the table shows it."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(_short_float(value)) if math.isfinite(value) else str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _natural_width(header: str, cells: list[str], cap: int | None) -> int:
    widest = max((len(c) for c in cells), default=0)
    if cap is not None:
        widest = min(widest, cap)
    return max(len(header), widest)


def _is_numeric(values) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, (int, float, Decimal)) and not isinstance(v, bool) for v in present)


def columns_that_fit(widths: list[int], available: int) -> int:
    """How many leading columns of these natural widths a table with borders fits in
    `available` characters (at least one)."""
    used, shown = 1, 0  # the left border
    for w in widths:
        used += w + 3  # padding either side and the border after
        if used > available:
            break
        shown += 1
    return max(shown, 1)


def print_table(columns: list[str], rows: list[tuple], console: Console | None = None,
                title: str | None = None, noun: str = "rows") -> None:
    """Rows as a table with a footer counting them. On a terminal: the leading columns that fit
    its width, headers never cut, and the footer says how many columns are shown. Elsewhere
    (a file, a pipe): every column, every value whole."""
    console = console or Console(soft_wrap=True)
    cells = [[display_text(v) for v in r] for r in rows]
    by_column = [[r[i] for r in cells] for i in range(len(columns))]
    on_terminal = console.is_terminal
    cap = CELL_WIDTH_ON_TERMINAL if on_terminal else None
    widths = [_natural_width(c, col, cap) for c, col in zip(columns, by_column)]
    shown = columns_that_fit(widths, console.width) if on_terminal else len(columns)

    t = Table(show_header=True, header_style="bold", title=title)
    for i, (name, width) in enumerate(zip(columns[:shown], widths[:shown])):
        t.add_column(name, min_width=len(name), max_width=width if on_terminal else None, no_wrap=True,
                     overflow="ellipsis", justify="right" if _is_numeric(r[i] for r in rows) else "left")
    for r in cells:
        t.add_row(*r[:shown])
    if not on_terminal:
        console = Console(file=console.file, width=sum(w + 3 for w in widths[:shown]) + 1,
                          soft_wrap=True, color_system=None)
    console.print(t)
    footer = f"{len(rows)} {noun if len(rows) != 1 else noun.removesuffix('s')}"
    if shown < len(columns):
        footer += f"  {len(columns)} columns ({shown} shown)"
    console.print(footer)


def stdout_console() -> Console:
    return Console(file=sys.stdout, soft_wrap=True)
