"""The overhead decomposition on hand-built traces (exact answers) and on real runs."""

from __future__ import annotations

import dataclasses
from array import array

import pytest

from concbench.framework import (
    Backend,
    Channel,
    StepKind,
    Task,
    Workload,
    block,
    cpu,
    get,
    put,
    sleep,
)
from concbench.framework.analysis.decompose import decompose, record_fields
from concbench.framework.model.parts import Decomposition, Part
from concbench.framework.model.trace import Trace
from support.backends import COROUTINE_BACKENDS, execute

MS = 1_000_000
COROUTINE = frozenset({StepKind.BLOCK, StepKind.CPU})


def trace_of(
    workload: Workload,
    *,
    spawn: list[int],
    start: list[int],
    step_ends: list[int],
    main_done: int,
    finish: int,
) -> Trace:
    """A trace in milliseconds after begin = 0 (stored as ns, offset so that 0 means "set")."""
    base = 1000 * MS

    def stamps(values: list[int]) -> array[int]:
        return array("q", [base + v * MS for v in values])

    ends = []
    offsets = workload.step_offsets
    for lane in range(len(workload.tasks)):
        last = offsets[lane + 1] - 1
        ends.append(step_ends[last])
    return Trace(
        begin_ns=base,
        main_done_ns=base + main_done * MS,
        finish_ns=base + finish * MS,
        spawn_ns=stamps(spawn),
        start_ns=stamps(start),
        end_ns=stamps(ends),
        step_end_ns=stamps(step_ends),
        step_offsets=offsets,
    )


def parts_ms(parts: Decomposition) -> dict[Part, float]:
    assert list(parts) == list(Part)  # a computed decomposition has every part, in order
    return {part: round(seconds * 1000, 6) for part, seconds in parts.items()}


def test_a_blocked_loop_is_charged_to_blocked() -> None:
    # seed-blocking at 100 ms: main blocks 0-50, task 0 blocks 50-150, task 1 blocks 150-250
    workload = Workload(tasks=(Task((block(0.1),)),) * 2, main=(block(0.05),))
    trace = trace_of(
        workload, spawn=[0, 0], start=[50, 150], step_ends=[150, 250, 50], main_done=50, finish=251
    )
    figures = record_fields(trace, workload, COROUTINE)
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert parts[Part.BLOCKED] == pytest.approx(150)  # task 1 waited behind main and task 0
    assert parts[Part.JOIN] == pytest.approx(1)
    assert sum(parts.values()) == pytest.approx(151)  # the overhead: 251 - 100
    assert figures["blocked_steps"] == 3
    assert figures["blocked_tasks_s"] == pytest.approx(0.2)
    assert figures["blocked_main_s"] == pytest.approx(0.05)
    assert figures["critical_lane"] == "1"


def test_the_same_wait_on_threads_is_start_latency_not_blocking() -> None:
    workload = Workload(tasks=(Task((block(0.1),)),) * 2, main=(block(0.05),))
    trace = trace_of(
        workload, spawn=[0, 0], start=[50, 150], step_ends=[150, 250, 50], main_done=50, finish=251
    )
    parts = parts_ms(decompose(trace, workload, frozenset()))
    assert parts[Part.BLOCKED] == 0
    assert parts[Part.START] == pytest.approx(150)


def test_late_sleeps_are_split_into_lateness_and_blocking() -> None:
    # task 0 sleeps 100 ms but wakes at 130: 10 ms of that is task 1's CPU work (110-120)
    workload = Workload(tasks=(Task((sleep(0.1),)), Task((sleep(0.09), cpu(0.01)))))
    trace = trace_of(
        workload, spawn=[0, 0], start=[0, 0], step_ends=[130, 110, 120], main_done=0, finish=130
    )
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert parts[Part.BLOCKED] == pytest.approx(10)
    assert parts[Part.SLEEP_LATE] == pytest.approx(20)
    assert parts[Part.REST] == pytest.approx(0)
    assert sum(parts.values()) == pytest.approx(130 - 100)  # ideal is task 0's 100 ms


def test_a_critical_lane_with_slack_has_its_first_delays_taken_off() -> None:
    # task 0 (100 ms) ends the run at 130, though the ideal is task 1's 120 ms: its first
    # 20 ms of delay cost nothing. Before, blocked 10 + late 20 left unexplained at -20.
    workload = Workload(tasks=(Task((sleep(0.1),)), Task((sleep(0.11), cpu(0.01)))))
    trace = trace_of(
        workload, spawn=[0, 0], start=[0, 0], step_ends=[130, 110, 120], main_done=0, finish=130
    )
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert parts[Part.BLOCKED] == pytest.approx(0)
    assert parts[Part.SLEEP_LATE] == pytest.approx(10)
    assert parts[Part.REST] == pytest.approx(0)
    assert sum(parts.values()) == pytest.approx(130 - 120)


