"""Markdown tables for READMEs and pull requests (GitHub-flavoured pipe tables).

Every cell goes through :func:`escape`, which first makes it
:func:`~concbench.framework.store.sanitize.visible`: names and error texts come from plugins, and a
backend called ``<script>`` or ``a | b`` must print as itself, not as markup, a broken
table, a link, an emoji or a mention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..analysis.clientcost import client_costs
from ..analysis.glance import glance
from ..analysis.saturation import load_series, saturation_lines
from ..analysis.summary import group_records
from ..store.records import RunRecord
from ..store.sanitize import visible
from .columns import (
    ARRIVAL_COLUMNS,
    CLIENT_COST_HEADERS,
    CLIENT_COST_TITLE,
    COLUMNS,
    PART_COLUMNS,
    client_cost_cells,
    group_caption,
    with_python,
)

__all__ = ["escape", "markdown_report", "table"]

_SPECIAL = frozenset("\\`*_[]<>&|~#$@:!{}")
"""Characters that can start markup inline: emphasis, code, links, HTML and entities, table
cells, strikethrough, headings, math, mentions, emoji and autolinks. Backslash escapes are
CommonMark's own way to say "this character, literally"."""


def escape(text: str) -> str:
    """Literal text for a table cell or heading: markup characters escaped, one line;
    control, bidi and zero-width characters shown as escapes, long texts shortened."""
    flat = " ".join(visible(text).split())  # a newline would end the table row
    return "".join(f"\\{char}" if char in _SPECIAL else char for char in flat)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool]) -> str:
    """A pipe table; numeric columns are right-aligned."""
    lines = [
        "| " + " | ".join(escape(header) for header in headers) + " |",
        "| " + " | ".join("---:" if right else "---" for right in numeric) + " |",
    ]
    lines += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_report(records: Iterable[RunRecord], notes: Sequence[str] = ()) -> str:
    """The summary at a glance first, then one heading and one table per workload, as the
    terminal report shows them."""
    from .glance import markdown_glance

    records = list(records)
    groups = group_records(records)
    parts = [markdown_glance(glance(groups)).rstrip("\n")] if groups else []
    if notes:
        parts.append("\n".join(f"- {escape(note)}" for note in notes))
    for group in groups:
        columns = with_python(COLUMNS, group.rows)
        rows = [[column.cell(row) for column in columns] for row in group.rows]
        text = f"### {escape(group.title)}\n\n{escape(group_caption(group))}\n\n" + table(
            [column.header for column in columns], rows, [c.numeric for c in columns]
        )
        measured = [row for row in group.rows if row.wall is not None]
        if measured:
            part_columns = with_python(PART_COLUMNS, measured)
            cells = [[column.cell(row) for column in part_columns] for row in measured]
            headers = [column.header for column in part_columns]
            numeric = [c.numeric for c in part_columns]
            text += (
                "\n\nWhere the overhead went (median of runs; the parts add up to the "
                "overhead):\n\n" + table(headers, cells, numeric)
            )
        with_arrivals = [row for row in group.rows if row.arrivals is not None]
        if with_arrivals:
            arrival_columns = with_python(ARRIVAL_COLUMNS, with_arrivals)
            cells = [[column.cell(row) for column in arrival_columns] for row in with_arrivals]
            text += "\n\nLatency from the intended release (every run merged):\n\n" + table(
                [c.header for c in arrival_columns], cells, [c.numeric for c in arrival_columns]
            )
        parts.append(text)
    saturation = saturation_lines(load_series(records))
    if saturation:
        parts.append("### Saturation\n\n" + "\n".join(f"- {escape(line)}" for line in saturation))
    costs = client_costs(records)
    if costs:
        numeric = [index >= 4 for index in range(len(CLIENT_COST_HEADERS))]
        cells = [client_cost_cells(cost) for cost in costs]
        parts.append(
            f"### {escape(CLIENT_COST_TITLE)}\n\n" + table(CLIENT_COST_HEADERS, cells, numeric)
        )
    return "\n\n".join(parts) + "\n"
