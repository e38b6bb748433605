"""Reports drawn with rich in the terminal: run timelines and baseline diffs.

A timeline is the teaching example's diagram in characters: one row per lane (main
first), one character per slice of time, showing what the lane was doing for most of
that slice. With many tasks the rows become a density: how many tasks had been spawned,
were running, and had ended. A task tree's lanes are indented under their parent, and its
density has a row per tree level besides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from ..analysis.summary import group_records
from ..analysis.units import fmt_seconds
from ..model.workload import StepKind
from ..store.records import RunRecord
from ..store.sanitize import visible
from ..store.tracestore import StoredTrace
from .diff import HEADERS, NUMERIC, DiffRow, diff_cells
from .timeline import Density, Lane, Timeline, build_timeline

__all__ = ["diff_table", "print_timelines", "timeline_text"]

KIND_STYLES: dict[StepKind | None, str] = {
    StepKind.SLEEP: "green",
    StepKind.BLOCK: "red",
    StepKind.CPU: "yellow",
    StepKind.CHECKPOINT: "cyan",
    StepKind.IO: "magenta",
    StepKind.PUT: "bright_green",
    StepKind.GET: "bright_cyan",
    StepKind.CALL: "bright_yellow",
    StepKind.OFFLOAD: "bright_blue",
    None: "blue",
}
_WAIT, _GATHER, _IDLE, _SPAWN, _DONE = "wait", "gather", "idle", "▸", "◂"
_LEVELS = " ▁▂▃▄▅▆▇█"
_NAME_WIDTH = 9


def print_timelines(
    records: Sequence[RunRecord], traces: Mapping[str, StoredTrace], console: Console
) -> None:
    """One timeline per row whose run kept its trace, under the title of its workload."""
    width = max(min(console.width - _NAME_WIDTH - 4, 100), 20)
    for group in group_records(records):
        for row in group.rows:
            stored = next(
                (traces[r.id] for r in row.records if r.trace_stored and r.id in traces), None
            )
            if stored is not None:
                console.print()
                console.print(Text(visible(f"{group.title} on {row.label}"), style="bold"))
                console.print(timeline_text(build_timeline(stored), width))


def timeline_text(timeline: Timeline, width: int = 72) -> Text:
    slice_s = (timeline.wall_s or 1e-9) / width
    text = Text()
    text.append(_axis(timeline.wall_s, width) + "\n", style="dim")
    lanes: tuple[Lane, ...] = (timeline.main, *timeline.lanes)
    for lane in lanes:
        gather = (timeline.main_done_s, timeline.wall_s) if lane.spawn_s is None else None
        steps_end = lane.spans[-1].end_s if lane.spans else lane.start_s
        if gather is None and lane.end_s > steps_end:  # a tree's parent waits for children
            gather = (steps_end, lane.end_s)
        name = " " * max(lane.depth - 1, 0) + lane.name  # a tree's child under its parent
        text.append(f"{name:<{_NAME_WIDTH}}"[: max(_NAME_WIDTH, len(lane.name))], style="bold")
        text.append_text(_lane_cells(lane, gather, slice_s, width))
        text.append("\n")
    if timeline.density is not None:
        _density_rows(text, timeline.density, timeline.tasks, width)
    for depth, level in enumerate(timeline.levels, start=1):
        _level_row(text, depth, level, width)
    text.append_text(_legend(timeline))
    return text


def _axis(wall_s: float, width: int) -> str:
    middle, end = fmt_seconds(wall_s / 2), fmt_seconds(wall_s)
    line = [" "] * (width + 1)
    for position, label in ((0, "0 s"), (width // 2 - len(middle) // 2, middle)):
        line[position : position + len(label)] = label
    line[width + 1 - len(end) :] = end
    return " " * _NAME_WIDTH + "".join(line)


def _lane_cells(lane: Lane, gather: tuple[float, float] | None, slice_s: float, width: int) -> Text:
    """Per slice, the state covering most of it: a step kind, waiting, or gathering."""
    intervals: list[tuple[float, float, object]] = [
        (s.start_s, s.end_s, s.kind) for s in lane.spans
    ]
    if lane.spawn_s is not None and lane.start_s > lane.spawn_s:
        intervals.append((lane.spawn_s, lane.start_s, _WAIT))
    if gather is not None:
        intervals.append((gather[0], gather[1], _GATHER))
    cells = Text()
    for index in range(width):
        low, high = index * slice_s, (index + 1) * slice_s
        cover: dict[object, float] = {}
        for start, end, state in intervals:
            overlap = min(end, high) - max(start, low)
            if overlap > 0 or (start == end and low <= start < high):
                cover[state] = cover.get(state, 0.0) + max(overlap, 1e-12)
        state = max(cover, key=lambda key: cover[key]) if cover else _IDLE
        char, style = _cell(state)
        if lane.spawn_s is not None and low <= lane.spawn_s < high:
            char = _SPAWN
        cells.append(char, style=style)
    if gather is not None:
        cells.append(_DONE, style="dim")
    return cells


def _cell(state: object) -> tuple[str, str]:
    if state is _IDLE:
        return " ", ""
    if state == _WAIT:
        return "·", "dim"
    if state == _GATHER:
        return "░", "dim"
    return "█", KIND_STYLES[state]  # type: ignore[index]


def _density_rows(text: Text, density: Density, tasks: int, width: int) -> None:
    bins = len(density.running)

    def at_end(counts: Sequence[int], cell: int) -> float:
        """A cumulative count at the end of the cell, as a share of all tasks."""
        return counts[max((cell + 1) * bins // width, 1)] / tasks

    def mean_running(cell: int) -> float:
        low = cell * bins // width
        covered = density.running[low : max((cell + 1) * bins // width, low + 1)]
        return sum(covered) / len(covered) / max(density.peak, 1)

    rows = (
        ("spawned", [at_end(density.spawned, i) for i in range(width)]),
        ("running", [mean_running(i) for i in range(width)]),
        ("ended", [at_end(density.ended, i) for i in range(width)]),
    )
    for name, fractions in rows:
        text.append(f"{name:<{_NAME_WIDTH}}", style="bold")
        bar = "".join(_LEVELS[round(min(max(f, 0.0), 1.0) * (len(_LEVELS) - 1))] for f in fractions)
        text.append(bar + "\n", style="blue")
    text.append(
        f"{tasks} tasks; at most {density.peak} running at once "
        "(spawned and ended: share of all tasks; running: share of the peak)\n",
        style="dim",
    )


def _level_row(text: Text, depth: int, density: Density, width: int) -> None:
    """One tree level's running tasks, as a share of that level's own peak."""
    bins = len(density.running)
    cells = []
    for cell in range(width):
        low = cell * bins // width
        covered = density.running[low : max((cell + 1) * bins // width, low + 1)]
        cells.append(sum(covered) / len(covered) / max(density.peak, 1))
    text.append(f"{f'level {depth}':<{_NAME_WIDTH}}", style="bold")
    bar = "".join(_LEVELS[round(min(max(f, 0.0), 1.0) * (len(_LEVELS) - 1))] for f in cells)
    text.append(bar, style="magenta")
    text.append(f" {density.spawned[-1]} tasks, peak {density.peak}\n", style="dim")


def _legend(timeline: Timeline) -> Text:
    kinds = {span.kind for lane in (timeline.main, *timeline.lanes) for span in lane.spans}
    legend = Text(" " * _NAME_WIDTH)
    for kind, style in KIND_STYLES.items():
        if kind in kinds:
            legend.append("█", style=style)
            legend.append(f" {kind.value if kind else 'running'}  ")
    marks = f"{_SPAWN} spawn  · waiting  " if timeline.density is None else ""
    legend.append(f"{marks}░ gather  {_DONE} finish", style="dim")
    return legend


def diff_table(rows: Sequence[DiffRow], threshold: float | None) -> Group:
    table = Table(title="baseline comparison (wall time, median)", title_justify="left")
    for header, numeric in zip(HEADERS, NUMERIC, strict=True):
        table.add_column(header, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        style = "red" if threshold is not None and row.fails(threshold) else ""
        if row.verdict.value == "faster":
            style = "green"
        table.add_row(*(Text(visible(cell)) for cell in diff_cells(row)), style=style)
    return Group(table)
