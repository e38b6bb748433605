"""Properties of the model that must hold for every workload, found by hypothesis.

serial >= ideal >= the longest task; the ideal equals an independent longest-path
computation; cycles are always rejected; a limit never makes the ideal shorter, nor shorter
than the work divided among the slots; and the trace check enforces a limit exactly.
"""

from __future__ import annotations

import math
from array import array
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from concbench.framework import ContractError, ModelError, Task, Trace, Workload, sleep

REL = 1e-9  # sums taken in a different order may differ in the last bit; nothing more
durations = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
step_lists = st.lists(durations.map(sleep), max_size=3).map(tuple)


def at_least(big: float, small: float) -> bool:
    return big >= small - REL * max(abs(big), abs(small), 1e-300)


@st.composite
def dags(draw: st.DrawFn, max_tasks: int = 10) -> Workload:
    """A random acyclic workload, its indices shuffled so dependencies point both ways."""
    count = draw(st.integers(0, max_tasks))
    label = draw(st.permutations(range(count)))
    tasks: list[Task | None] = [None] * count
    for rank in range(count):
        earlier = draw(st.sets(st.integers(0, rank - 1), max_size=3)) if rank else set()
        tasks[label[rank]] = Task(draw(step_lists), tuple(sorted(label[e] for e in earlier)))
    return Workload(tasks=tuple(t for t in tasks if t is not None), main=draw(step_lists))


def longest_path(workload: Workload) -> float:
    """The oracle: the critical path by memoised recursion, not by Kahn's algorithm."""

    @cache
    def finish(index: int) -> float:
        task = workload.tasks[index]
        return max((finish(dep) for dep in task.after), default=0.0) + task.duration_s

    return max([finish(i) for i in range(len(workload.tasks))] + [workload.main_s])


@settings(max_examples=300, deadline=None)
@given(dags())
def test_serial_is_at_least_ideal_which_is_at_least_the_longest_task(workload: Workload) -> None:
    longest = max([t.duration_s for t in workload.tasks] + [workload.main_s])
    assert at_least(workload.serial_s, workload.ideal_s)
    assert at_least(workload.ideal_s, longest)
    assert workload.ideal_s == pytest.approx(longest_path(workload), rel=REL)
    if not workload.has_dependencies:
        assert workload.ideal_s == pytest.approx(longest, rel=REL)


@st.composite
def graphs(draw: st.DrawFn) -> list[tuple[int, ...]]:
    """Arbitrary dependency lists, cycles and self-loops included."""
    count = draw(st.integers(1, 8))
    return [tuple(draw(st.sets(st.integers(0, count - 1), max_size=3))) for _ in range(count)]


def has_cycle(after: list[tuple[int, ...]]) -> bool:
    state = [0] * len(after)  # 0 unvisited, 1 on the current path, 2 done

    def visit(node: int) -> bool:
        state[node] = 1
        for dep in after[node]:
            if state[dep] == 1 or (state[dep] == 0 and visit(dep)):
                return True
        state[node] = 2
        return False

    return any(state[n] == 0 and visit(n) for n in range(len(after)))


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_a_workload_is_refused_exactly_when_its_dependencies_have_a_cycle(
    after: list[tuple[int, ...]],
) -> None:
    tasks = tuple(Task((sleep(0.1),), deps) for deps in after)
    if has_cycle(after):
        with pytest.raises(ModelError, match=r"cycle|depends on itself"):
            Workload(tasks=tasks)
    else:
        Workload(tasks=tasks)


@settings(max_examples=300, deadline=None)
@given(dags(), st.integers(1, 12))
def test_a_limit_never_shortens_the_ideal_below_the_work_per_slot(
    unlimited: Workload, limit: int
) -> None:
    limited = Workload(tasks=unlimited.tasks, main=unlimited.main, limit=limit)
    tasks_s = math.fsum(t.duration_s for t in unlimited.tasks)
    assert at_least(limited.ideal_s, unlimited.ideal_s)
    assert at_least(limited.ideal_s, tasks_s / limit)
    assert at_least(max(tasks_s, unlimited.main_s), limited.ideal_s)  # a busy slot never idles
    if limit == 1:
        assert limited.ideal_s == pytest.approx(max(tasks_s, unlimited.main_s), rel=REL)


@st.composite
def schedules(draw: st.DrawFn) -> list[tuple[int, int]]:
    """(start, end) per task, in nanoseconds, with many shared instants."""
    count = draw(st.integers(1, 12))
    spans = []
    for _ in range(count):
        start = draw(st.integers(10, 60))
        spans.append((start, start + draw(st.integers(0, 30))))
    return spans


def most_at_once(spans: list[tuple[int, int]]) -> int:
    """The oracle: tasks running at each start instant, a task occupying [start, end)."""
    return max(sum(s <= t < e for s, e in spans) for t, _ in spans)


@settings(max_examples=500, deadline=None)
@given(schedules(), st.integers(1, 6))
def test_the_trace_check_enforces_a_limit_exactly(spans: list[tuple[int, int]], limit: int) -> None:
    workload = Workload(tasks=(Task((sleep(0),)),) * len(spans), limit=limit)
    trace = Trace(
        begin_ns=1,
        main_done_ns=1,
        finish_ns=100,
        spawn_ns=array("q", [1] * len(spans)),
        start_ns=array("q", [s for s, _ in spans]),
        end_ns=array("q", [e for _, e in spans]),
        step_end_ns=array("q", [0] * len(spans)),
        step_offsets=workload.step_offsets,
    )
    if most_at_once(spans) > limit:
        with pytest.raises(ContractError, match=f"more than {limit} tasks ran at once"):
            trace.check(workload)
    else:
        trace.check(workload)
