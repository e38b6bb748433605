"""The summary table's columns, shared by the HTML and Markdown reports.

A column is a header and a function of a :class:`~concbench.framework.analysis.summary.Row`; each
format escapes every cell itself, so a column never has to know whether its text came
from a plugin. Adding a column (a diagnosis, say) is one line in :data:`COLUMNS`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..analysis.clientcost import ClientCost
from ..analysis.latency import Arrivals
from ..analysis.saturation import saturated_because
from ..analysis.summary import Group, Row
from ..analysis.units import fmt_pct, fmt_ratio, fmt_seconds
from ..model.parts import Part

__all__ = [
    "ARRIVAL_COLUMNS",
    "CLIENT_COST_HEADERS",
    "CLIENT_COST_TITLE",
    "COLUMNS",
    "PART_COLUMNS",
    "PYTHON",
    "Column",
    "client_cost_cells",
    "group_caption",
    "row_name",
    "with_python",
]


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[Row], str]
    numeric: bool = True
    """Right-aligned figures; text columns are left-aligned."""
    help: str = ""


def _vs_best(row: Row) -> str:
    if row.vs_best is None:
        return "best" if row.wall is not None else "-"
    mark = " (significant)" if row.vs_best.significant else ""
    return f"{row.vs_best.change:+.1%}, p={row.vs_best.p_value:.2g}{mark}"


def _interval(row: Row) -> str:
    if row.wall is None:
        return "-"
    return f"{fmt_seconds(row.wall.rerun_low)} to {fmt_seconds(row.wall.rerun_high)}"


COLUMNS: tuple[Column, ...] = (
    Column("backend", lambda row: row.label, numeric=False),
    Column("runs", lambda row: str(row.ok_runs), help="ok runs"),
    Column("serial", lambda row: fmt_seconds(row.serial_s), help="sum of every step"),
    Column("ideal", lambda row: fmt_seconds(row.ideal_s), help="critical path"),
    Column(
        "measured",
        lambda row: fmt_seconds(row.wall.median if row.wall else None),
        help="median wall time",
    ),
    Column(
        "rerun 95%",
        _interval,
        help="where the median of the same sweep run again falls, 95% of the time",
    ),
    Column(
        "overhead", lambda row: fmt_seconds(row.overhead_s, signed=True), help="measured - ideal"
    ),
    Column(
        "per task",
        lambda row: fmt_seconds(row.overhead_per_task_s, signed=True),
        help="overhead / tasks",
    ),
    Column("% ideal", lambda row: fmt_pct(row.overhead_pct), help="overhead / ideal"),
    Column("efficiency", lambda row: fmt_ratio(row.efficiency), help="ideal / measured"),
    Column("vs best", _vs_best, help="change against the fastest row, p-value"),
    Column("diagnosis", lambda row: row.diagnosis, numeric=False, help="dominant cause"),
    Column("notes", lambda row: row.note, numeric=False),
)


def _part(part: Part) -> Callable[[Row], str]:
    return lambda row: fmt_seconds(row.parts.get(part), signed=True)


PART_COLUMNS: tuple[Column, ...] = (
    Column("backend", lambda row: row.label, numeric=False),
    Column("overhead", lambda row: fmt_seconds(row.overhead_s, signed=True)),
    *(Column(part.label, _part(part)) for part in Part),
)
"""Where the overhead went (model/parts.py): medians of the parts, which add up to the
overhead. Rows without an ok run have no parts and are left out."""


def _arrival(figure: Callable[[Arrivals], str]) -> Callable[[Row], str]:
    return lambda row: "-" if row.arrivals is None else figure(row.arrivals)


def _percentile(percent: float) -> Callable[[Arrivals], str]:
    return lambda arrivals: fmt_seconds(arrivals.latency.percentile_s(percent))


def _rate(rate: float) -> str:
    return f"{rate:,.0f}/s"


ARRIVAL_COLUMNS: tuple[Column, ...] = (
    Column("backend", lambda row: row.label, numeric=False),
    Column(
        "offered",
        _arrival(lambda a: _rate(a.offered_rate)),
        help="requests per second released (first to last release)",
    ),
    Column(
        "achieved",
        _arrival(lambda a: _rate(a.achieved_rate)),
        help="requests per second completed (first to last end)",
    ),
    *(
        Column(
            header,
            _arrival(_percentile(percent)),
            help=f"latency at the {header} (intended release to end), within 1%"
            if header == "p50"
            else "",
        )
        for header, percent in (("p50", 50.0), ("p90", 90.0), ("p99", 99.0), ("p99.9", 99.9))
    ),
    Column("max", _arrival(lambda a: fmt_seconds(a.latency.max_ns / 1e9)), help="exact"),
    Column(
        "lag p50",
        _arrival(lambda a: fmt_seconds(a.release_lag.percentile_s(50.0))),
        help="release lag: intended release to spawn",
    ),
    Column("lag p99", _arrival(lambda a: fmt_seconds(a.release_lag.percentile_s(99.0)))),
    Column(
        "saturated",
        _arrival(lambda a: saturated_because(a) or "no"),
        numeric=False,
        help="p99 above 10x the service time (at least 1 ms), or 10% short of offered",
    ),
)
"""Latency and throughput of an open-loop workload (analysis/latency.py), every used run's
histograms merged; rows without release times show none of it."""


PYTHON = Column(
    "python",
    lambda row: row.python,
    numeric=False,
    help="the interpreter, when the runs come from several",
)


def with_python(columns: Sequence[Column], rows: Sequence[Row]) -> tuple[Column, ...]:
    """``columns`` with the interpreter after the backend when the rows come from several
    interpreters (stores of several Pythons merged): else one backend's rows look alike."""
    if not any(row.python for row in rows):
        return tuple(columns)
    return (columns[0], PYTHON, *columns[1:])


def row_name(row: Row) -> str:
    """How a sentence names a row: ``asyncio``, or ``asyncio on CPython 3.13.0``."""
    return f"{row.label} on {row.python}" if row.python else row.label


def group_caption(group: Group) -> str:
    first = group.rows[0]
    return f"{first.tasks} tasks, {group.reference}"


CLIENT_COST_TITLE = "client cost per request, beside the raw io step (same backend, same workload)"
CLIENT_COST_HEADERS = (
    "workload",
    "backend",
    "client",
    "requests",
    "wall / request",
    "vs raw",
    "cpu / request",
    "vs raw",
    "alone (solo)",
)
"""The client cost table's columns (analysis/clientcost.py); the first four are text."""


def client_cost_cells(cost: ClientCost) -> list[str]:
    return [
        cost.params_label,
        cost.backend,
        cost.client,
        str(cost.requests),
        fmt_seconds(cost.wall_s),
        _signed(cost.extra_wall_s),
        "-" if cost.cpu_s is None else fmt_seconds(cost.cpu_s),
        _signed(cost.extra_cpu_s),
        "-" if cost.solo_s is None else fmt_seconds(cost.solo_s),
    ]


def _signed(seconds: float | None) -> str:
    if seconds is None:
        return "no raw row"
    return ("+" if seconds >= 0 else "-") + fmt_seconds(abs(seconds))
