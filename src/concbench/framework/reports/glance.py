"""The summary at a glance, in every format: the HTML heatmap, the terminal's compact
table and Markdown's first table, all from :func:`~concbench.framework.analysis.glance.glance`.

The terminal table is backends by workloads (a backend per line, a workload per column,
headed by its short title), at most :data:`TERMINAL_WIDTH` columns wide: workloads that
do not fit go on to a second table with the backends repeated, never off the right edge.
The HTML heatmap is workloads by backends, each cell coloured from red (efficiency 0)
to green (1), with the workload's sentence and links down to its tables and timeline.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from ..analysis.glance import Cell, Glance, Mark
from ..store.sanitize import for_terminal, visible

__all__ = [
    "LEGEND",
    "MARKS",
    "SHORT_LEGEND",
    "TERMINAL_WIDTH",
    "heatmap_html",
    "markdown_glance",
    "print_glance",
    "terminal_cell",
]

TERMINAL_WIDTH = 100
"""The compact table never grows wider than this, whatever the console's width."""
MARKS = {Mark.BEST: "★", Mark.TIED: "=", Mark.UNCALLED: "?"}
LEGEND = (
    "efficiency = ideal / measured (1.00 adds nothing to the ideal; where the ideal is 0, "
    "the overhead per task); ★ fastest, = tied with it: not called different by the rule "
    "diff uses (p < 0.05 and the whole interval beyond 10% noise); ? too few processes "
    "(under 4) to call any difference"
)
SHORT_LEGEND = (
    "efficiency = ideal / measured (overhead per task where the ideal is 0); "
    "★ fastest, = tied with it (as diff calls a change), ? too few processes to tell"
)
_COLUMN_MAX = 14
"""Wider workload titles wrap in their header."""
_PADDING = 3
"""What a column takes beside its text: a space of padding on each side, and the divider
(a space too, in this box)."""
_STYLES = {
    Mark.BEST: "bold green",
    Mark.TIED: "green",
    Mark.UNCALLED: "yellow",
    Mark.FAILED: "red",
    Mark.SKIPPED: "dim",
}


def terminal_cell(cell: Cell) -> str:
    """The cell as plain text: the figure and its mark (``0.99 ★``), or the status."""
    mark = MARKS.get(cell.mark)
    return f"{cell.text} {mark}" if mark else cell.text


def print_glance(summary: Glance, console: Console) -> None:
    """The compact table(s), then the legend, at most :data:`TERMINAL_WIDTH` wide."""
    if not summary.workloads:
        return
    width = min(console.width, TERMINAL_WIDTH)
    console.print("[bold]At a glance[/]: efficiency per backend (rows) and workload (columns)")
    for chunk in _chunks(summary, width):
        console.print(_table(summary, chunk), width=width)
    console.print(for_terminal(SHORT_LEGEND), width=width, style="dim")


def _chunks(summary: Glance, width: int) -> list[list[int]]:
    """Workload indices per table, as many as fit beside the backend column."""
    first = min(max((len(visible(name)) for name in summary.backends), default=7), 24) + 1
    chunks: list[list[int]] = [[]]
    used = first
    for index, line in enumerate(summary.workloads):
        cells = [terminal_cell(cell) for cell in line.cells]
        # the longest word of the header: a table squeezed below it folds words in two
        header = max(map(len, visible(line.short).split() or [""]))
        need = min(max(header, *map(len, cells), 4), _COLUMN_MAX) + _PADDING
        if chunks[-1] and used + need > width:
            chunks.append([])
            used = first
        chunks[-1].append(index)
        used += need
    return chunks


def _table(summary: Glance, chunk: Sequence[int]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False, padding=(0, 1))
    table.add_column("backend", style="bold", no_wrap=True, overflow="ellipsis", max_width=24)
    for index in chunk:
        table.add_column(
            for_terminal(summary.workloads[index].short),
            justify="right",
            max_width=_COLUMN_MAX,
            overflow="fold",
        )
    for position, backend in enumerate(summary.backends):
        cells = [summary.workloads[index].cells[position] for index in chunk]
        table.add_row(
            for_terminal(backend),
            *(_styled(terminal_cell(cell), _STYLES.get(cell.mark)) for cell in cells),
        )
    return table


