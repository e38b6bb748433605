"""The terminal report: per workload, a results table, a decomposition table and advice."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console
from rich.table import Table

from ..analysis.clientcost import ClientCost, client_costs
from ..analysis.saturation import load_series, saturation_lines
from ..analysis.summary import Group, Row, group_records
from ..analysis.units import fmt_pct, fmt_ratio, fmt_seconds
from ..model.parts import SITUATIONAL, Part
from ..store.records import RunRecord
from ..store.sanitize import for_terminal as escape  # rich markup and control characters
from .columns import (
    ARRIVAL_COLUMNS,
    CLIENT_COST_HEADERS,
    CLIENT_COST_TITLE,
    client_cost_cells,
    row_name,
    with_python,
)

__all__ = [
    "arrivals_table",
    "client_cost_table",
    "decomposition_table",
    "render_records",
    "table_for",
]


def render_records(records: Iterable[RunRecord], console: Console) -> None:
    """Print each workload's tables. Column meanings: measured is the median wall time,
    with the 95% interval a rerun's median falls in; overhead = measured - ideal;
    eff. = ideal / measured; "vs best" compares with the fastest row (Mann-Whitney U)."""
    records = list(records)
    for group in group_records(records):
        console.print(table_for(group))
        if any(row.wall is not None for row in group.rows):
            console.print(decomposition_table(group))
        if any(row.arrivals is not None for row in group.rows):
            console.print(arrivals_table(group))
        advice: dict[str, list[str]] = {}
        for row in group.rows:
            for warning in row.warnings:
                advice.setdefault(warning, []).append(row_name(row))
        for warning, labels in advice.items():
            console.print(f"  [yellow]![/] {escape(', '.join(labels))}: {escape(warning)}")
        console.print()
    saturation = saturation_lines(load_series(records))
    if saturation:
        console.print("[bold]saturation[/] (p99 above 10x the service time, or 10% short):")
        for line in saturation:
            console.print(f"  {escape(line)}")

    costs = client_costs(records)
    if costs:
        console.print(client_cost_table(costs))
        console.print()


def arrivals_table(group: Group) -> Table:
    """Latency from the intended release, release lag and throughput (every run merged)."""
    table = Table(
        title="  latency from the intended release (every run's histogram merged, within 1%)",
        title_justify="left",
        title_style="dim",
    )
    rows = [row for row in group.rows if row.arrivals is not None]
    columns = with_python(ARRIVAL_COLUMNS, rows)
    for column in columns:
        table.add_column(
            column.header, justify="right" if column.numeric else "left", no_wrap=column.numeric
        )
    for row in rows:
        table.add_row(*(escape(column.cell(row)) for column in columns))
    return table


def client_cost_table(costs: list[ClientCost]) -> Table:
    """Each client stack's cost per request beside the raw ``io`` step of the same backend
    at the same latency (analysis/clientcost.py)."""
    table = Table(title=CLIENT_COST_TITLE, title_justify="left")
    for index, header in enumerate(CLIENT_COST_HEADERS):
        numeric = index >= 4
        table.add_column(header, justify="right" if numeric else "left", no_wrap=index > 0)
    for cost in costs:
        table.add_row(*(escape(cell) for cell in client_cost_cells(cost)))
    return table


def table_for(group: Group) -> Table:
    first = group.rows[0]
    per_step = _shows_steps(group)
    table = Table(
        title=escape(f"{group.title}: {first.tasks} tasks, {group.reference}"),
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
        "rerun 95%",
        "overhead",
        "per task",
        *(["per step"] if per_step else []),
        "% ideal",
        "eff.",
    ):
        table.add_column(header, justify="right", no_wrap=True)
    table.add_column("vs best", justify="right", no_wrap=True)
    table.add_column("diagnosis and notes", overflow="fold", min_width=24)
    for row in group.rows:
        cells = _cells(row, per_step)
        table.add_row(*([cells[0], escape(row.python), *cells[1:]] if several else cells))
    return table


def decomposition_table(group: Group) -> Table:
    """The overhead's parts along the critical lane (medians); they add up to the overhead."""
    table = Table(
        title="  where the overhead went (median of runs; parts add up to the overhead)",
        title_justify="left",
        title_style="dim",
    )
    table.add_column("backend", style="bold", no_wrap=True)
    several = any(row.python for row in group.rows)
    if several:
        table.add_column("python", no_wrap=True)
    table.add_column("overhead", justify="right", no_wrap=True)
    parts = [
        part
        for part in Part
        if part not in SITUATIONAL or any(row.parts.get(part) for row in group.rows)
    ]
    for part in parts:
        table.add_column(part.label, justify="right", no_wrap=True)
    for row in group.rows:
        if row.wall is None:
            continue
        cells = [fmt_seconds(row.parts.get(part), signed=True) for part in parts]
        python = [escape(row.python)] if several else []
        table.add_row(escape(row.label), *python, fmt_seconds(row.overhead_s, signed=True), *cells)
    return table


def _shows_steps(group: Group) -> bool:
    """A per-step column only where it says something per task does not: tasks of several
    steps (one task of 1000 sleeps: the lateness per sleep)."""
    return any(row.steps is not None and row.steps > row.tasks for row in group.rows)


def _cells(row: Row, per_step: bool) -> list[str]:
    wall = row.wall
    rerun = (
        "-" if wall is None or wall.n < 2 else f"{_short(wall.rerun_low)}-{_short(wall.rerun_high)}"
    )
    notes = "; ".join(text for text in (row.diagnosis, row.note) if text)
    return [
        escape(row.label),
        str(row.ok_runs),
        fmt_seconds(row.serial_s),
        fmt_seconds(row.ideal_s),
        fmt_seconds(wall.median if wall else None),
        rerun,
        fmt_seconds(row.overhead_s, signed=True),
        fmt_seconds(row.overhead_per_task_s, signed=True),
        *([fmt_seconds(row.overhead_per_step_s, signed=True)] if per_step else []),
        fmt_pct(row.overhead_pct),
        fmt_ratio(row.efficiency),
        _vs_best(row),
        escape(notes),
    ]


def _vs_best(row: Row) -> str:
    if row.vs_best is None:
        return "best" if row.wall is not None else "-"
    mark = "*" if row.vs_best.significant else ""
    return f"{row.vs_best.change:+.1%}{mark} p={row.vs_best.p_value:.2g}"


def _short(seconds: float) -> str:
    return fmt_seconds(seconds)