def test_cpu_excess_is_charged_to_cpu_and_waiting_for_dependencies_is_not_overhead() -> None:
    # task 1 depends on task 0: its nominal start is 50 ms; it starts at 52 and its CPU
    # work of 50 ms takes 80 (another thread held the GIL)
    workload = Workload(tasks=(Task((sleep(0.05),)), Task((cpu(0.05),), after=(0,))))
    trace = trace_of(
        workload, spawn=[0, 0], start=[0, 52], step_ends=[51, 132], main_done=0, finish=133
    )
    parts = parts_ms(decompose(trace, workload, frozenset()))
    assert parts[Part.SPAWN] == 0
    assert parts[Part.START] == pytest.approx(2)
    assert parts[Part.CPU] == pytest.approx(30)
    assert parts[Part.JOIN] == pytest.approx(1)
    assert sum(parts.values()) == pytest.approx(133 - 100)


# task 0 produces after 100 ms; task 1 takes the item, then works 50 ms: ideal 150 ms
HANDOFF = Workload(
    tasks=(Task((sleep(0.1), put("c"))), Task((get("c"), sleep(0.05)))),
    channels=(Channel("c", 1),),
)


def test_waiting_for_a_hand_off_is_overhead_only_beyond_the_ideal_wait() -> None:
    # the consumer's get returns at 104, 4 ms after the item's nominal hand-off at 100:
    # only those 4 ms are overhead, not the 100 ms the ideal also waits
    trace = trace_of(
        HANDOFF, spawn=[0, 0], start=[0, 0], step_ends=[101, 102, 104, 155], main_done=0, finish=156
    )
    parts = parts_ms(decompose(trace, HANDOFF, frozenset()))
    assert parts[Part.STEPS] == pytest.approx(4)
    assert parts[Part.SLEEP_LATE] == pytest.approx(1)
    assert parts[Part.JOIN] == pytest.approx(1)
    assert parts[Part.REST] == pytest.approx(0)
    assert sum(parts.values()) == pytest.approx(156 - 150)


def test_waiting_for_a_worker_of_a_bounded_pool_is_charged_to_pool() -> None:
    # 4 tasks of 100 ms on a pool of 2: the last two start at 100 ms by the pool's bound;
    # task 3 starts at 103, so 100 ms of its wait is the pool and 3 ms the scheduler
    workload = Workload(tasks=(Task((sleep(0.1),)),) * 4)
    trace = trace_of(
        workload,
        spawn=[0, 0, 0, 0],
        start=[0, 0, 101, 103],
        step_ends=[100, 100, 201, 204],
        main_done=0,
        finish=205,
    )
    unbounded = parts_ms(decompose(trace, workload, frozenset()))
    assert unbounded[Part.POOL] == 0
    assert unbounded[Part.START] == pytest.approx(103)
    parts = parts_ms(decompose(trace, workload, frozenset(), concurrency=2))
    assert parts[Part.POOL] == pytest.approx(100)
    assert parts[Part.START] == pytest.approx(3)
    assert parts[Part.SLEEP_LATE] == pytest.approx(1)
    assert parts[Part.JOIN] == pytest.approx(1)
    assert sum(parts.values()) == pytest.approx(205 - 100)
    # a pool as large as the workload bounds nothing
    assert parts_ms(decompose(trace, workload, frozenset(), concurrency=4))[Part.POOL] == 0


def test_a_timer_firing_early_leaves_a_negative_lateness() -> None:
    workload = Workload(tasks=(Task((sleep(0.1),)),))
    trace = trace_of(workload, spawn=[0], start=[0], step_ends=[99], main_done=0, finish=99)
    parts = parts_ms(decompose(trace, workload, frozenset()))
    assert parts[Part.SLEEP_LATE] == pytest.approx(-1)
    assert sum(parts.values()) == pytest.approx(-1)


@pytest.mark.parametrize(
    "workload",
    [
        Workload(tasks=(Task((sleep(0.05),)),) * 50, main=(sleep(0.02),)),
        Workload(tasks=(Task((block(0.02),)),) * 3, main=(block(0.01),)),
        Workload(tasks=(Task((cpu(0.03),)),) * 2),
        Workload(tasks=(Task((sleep(0.02),)), Task((sleep(0.01),), after=(0,))) * 2, limit=2),
        HANDOFF,
    ],
    ids=["sleeps", "blocks", "cpu", "deps-and-limit", "hand-off"],
)
def test_parts_add_up_to_the_overhead_on_every_backend(
    backend_cls: type[Backend], workload: Workload
) -> None:
    if reason := backend_cls.unsupported_reason(workload):
        pytest.skip(reason)
    trace = execute(backend_cls, workload)
    parts = decompose(trace, workload, backend_cls.blocks_scheduler)
    assert parts.total == pytest.approx(trace.wall_s - workload.ideal_s, abs=1e-9)
    assert record_fields(trace, workload, backend_cls.blocks_scheduler)["parts"] == parts.to_json()


