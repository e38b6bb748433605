"""The report's figures, drawn with matplotlib: scaling, efficiency, saturation, timelines.

matplotlib's object API is used without pyplot, so no global figure state and no GUI
backend is involved. Every figure is built inside :func:`_style`, which turns off
mathtext: a backend named ``$x$`` or ``a_b^c`` is shown as typed, never parsed (a bad
expression would otherwise raise while saving). Every label that came from a record
passes through :func:`_label` (control, bidi and zero-width characters as escapes,
shortened), since a font cannot draw a lone surrogate and SVG keeps raw ESC; text in SVG
output is then XML-escaped by matplotlib itself.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..analysis.saturation import LoadSeries
from ..analysis.summary import Group
from ..model.workload import StepKind
from ..store.sanitize import visible
from .scaling import Series
from .timeline import Lane, Timeline

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "KIND_COLORS",
    "efficiency_figure",
    "figure_files",
    "saturation_figure",
    "scaling_figure",
    "svg_markup",
    "timeline_figure",
]

KIND_COLORS: dict[StepKind | None, str] = {
    StepKind.SLEEP: "#4c9f70",
    StepKind.BLOCK: "#d1495b",
    StepKind.CPU: "#edae49",
    StepKind.CHECKPOINT: "#00798c",
    StepKind.IO: "#8f2d56",
    StepKind.PUT: "#6a994e",
    StepKind.GET: "#a7c957",
    StepKind.CALL: "#f26419",
    StepKind.OFFLOAD: "#86bbd8",
    None: "#30638e",
}
"""Step kinds keep one colour in every figure; None is a lane without step stamps."""
WAIT_COLOR = "#9a9a9a"
GATHER_COLOR = "#b7b7b7"
MAIN_DONE_COLOR = "#7a5195"
_STYLE = {
    "text.parse_math": False,
    "text.usetex": False,
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


_LABEL_CHARS = 80
"""Longer labels are cut: a plot's layout gives every label its full width."""


def _label(text: str) -> str:
    return visible(text, _LABEL_CHARS)


@contextmanager
def _style(salt: str = "") -> Iterator[None]:
    import matplotlib

    style: Any = _STYLE | {"svg.hashsalt": _label(salt) or None}
    with matplotlib.rc_context(style):
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def backend_colors(labels: Sequence[str]) -> dict[str, Any]:
    """The same colour for a backend in every figure of a report."""
    import matplotlib

    palette = matplotlib.color_sequences["tab10"]
    return {label: palette[i % len(palette)] for i, label in enumerate(sorted(set(labels)))}


def scaling_figure(series: Sequence[Series], colors: dict[str, Any]) -> Figure | None:
    """Overhead per task against tasks, log-log, one axes per scenario family."""
    titles = list(dict.fromkeys(line.title for line in series))
    if not titles:
        return None
    with _style("scaling"):
        from matplotlib.ticker import EngFormatter, FuncFormatter, NullFormatter

        figure = _figure(6.4, 3.2 * len(titles))
        axes_list = figure.subplots(len(titles), 1, squeeze=False)[:, 0]
        for axes, title in zip(axes_list, titles, strict=True):
            dropped = 0
            for line in (s for s in series if s.title == title):
                points = [p for p in line.points if p.per_task_s > 0]
                dropped += len(line.points) - len(points)
                if not points:
                    continue
                x = [p.tasks for p in points]
                y = [p.per_task_s for p in points]
                low = [max(p.per_task_s - p.low_s, 0.0) for p in points]
                high = [max(p.high_s - p.per_task_s, 0.0) for p in points]
                axes.errorbar(
                    x, y, yerr=[low, high], marker="o", capsize=3, label=_label(line.label),
                    color=colors.get(line.label),
                )  # fmt: skip
            axes.set_xscale("log")
            axes.set_yscale("log")
            axes.yaxis.set_major_formatter(EngFormatter(unit="s"))
            # log axes label ticks with mathtext, which _style turns off: plain numbers
            axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
            axes.xaxis.set_minor_formatter(NullFormatter())
            axes.set_xlabel("tasks")
            axes.set_ylabel("overhead per task")
            note = f" ({dropped} point(s) at or below the ideal not drawn)" if dropped else ""
            axes.set_title(_label(title) + note, loc="left")
            axes.grid(True, which="both", alpha=0.3)
            axes.legend(fontsize=8)
    return figure


