"""The summary at a glance from real runs: every kind of cell, the winner and its sentence."""

from __future__ import annotations

import dataclasses

from concbench.framework.analysis.glance import Mark, glance, row_key
from concbench.framework.analysis.summary import group_records
from support.stores import Store


def test_every_backend_gets_a_cell_that_says_what_happened(glance_store: Store) -> None:
    summary = glance(group_records(glance_store.records))
    assert set(summary.backends) == {"threads", "asyncio", "good", "raising", "missing"}
    tiny = next(line for line in summary.workloads if line.scenario == "tiny")
    cells = dict(zip(summary.backends, tiny.cells, strict=True))
    assert tiny.figure == "efficiency"
    assert cells["raising"].mark is Mark.FAILED
    assert cells["raising"].text == "failed"
    assert cells["missing"].mark is Mark.SKIPPED
    assert cells["missing"].text == "skipped"
    assert "install" in cells["missing"].detail  # the row's note says how to get it
    # the concurrent backends overlap the two sleeps: one is fastest, the other is not
    # called slower than it (within the noise threshold); one after another is 2x the ideal
    marks = {cells["threads"].mark, cells["asyncio"].mark}
    assert marks == {Mark.BEST, Mark.TIED}
    assert cells["good"].mark is Mark.BEHIND
    assert 0.4 < float(cells["good"].text) < 0.55  # 0.05 s of ideal in about 0.1 s
    for name in ("threads", "asyncio"):
        assert float(cells[name].text) > 0.8
    assert all(cell.text for cell in tiny.cells)


def test_an_ideal_of_zero_shows_the_overhead_per_task(glance_store: Store) -> None:
    summary = glance(group_records(glance_store.records))
    big = next(line for line in summary.workloads if line.scenario == "big")
    cells = dict(zip(summary.backends, big.cells, strict=True))
    assert big.figure == "overhead per task"
    for name in ("threads", "asyncio"):
        assert cells[name].text.startswith("+")
        assert cells[name].text.endswith("s")
        shade = cells[name].shade
        assert shade is not None
        assert 0 < shade <= 1
    for name in ("good", "raising", "missing"):  # never run on big: said, not left blank
        assert cells[name].mark is Mark.NOT_RUN
        assert cells[name].text == "not run"


def test_the_sentence_names_the_winner_and_what_the_rest_lost_to(glance_store: Store) -> None:
    groups = group_records(glance_store.records)
    summary = glance(groups)
    tiny_group = next(group for group in groups if group.scenario == "tiny")
    tiny = next(line for line in summary.workloads if line.scenario == "tiny")
    best = min(
        (row for row in tiny_group.rows if row.wall is not None),
        key=lambda row: row.wall.median if row.wall else 0,
    )
    good = next(row for row in tiny_group.rows if row.label == "good")
    assert tiny.sentence.startswith(f"{row_key(best)} is fastest (efficiency ")
    assert "tied with" in tiny.sentence
    # good runs the tasks one after another: its overhead is the second task's whole sleep,
    # which its diagnosis puts down to one part; the sentence quotes that diagnosis
    assert "good, behind it, loses most to " in tiny.sentence
    assert good.diagnosis.split("; ")[0] in tiny.sentence


def test_rows_of_unknown_shapes_get_a_cell_not_a_crash(glance_store: Store) -> None:
    """Other plugins add rows with no wall time (counted runs), no ideal and no tasks."""
    groups = group_records(glance_store.records)
    tiny = next(group for group in groups if group.scenario == "tiny")
    odd = [dataclasses.replace(row, wall=None) if row.label == "good" else row for row in tiny.rows]
    odd = [
        dataclasses.replace(row, ideal_s=0.0, tasks=0) if row.label == "threads" else row
        for row in odd
    ]
    summary = glance([dataclasses.replace(tiny, rows=tuple(odd))])
    cells = dict(zip(summary.backends, summary.workloads[0].cells, strict=True))
    assert cells["good"].mark is Mark.NO_FIGURE
    assert cells["good"].text == "no figure"
    assert cells["threads"].text.endswith("s")  # no figure to compare: its measured time
    assert all(cell.text for cell in cells.values())
    assert glance([]).workloads == ()


def test_too_few_processes_is_said_not_shown_as_a_tie(store: Store) -> None:
    """One process a row: the test cannot call any difference, so asyncio's 2.5-fold time on
    seed-blocking must not read as level with threads."""
    summary = glance(group_records(store.records))
    line = next(line for line in summary.workloads if line.scenario == "seed-blocking")
    cells = dict(zip(summary.backends, line.cells, strict=True))
    assert cells["threads"].mark is Mark.BEST
    assert cells["asyncio"].mark is Mark.UNCALLED
    assert float(cells["asyncio"].text) < 0.5
    assert "too few processes to compare asyncio with it" in line.sentence
    assert "tied" not in line.sentence