@pytest.mark.timing
def test_real_blocking_on_a_coroutine_backend_is_mostly_blocked_time(
    backend_cls: type[Backend],
) -> None:
    workload = Workload(tasks=(Task((block(0.1),)),) * 2, main=(block(0.05),))
    trace = execute(backend_cls, workload)
    parts = decompose(trace, workload, backend_cls.blocks_scheduler)
    figures = record_fields(trace, workload, backend_cls.blocks_scheduler)
    overhead = trace.wall_s - workload.ideal_s
    if backend_cls.name in COROUTINE_BACKENDS:
        assert parts[Part.BLOCKED] >= 0.9 * overhead
        assert float(figures["blocked_tasks_s"]) >= 0.19
    else:
        assert parts[Part.BLOCKED] == 0
        assert overhead < 0.05


def test_an_io_request_delayed_by_cpu_work_is_charged_to_blocked() -> None:
    from concbench.framework import io

    # task 0's 100 ms request is answered at 100 but read at 140: task 1 computed 100-140
    workload = Workload(tasks=(Task((io(0.1),)), Task((sleep(0.06), cpu(0.04)))))
    trace = trace_of(
        workload, spawn=[0, 0], start=[0, 0], step_ends=[145, 100, 140], main_done=0, finish=145
    )
    figures = record_fields(trace, workload, COROUTINE)
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert parts[Part.BLOCKED] == pytest.approx(40)
    assert parts[Part.IO_LATE] == pytest.approx(5)
    assert figures["io_steps"] == 1
    assert figures["io_late_mean_s"] == pytest.approx(0.045)


def test_main_blocked_by_tasks_that_ran_eagerly_is_charged_to_blocked() -> None:
    # eager tasks run inside create_task: task 0 blocks 0-100, task 1 100-200, and only
    # then does main run its own 50 ms block (200-250); main ends last
    workload = Workload(tasks=(Task((block(0.1),)),) * 2, main=(block(0.05),))
    trace = trace_of(
        workload, spawn=[0, 100], start=[0, 100], step_ends=[100, 200, 250], main_done=250,
        finish=250,
    )  # fmt: skip
    figures = record_fields(trace, workload, COROUTINE)
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert figures["critical_lane"] == "main"
    assert figures["blocked_main_s"] == pytest.approx(0.05)  # its own block, not the wait
    assert figures["blocked_tasks_s"] == pytest.approx(0.2)
    # main may end 50 ms late for free (its slack against the ideal's 100): of the 200 ms
    # it waited, 150 are overhead; before, blocked was 200 and unexplained -50
    assert parts[Part.BLOCKED] == pytest.approx(150)
    assert parts[Part.STEPS] == pytest.approx(0)
    assert parts[Part.REST] == pytest.approx(0)
    assert sum(parts.values()) == pytest.approx(250 - 100)


def eager_seed_blocking(*, main_start: int) -> tuple[Workload, Trace]:
    """seed-blocking at 100 ms on an eager scheduler that stamps ``main_start``: the tasks
    block inside their spawns (0-100, 100-200), then main blocks 50 ms."""
    workload = Workload(tasks=(Task((block(0.1),)),) * 2, main=(block(0.05),))
    trace = trace_of(
        workload, spawn=[0, 100], start=[0, 100], step_ends=[100, 200, 250], main_done=250,
        finish=250,
    )  # fmt: skip
    return workload, dataclasses.replace(trace, main_start_ns=trace.begin_ns + main_start * MS)


def test_main_start_splits_the_spawning_loop_from_main_own_steps() -> None:
    workload, trace = eager_seed_blocking(main_start=200)
    figures = record_fields(trace, workload, COROUTINE)
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert figures["blocked_main_s"] == pytest.approx(0.05)
    assert parts[Part.BLOCKED] == pytest.approx(150)
    assert parts[Part.SPAWN] == pytest.approx(0)
    assert parts[Part.STEPS] == pytest.approx(0)
    assert parts[Part.REST] == pytest.approx(0)


def test_eager_empty_tasks_are_spawn_cost_not_steps_that_overran() -> None:
    # 3 empty tasks, each run to its end inside its spawn (4 ms each); main has no steps
    workload = Workload(tasks=(Task(()),) * 3)
    base = 1000 * MS
    stamps = [base + ms * MS for ms in (0, 4, 8)]
    trace = Trace(
        begin_ns=base,
        main_start_ns=base + 12 * MS,
        main_done_ns=base + 12 * MS,
        finish_ns=base + 13 * MS,
        spawn_ns=array("q", stamps),
        start_ns=array("q", stamps),
        end_ns=array("q", stamps),
        step_end_ns=array("q"),
        step_offsets=workload.step_offsets,
    )
    trace.check(workload)
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert parts[Part.SPAWN] == pytest.approx(12)
    assert parts[Part.STEPS] == pytest.approx(0)
    assert parts[Part.JOIN] == pytest.approx(1)
    assert parts[Part.REST] == pytest.approx(0)