def efficiency_figure(groups: Sequence[Group], colors: dict[str, Any]) -> Figure | None:
    """Ideal / measured for every backend on every workload; 1.0 is a perfect backend."""
    bars = [(g, row) for g in groups for row in g.rows if row.efficiency is not None]
    if not bars:
        return None
    with _style("efficiency"):
        figure = _figure(6.4, 1.1 + 0.22 * len(bars) + 0.15 * len(groups))
        axes = figure.subplots()
        y = 0.0
        ticks, tick_labels, seen = [], [], set()
        for group in groups:
            rows = [row for row in group.rows if row.efficiency is not None]
            if not rows:
                continue
            start = y
            for row in rows:
                efficiency = row.efficiency or 0.0
                label = _label(row.label) if row.label not in seen else None
                seen.add(row.label)
                axes.barh(y, efficiency, height=0.8, color=colors.get(row.label), label=label)
                axes.text(efficiency + 0.01, y, f"{efficiency:.2f}", va="center", fontsize=7)
                bound = row.ideal_s / row.machine_bound_s if row.machine_bound_s else 1.0
                if bound < 0.999:
                    axes.plot([bound, bound], [y - 0.4, y + 0.4], color="black", linewidth=1.5)
                y += 1
            ticks.append((start + y - 1) / 2)
            tick_labels.append(_label(group.title))
            y += 0.6
        axes.set_yticks(ticks, tick_labels)
        axes.invert_yaxis()
        axes.axvline(1.0, color="black", linewidth=0.8, linestyle="--")
        axes.set_xlim(0, 1.12)
        axes.set_xlabel("efficiency = ideal / measured")
        figure.legend(loc="outside lower center", ncols=6, fontsize=8, frameon=False)
    return figure


_COUNT_STYLES: tuple[tuple[str, Any], ...] = (("spawned", ":"), ("started", "--"), ("ended", "-"))
SHARED_AXIS_RATIO = 4.0
"""Backends whose runs differ in length by more than this get a time axis each."""


def timeline_figure(
    title: str, timelines: Sequence[tuple[str, Timeline]], *, titled: bool = True
) -> Figure:
    """One axes per backend, stacked; on a shared time axis when their lengths compare.
    ``titled=False`` leaves the title out of the picture, for a page that heads it."""
    heights = [_height(timeline) for _, timeline in timelines]
    walls = [max(timeline.wall_s, 1e-9) for _, timeline in timelines]
    shared = max(walls) / min(walls) <= SHARED_AXIS_RATIO
    with _style("timeline " + title):
        figure = _figure(7.2, 0.9 + 0.3 * sum(heights))
        axes_list = figure.subplots(len(timelines), 1, squeeze=False, height_ratios=heights)[:, 0]
        for axes, (label, timeline) in zip(axes_list, timelines, strict=True):
            if timeline.density is None:
                _draw_lanes(axes, timeline)
            else:
                _draw_density(axes, timeline)
            right = max(walls) if shared else timeline.wall_s
            axes.set_xlim(-0.01 * right, right * 1.01)
            axes.set_title(f"{_label(label)}: {timeline.wall_s:.3f} s", loc="left", fontsize=9)
            if shared and axes is not axes_list[-1]:
                axes.tick_params(labelbottom=False)
            if not shared or axes is axes_list[-1]:
                axes.set_xlabel("seconds since begin")
        if titled:
            figure.suptitle(_label(title), x=0.01, ha="left")
        _legend(figure, timelines)
    return figure


