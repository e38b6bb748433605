"""The terminal report: one rich table per workload, one row per backend."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .records import RunRecord
from .summary import Group, Row, group_records
from .units import fmt_pct, fmt_ratio, fmt_seconds

__all__ = ["render_records", "table_for"]


def render_records(records: Iterable[RunRecord], console: Console) -> None:
    """Print a table per workload. Column meanings: measured is the median wall time;
    overhead = measured - ideal; eff. (efficiency) = ideal / measured."""
    for group in group_records(records):
        console.print(table_for(group))


def table_for(group: Group) -> Table:
    first = group.rows[0]
    table = Table(
        title=escape(
            f"{group.title}: {first.tasks} tasks, serial {fmt_seconds(first.serial_s)}, "
            f"ideal {fmt_seconds(first.ideal_s)}"
        ),
        title_justify="left",
    )
    table.add_column("backend", style="bold", no_wrap=True)
    several = any(row.python for row in group.rows)
    if several:
        table.add_column("python", no_wrap=True)
    table.add_column("runs", justify="right", no_wrap=True)
    for header in (
        "serial",
        "ideal",
        "measured",
        "± range",
        "overhead",
        "per task",
        "% ideal",
        "eff.",
    ):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("notes", overflow="fold", min_width=12)
    for row in group.rows:
        cells = _cells(row)
        table.add_row(*([cells[0], escape(row.python), *cells[1:]] if several else cells))
    return table


def _cells(row: Row) -> list[str]:
    wall = row.wall
    spread = "-" if wall is None else fmt_seconds(wall.maximum - wall.minimum)
    return [
        escape(row.label),
        str(wall.n if wall else 0),
        fmt_seconds(row.serial_s),
        fmt_seconds(row.ideal_s),
        fmt_seconds(wall.median if wall else None),
        spread,
        fmt_seconds(row.overhead_s, signed=True),
        fmt_seconds(row.overhead_per_task_s, signed=True),
        fmt_pct(row.overhead_pct),
        fmt_ratio(row.efficiency),
        escape(row.note),
    ]
