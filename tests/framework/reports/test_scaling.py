from __future__ import annotations

import dataclasses

import pytest

from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.scaling import scaling_series
from support.stores import FANOUT_TASKS, Store


def test_the_fanout_sweep_is_one_line_per_backend_through_each_task_count(store: Store) -> None:
    series = scaling_series(store.records)
    assert [(s.title, s.label) for s in series] == [
        ("fanout (seconds=0.02)", "asyncio"),
        ("fanout (seconds=0.02)", "threads"),
    ]
    rows = {
        (row.tasks, row.label): row
        for group in group_records(store.records)
        if group.scenario == "fanout"
        for row in group.rows
    }
    for line in series:
        assert [point.tasks for point in line.points] == list(FANOUT_TASKS)
        for point in line.points:
            row = rows[(point.tasks, line.label)]
            assert point.per_task_s == pytest.approx(row.overhead_per_task_s)
            assert point.low_s <= point.per_task_s <= point.high_s


def test_a_second_swept_parameter_splits_the_lines_into_families(store: Store) -> None:
    fanout = [r for r in store.records if r.scenario == "fanout"]
    # the same runs relabelled as a second value of `seconds`: two families of one sweep
    other = [dataclasses.replace(r, params={**r.params, "seconds": 0.03}) for r in fanout]
    titles = {s.title for s in scaling_series(fanout + other)}
    assert titles == {"fanout (seconds=0.02)", "fanout (seconds=0.03)"}


def test_a_workload_whose_task_count_never_varies_has_no_line(store: Store) -> None:
    seeds = [r for r in store.records if r.scenario.startswith("seed")]
    assert scaling_series(seeds) == []