def _height(timeline: Timeline) -> float:
    return 5.0 if timeline.density is not None else max(len(timeline.lanes) + 1, 2.5)


def _draw_lanes(axes: Axes, timeline: Timeline) -> None:
    lanes = (timeline.main, *timeline.lanes)
    for y, lane in enumerate(lanes):
        _draw_spans(axes, lane, y)
        if lane.spawn_s is not None:
            if lane.start_s > lane.spawn_s:
                axes.plot([lane.spawn_s, lane.start_s], [y, y], color=WAIT_COLOR, linewidth=1)
            # a spawn arrow from main's lane, as in a sequence diagram
            axes.annotate(
                "", xy=(lane.spawn_s, y), xytext=(lane.spawn_s, 0),
                arrowprops={"arrowstyle": "->", "color": "#333333", "linewidth": 0.8},
            )  # fmt: skip
    gather = timeline.wall_s - timeline.main_done_s
    axes.broken_barh(
        [(timeline.main_done_s, gather)], (-0.3, 0.6),
        facecolors="none", edgecolors=GATHER_COLOR, hatch="////", linewidth=0.5,
    )  # fmt: skip
    axes.axvline(timeline.main_done_s, color=MAIN_DONE_COLOR, linewidth=0.9, linestyle="-.")
    axes.axvline(timeline.wall_s, color="black", linewidth=0.8, linestyle="--")
    names = ["  " * max(lane.depth - 1, 0) + lane.name for lane in lanes]  # children indented
    axes.set_yticks(range(len(lanes)), names)
    axes.set_ylim(len(lanes) - 0.4, -0.6)


def _draw_spans(axes: Axes, lane: Lane, y: float) -> None:
    for kind in dict.fromkeys(span.kind for span in lane.spans):
        ranges = [(s.start_s, s.end_s - s.start_s) for s in lane.spans if s.kind is kind]
        axes.broken_barh(ranges, (y - 0.3, 0.6), facecolors=KIND_COLORS[kind])


def _draw_density(axes: Axes, timeline: Timeline) -> None:
    density = timeline.density
    assert density is not None
    edges = density.edges_s
    axes.stairs(density.running, edges, fill=True, color=KIND_COLORS[None], alpha=0.6)
    for depth, level in enumerate(timeline.levels, start=1):  # a task tree, level by level
        axes.stairs(level.running, edges, linewidth=1.0, label=f"level {depth} running")
    if timeline.levels:
        axes.legend(loc="upper left", fontsize=6, frameon=False)
    twin = axes.twinx()
    counts = (density.spawned, density.started, density.ended)
    for (name, style), values in zip(_COUNT_STYLES, counts, strict=True):
        twin.plot(edges, values, linestyle=style, color="#333333", linewidth=0.9, label=name)
    twin.set_ylim(0, timeline.tasks * 1.05)
    twin.set_ylabel("tasks so far")
    for span in timeline.main.spans:
        axes.axvspan(span.start_s, span.end_s, color=KIND_COLORS[span.kind], alpha=0.12)
    axes.axvline(timeline.main_done_s, color=MAIN_DONE_COLOR, linewidth=0.9, linestyle="-.")
    axes.axvline(timeline.wall_s, color="black", linewidth=0.8, linestyle="--")
    axes.set_ylabel(f"running (peak {density.peak})")
    axes.set_ylim(0, max(density.peak, 1) * 1.1)