def _styled(text: str, style: str | None) -> str:
    return f"[{style}]{for_terminal(text)}[/]" if style else for_terminal(text)


def markdown_glance(summary: Glance) -> str:
    """The same table as the terminal's, then one sentence per workload."""
    from .markdown import escape, table

    if not summary.workloads:
        return ""
    headers = ["backend", *(line.short for line in summary.workloads)]
    rows = [
        [backend, *(terminal_cell(line.cells[position]) for line in summary.workloads)]
        for position, backend in enumerate(summary.backends)
    ]
    numeric = [False, *(True for _ in summary.workloads)]
    sentences = "\n".join(
        f"- **{escape(line.title)}**: {escape(line.sentence)}" for line in summary.workloads
    )
    headers = [" ".join(header.split()) for header in headers]
    return (
        "## At a glance\n\n"
        + table(headers, rows, numeric)
        + f"\n\n{escape(LEGEND)}.\n\n{sentences}\n"
    )


HEATMAP_CSS = """
table.heatmap td.cell { text-align: center; font-weight: 600; min-width: 5.5rem; }
table.heatmap td.cell small { display: block; font-weight: 400; color: #333; }
table.heatmap td.none { color: #666; background: #f1f1f1; font-weight: 400; }
table.heatmap th.workload { font-weight: 600; white-space: nowrap; }
table.heatmap th.workload span.links { display: block; }
table.heatmap th.workload a { font-weight: 400; font-size: 0.85em; margin-right: 0.5rem; }
ul.verdicts { max-width: 80rem; } ul.verdicts li { margin: 0.15rem 0; }
"""


def heatmap_html(summary: Glance, anchors: Sequence[tuple[str, str | None]]) -> str:
    """The heatmap table and the sentences; ``anchors`` holds, for each workload in order,
    the ids of its tables and of its timeline (None when no trace was kept)."""
    head = "".join(f"<th class='num'>{_e(name)}</th>" for name in summary.backends)
    rows = []
    for line, (table_id, timeline_id) in zip(summary.workloads, anchors, strict=True):
        links = f"<a href='#{table_id}'>tables</a>"
        if timeline_id:
            links += f"<a href='#{timeline_id}'>timeline</a>"
        cells = "".join(_html_cell(cell, line.figure) for cell in line.cells)
        rows.append(f"<tr><th class='workload'>{_e(line.title)}<br>{links}</th>{cells}</tr>")
    verdicts = "".join(
        f"<li><strong>{_e(line.title)}</strong>: {_e(line.sentence)}</li>"
        for line in summary.workloads
    )
    table = (
        f"<table class='heatmap'><thead><tr><th>workload</th>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return (
        f"<p class='caption'>{_e(LEGEND)}.</p><div class='scroll'>{table}</div>"
        f"<ul class='verdicts'>{verdicts}</ul>"
    )


def _html_cell(cell: Cell, figure: str) -> str:
    detail = f"{figure} {cell.text}; {cell.detail}" if cell.shade is not None else cell.detail
    title = f" title='{_e(detail)}'" if detail else ""
    if cell.shade is None:
        return f"<td class='cell none' data-mark='{cell.mark.value}'{title}>{_e(cell.text)}</td>"
    # red (0) through yellow to green (1), light enough for dark text
    colour = f"hsl({120 * cell.shade:.0f}, 65%, {78 if cell.mark is Mark.BEHIND else 72}%)"
    mark = {Mark.BEST: "fastest", Mark.TIED: "tied", Mark.UNCALLED: "too few processes"}.get(
        cell.mark, ""
    )
    small = f"<small>{mark}</small>" if mark else ""
    return (
        f"<td class='cell' data-mark='{cell.mark.value}' style='background: {colour}'"
        f"{title}>{_e(cell.text)}{small}</td>"
    )


def _e(text: str) -> str:
    return html.escape(visible(text), quote=True)