def test_a_task_spawned_late_behind_an_eager_block_is_blocked_not_spawn() -> None:
    # main is stamped early (it has no steps); task 1 is spawned only after task 0 blocked
    # 0-100 inside its own spawn, then blocks 100-200 and ends the run
    workload = Workload(tasks=(Task((block(0.1),)),) * 2)
    trace = trace_of(
        workload, spawn=[0, 100], start=[0, 100], step_ends=[100, 200], main_done=200, finish=201
    )
    parts = parts_ms(decompose(trace, workload, COROUTINE))
    assert parts[Part.BLOCKED] == pytest.approx(100)
    assert parts[Part.SPAWN] == pytest.approx(0)
    assert parts[Part.REST] == pytest.approx(0)


@pytest.mark.timing
def test_a_real_hand_off_leaves_nothing_unexplained(backend_cls: type[Backend]) -> None:
    # the critical lane is the consumer, which waits ~100 ms for its item in the ideal too
    if reason := backend_cls.unsupported_reason(HANDOFF):
        pytest.skip(reason)
    trace = execute(backend_cls, HANDOFF)
    parts = decompose(trace, HANDOFF, backend_cls.blocks_scheduler)
    assert record_fields(trace, HANDOFF, backend_cls.blocks_scheduler)["critical_lane"] == "1"
    assert abs(parts[Part.REST]) < 0.01
    assert abs(parts[Part.STEPS]) < 0.05  # was the ideal's 0.1 s wait too


@pytest.mark.parametrize("backend_name", ["threads", "processes"])
@pytest.mark.timing
def test_a_real_pool_of_two_is_charged_to_pool(backend_name: str) -> None:
    from concbench.framework.measure.registry import default_registry

    backend_cls = default_registry().backend(backend_name)
    workload = Workload(tasks=(Task((sleep(0.1),)),) * 6)  # three rounds on two workers
    trace = execute(backend_cls, workload, workers=2)
    slots = backend_cls.concurrency(backend_cls.resolve_options({"workers": 2}))
    assert slots == 2
    parts = decompose(trace, workload, backend_cls.blocks_scheduler, slots)
    assert parts[Part.POOL] >= 0.19  # two rounds of 100 ms before the last
    assert parts[Part.START] < 0.1  # it was the whole 0.2 s before the pool part


def test_a_tree_is_attributed_along_its_critical_path_down_to_the_leaf() -> None:
    # root 0 (step 10 ms) spawns 1 and 2; 2 (the late one) spawns leaf 3 (step 20 ms)
    w = Workload(
        tasks=(
            Task((sleep(0.010),), children=(1, 2)),
            Task((sleep(0.005),)),
            Task((), children=(3,)),
            Task((sleep(0.020),)),
        )
    )
    assert w.ideal_s == pytest.approx(0.030)
    base = 1000 * MS

    def ns(values: list[int]) -> array[int]:
        return array("q", [base + v * MS for v in values])

    trace = Trace(
        begin_ns=base,
        main_done_ns=base + 1 * MS,
        finish_ns=base + 44 * MS,
        spawn_ns=ns([1, 12, 13, 15]),  # root spawned 1 ms late; 2 is spawned 1 ms after 1
        start_ns=ns([2, 13, 14, 17]),  # each waits 1 ms (3 waits 2 ms) to start
        end_ns=ns([43, 18, 40, 38]),  # 3 ends, 2's join returns 2 ms later, the root's 3 ms
        step_end_ns=ns([12, 18, 38]),  # root's step 10 ms, 1's 5 ms, leaf's 21 ms
        step_offsets=w.step_offsets,
    )
    trace.check(w)
    parts = decompose(trace, w, frozenset())
    assert parts[Part.SPAWN] == pytest.approx(0.001 + 0.001 + 0.001)  # root, 2 after 12, 3 after 14
    assert parts[Part.START] == pytest.approx(0.001 + 0.001 + 0.002)
    assert parts[Part.SLEEP_LATE] == pytest.approx(0.0 + 0.001)  # the root's step, the leaf's
    assert parts[Part.JOIN] == pytest.approx(0.002 + 0.003 + 0.001)  # 3 -> 2 -> 0 -> finish
    assert parts[Part.REST] == pytest.approx(0.0, abs=1e-12)
    assert parts.total == pytest.approx(trace.wall_s - w.ideal_s)
    assert record_fields(trace, w, frozenset())["critical_lane"] == "3"
