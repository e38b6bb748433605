"""A task tree's timeline: lanes grouped under their parent, and a density per tree level."""

from __future__ import annotations

import json

import pytest

from concbench.backends.asyncio_backend import AsyncioBackend
from concbench.framework.reports.plots import timeline_figure
from concbench.framework.reports.terminal_timeline import timeline_text
from concbench.framework.reports.timeline import build_timeline
from concbench.framework.store.tracestore import StoredTrace, TraceError
from concbench.scenarios.tree import tree
from support.backends import execute

SMALL = tree.workload({"levels": 2, "branches": 3, "seconds": 0.01})  # 3 parents, 9 leaves


@pytest.fixture(scope="module")
def stored() -> StoredTrace:
    trace = execute(AsyncioBackend, SMALL)
    captured = StoredTrace.capture("r1", trace, SMALL)
    return StoredTrace.from_dict(json.loads(json.dumps(captured.to_dict())))  # as read back


def test_the_stored_trace_keeps_each_task_s_parent(stored: StoredTrace) -> None:
    assert stored.parents is not None
    assert list(stored.parents) == list(SMALL.parents)


def test_lanes_are_grouped_under_their_parent_depth_first(stored: StoredTrace) -> None:
    timeline = build_timeline(stored)
    names = [lane.name for lane in timeline.lanes]
    assert names[:4] == ["task 0", "task 3", "task 4", "task 5"]
    assert names[4:8] == ["task 1", "task 6", "task 7", "task 8"]
    assert [lane.depth for lane in timeline.lanes[:4]] == [1, 2, 2, 2]
    assert timeline.levels == ()  # drawn as lanes: no density
    parent = timeline.lanes[0]
    assert parent.end_s >= max(lane.end_s for lane in timeline.lanes[1:4])  # joined its children
    text = timeline_text(timeline, 40).plain
    assert "\n task 3 " in text  # a child indented under its parent


def test_past_the_lane_limit_each_tree_level_gets_a_density(stored: StoredTrace) -> None:
    timeline = build_timeline(stored, max_lanes=4)
    assert timeline.lanes == ()
    assert timeline.density is not None
    first, second = timeline.levels
    assert first.spawned[-1] == 3
    assert second.spawned[-1] == 9
    assert second.peak == 9  # the leaves sleep together
    text = timeline_text(timeline, 40).plain
    assert "level 1" in text
    assert "level 2" in text
    assert "9 tasks, peak 9" in text


def test_a_trace_written_before_trees_reads_as_flat(stored: StoredTrace) -> None:
    data = stored.to_dict()
    del data["parents"]
    old = StoredTrace.from_dict(data)
    assert old.parents is None
    assert [lane.name for lane in build_timeline(old).lanes][:2] == ["task 0", "task 1"]


def test_a_parent_listed_after_its_child_is_a_damaged_trace(stored: StoredTrace) -> None:
    data = stored.to_dict()
    bad = StoredTrace(
        record_id="r1",
        trace=stored.trace,
        step_kinds=stored.step_kinds,
        step_nominal_s=stored.step_nominal_s,
        parents=stored.parents[::-1],  # type: ignore[index]
    )
    data["parents"] = bad.to_dict()["parents"]
    with pytest.raises(TraceError, match="'parents' must name"):
        StoredTrace.from_dict(data)


def test_the_plot_draws_a_line_per_tree_level_and_indents_children(stored: StoredTrace) -> None:
    dense = timeline_figure("tree", [("asyncio", build_timeline(stored, max_lanes=4))])
    [legend] = [a.get_legend() for a in dense.axes if a.get_legend() is not None]
    assert legend is not None
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == ["level 1 running", "level 2 running"]
    lanes = timeline_figure("tree", [("asyncio", build_timeline(stored))])
    ticks = [tick.get_text() for tick in lanes.axes[0].get_yticklabels()]
    assert ticks[:3] == ["main", "task 0", "  task 3"]