def _legend(figure: Figure, timelines: Sequence[tuple[str, Timeline]]) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    kinds = {span.kind for _, t in timelines for lane in (t.main, *t.lanes) for span in lane.spans}
    handles: list[Any] = [
        Patch(color=KIND_COLORS[kind], label=kind.value if kind else "task running")
        for kind in KIND_COLORS
        if kind in kinds
    ]
    if any(t.density is None for _, t in timelines):
        handles.append(Line2D([], [], color=WAIT_COLOR, label="spawned, waiting to start"))
        handles.append(
            Patch(facecolor="none", edgecolor=GATHER_COLOR, hatch="////", label="gather")
        )
    if any(t.density is not None for _, t in timelines):
        handles.append(Patch(color=KIND_COLORS[None], alpha=0.6, label="tasks running"))
        for name, style in _COUNT_STYLES:
            handles.append(Line2D([], [], color="#333333", linestyle=style, label=f"{name} so far"))
    handles.append(Line2D([], [], color=MAIN_DONE_COLOR, linestyle="-.", label="main done"))
    handles.append(Line2D([], [], color="black", linestyle="--", label="finish"))
    figure.legend(handles=handles, loc="outside lower center", ncols=4, fontsize=7, frameon=False)


def saturation_figure(series: Sequence[LoadSeries], colors: dict[str, Any]) -> Figure | None:
    """Latency against offered load (the hockey stick), one axes per scenario family: p99
    solid, p50 dashed, log-log; a ring marks each backend's saturation point."""
    titles = list(dict.fromkeys(line.title for line in series))
    if not titles:
        return None
    with _style("saturation"):
        from matplotlib.ticker import EngFormatter, FuncFormatter, LogLocator, NullFormatter

        figure = _figure(6.4, 3.2 * len(titles))
        axes_list = figure.subplots(len(titles), 1, squeeze=False)[:, 0]
        for axes, title in zip(axes_list, titles, strict=True):
            for line in (s for s in series if s.title == title):
                color = colors.get(line.label)
                x = [p.offered_rate for p in line.points]
                axes.plot(x, [max(p.p99_s, 1e-7) for p in line.points], marker="o",
                          color=color, label=f"{_label(line.label)} p99")  # fmt: skip
                axes.plot(x, [max(p.p50_s, 1e-7) for p in line.points], linestyle="--",
                          color=color, alpha=0.6)  # fmt: skip
                point = line.saturation
                if point is not None:
                    axes.plot([point.offered_rate], [max(point.p99_s, 1e-7)], marker="o",
                              markersize=12, fillstyle="none", color=color)  # fmt: skip
            axes.set_xscale("log")
            axes.set_yscale("log")
            rates = sorted({p.offered_rate for s in series if s.title == title for p in s.points})
            axes.set_xticks(rates)  # the rates swept, each labelled
            axes.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
            axes.yaxis.set_major_formatter(EngFormatter(unit="s"))
            axes.yaxis.set_minor_formatter(NullFormatter())  # log minor ticks use mathtext
            axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
            axes.xaxis.set_minor_formatter(NullFormatter())
            axes.set_xlabel("offered load (requests per second)")
            axes.set_ylabel("latency from intended release")
            wrapped = textwrap.fill(_label(title) + " (p99 solid, p50 dashed)", 75)
            axes.set_title(wrapped, loc="left")
            axes.grid(True, which="both", alpha=0.3)
            axes.legend(fontsize=8)
    return figure


def svg_markup(figure: Figure, salt: str) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (no XML prolog, no date)."""
    buffer = io.StringIO()
    with _style(salt):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def figure_files(name: str, figure: Figure | None) -> list[tuple[str, bytes]]:
    """``name.png`` (150 dpi) and ``name.svg``, for papers and slides; none without a figure.

    Rendered to bytes, so the caller writes each file whole (never half a plot).
    """
    if figure is None:
        return []
    png, svg = io.BytesIO(), io.BytesIO()
    with _style(name):
        figure.savefig(png, format="png", dpi=150)
        figure.savefig(svg, format="svg", metadata={"Date": None})
    return [(f"{name}.png", png.getvalue()), (f"{name}.svg", svg.getvalue())]


def slug(text: str) -> str:
    """A safe file name part from any text: plugin names never choose a path."""
    return re.sub(r"[^A-Za-z0-9.=-]+", "_", text).strip("._")[:80] or "plot"
