"""The summary at a glance rendered in the terminal, Markdown and HTML, from real runs with
skipped, failed and tied rows."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping

from rich.console import Console

from concbench.framework.analysis.glance import glance
from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.glance import TERMINAL_WIDTH, print_glance
from concbench.framework.reports.html import html_report
from concbench.framework.reports.markdown import markdown_report
from concbench.framework.store.records import RunRecord, Status
from support.stores import Store


def _terminal(store: Store, width: int = 160) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    print_glance(glance(group_records(store.records)), console)
    return out.getvalue().splitlines()


def test_the_terminal_table_is_backends_by_workloads_within_100_columns(
    glance_store: Store,
) -> None:
    lines = _terminal(glance_store)
    assert lines[0].startswith("At a glance")
    assert max(map(len, lines)) <= TERMINAL_WIDTH  # on a 160-column console too
    rows = {line.split()[0]: line for line in lines if line.split()}
    assert "failed" in rows["raising"]
    assert "skipped" in rows["missing"]
    assert rows["good"].split()[1].startswith("0.")  # behind: a figure, no mark
    assert "★" in rows["threads"] + rows["asyncio"]
    assert "=" in rows["threads"] + rows["asyncio"]
    assert "not run" in rows["good"]  # good never ran the instant-task workload
    assert any(line.startswith("efficiency = ideal / measured") for line in lines)


def test_too_many_workloads_split_into_tables_that_each_fit(glance_store: Store) -> None:
    lines = _terminal(glance_store, width=24)
    tables = [line for line in lines if "─" in line]
    assert all(len(line) <= 24 for line in tables)
    assert sum(line.split()[:1] == ["backend"] for line in lines) == 2  # one table each


def test_markdown_starts_with_the_same_table(glance_store: Store) -> None:
    text = markdown_report(glance_store.records)
    assert text.startswith("## At a glance\n\n| backend | tiny | big |")
    first_table = text.split("\n\n")[1].splitlines()
    assert len(first_table) == 2 + 5  # header, alignment, one line per backend
    raising = next(line for line in first_table if line.startswith("| raising "))
    assert raising == "| raising | failed | not run |"
    assert "is fastest" in text.split("###")[0]  # the sentences come before the tables


def test_the_heatmap_is_first_on_the_page_and_links_down(glance_store: Store) -> None:
    page = html_report(glance_store.records, glance_store.traces)
    sections = re.findall(r"<section id='([^']+)'>", page)
    assert sections[0] == "glance"
    heatmap = page.split("<section id='glance'>")[1].split("</section>")[0]
    cells = re.findall(r"<td class='cell[^>]*>(.*?)</td>", heatmap)
    assert len(cells) == 2 * 5  # one per workload and backend
    assert all(re.sub("<[^>]+>", "", cell).strip() for cell in cells)
    assert "data-mark='failed'" in heatmap
    assert "data-mark='skipped'" in heatmap
    assert "data-mark='tied'" in heatmap
    assert "data-mark='best'" in heatmap
    assert "data-mark='not run'" in heatmap
    for target in re.findall(r"href='#([^']+)'", heatmap):
        assert f"id='{target}'" in page  # every link lands on a table or a timeline
    assert "href='#timeline-" in heatmap
    assert "href='#workload-" in heatmap


def _record(scenario: str, params: Mapping[str, object], backend: str, wall_s: float) -> RunRecord:
    return RunRecord(
        scenario=scenario,
        params=params,
        backend=backend,
        status=Status.OK,
        tasks=10,
        serial_s=1.0,
        ideal_s=0.1,
        python="3.11.7",
        wall_s=wall_s,
    )


def test_a_header_word_is_never_folded_in_two_the_table_splits_instead() -> None:
    """The default matrix's titles (``fanout tasks=1000``, ``seed-blocking``) beside nine
    backends: squeezed into 100 columns, rich would fold them mid-word."""
    workloads = [
        ("cpu", {}),
        ("fanout", {"tasks": 10}),
        ("fanout", {"tasks": 100}),
        ("fanout", {"tasks": 1000}),
        ("requests", {}),
        ("seed", {}),
        ("seed-blocking", {}),
        ("tree", {}),
    ]
    backends = ["anyio", "asyncio", "asyncio-eager", "gevent", "processes", "threads", "trio"]
    records = [
        _record(scenario, params, backend, 0.1 + 0.01 * b + 0.001 * w)
        for w, (scenario, params) in enumerate(workloads)
        for b, backend in enumerate(backends)
    ]
    out = io.StringIO()
    print_glance(glance(group_records(records)), Console(file=out, width=160, color_system=None))
    lines = out.getvalue().splitlines()
    assert max(map(len, lines)) <= TERMINAL_WIDTH
    shown = " ".join(lines)
    for word in ("tasks=1000", "tasks=100", "seed-blocking", "requests"):
        assert re.search(rf"(?<![\w=-]){re.escape(word)}(?![\w=-])", shown), word
