from __future__ import annotations

import math

import pytest

from concbench.framework import (
    Channel,
    ModelError,
    Step,
    StepKind,
    Task,
    Workload,
    block,
    checkpoint,
    cpu,
    get,
    io,
    put,
    sleep,
)


def chain(*seconds: float, after: tuple[int, ...] = ()) -> Task:
    return Task(steps=tuple(sleep(s) for s in seconds), after=after)


def test_the_teaching_example_is_serial_two_and_a_half_ideal_one() -> None:
    task = chain(1.0)
    workload = Workload(tasks=(task, task), main=(sleep(0.5),))
    assert workload.serial_s == pytest.approx(2.5)
    assert workload.ideal_s == pytest.approx(1.0)


def test_main_routine_is_on_the_critical_path_when_it_is_longest() -> None:
    workload = Workload(tasks=(chain(0.2), chain(0.3)), main=(sleep(0.4), cpu(0.1)))
    assert workload.ideal_s == pytest.approx(0.5)
    assert workload.serial_s == pytest.approx(1.0)


def test_ideal_is_the_longest_task_without_dependencies() -> None:
    workload = Workload(tasks=(chain(0.1, 0.2), chain(0.25), chain(0.05, 0.05, 0.05)))
    assert workload.ideal_s == pytest.approx(0.3)
    assert workload.serial_s == pytest.approx(0.7)


def test_ideal_follows_the_critical_path_through_dependencies() -> None:
    # 0 (1.0) ; 1 (0.2) -> 2 (0.3) -> 3 (0.9): the path 1-2-3 (1.4) beats the longest task (1.0)
    tasks = (chain(1.0), chain(0.2), chain(0.3, after=(1,)), chain(0.9, after=(2,)))
    workload = Workload(tasks=tasks)
    assert workload.ideal_s == pytest.approx(1.4)
    assert workload.serial_s == pytest.approx(2.4)


def test_a_join_waits_for_the_slowest_dependency() -> None:
    tasks = (chain(0.5), chain(0.1), chain(0.2, after=(0, 1)))
    assert Workload(tasks=tasks).ideal_s == pytest.approx(0.7)


def test_dependencies_may_point_forward_in_the_tuple() -> None:
    tasks = (chain(0.3, after=(1,)), chain(0.4))
    assert Workload(tasks=tasks).ideal_s == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("tasks", "limit", "ideal"), [(100, 10, 0.5), (101, 10, 0.55), (5, 10, 0.05)]
)
def test_a_limit_gives_ceil_n_over_l_rounds_for_equal_tasks(
    tasks: int, limit: int, ideal: float
) -> None:
    workload = Workload(tasks=(chain(0.05),) * tasks, limit=limit)
    assert workload.ideal_s == pytest.approx(ideal)
    assert workload.ideal_s == pytest.approx(math.ceil(tasks / limit) * 0.05)


def test_a_limit_of_one_makes_ideal_serial() -> None:
    workload = Workload(tasks=(chain(0.1), chain(0.2), chain(0.3)), limit=1)
    assert workload.ideal_s == pytest.approx(workload.serial_s)


def test_a_stated_ideal_overrides_the_computed_one() -> None:
    workload = Workload(tasks=(chain(0.1),) * 4, limit=2, stated_ideal_s=0.25)
    assert workload.ideal_s == 0.25


def test_machine_bound_counts_cpu_work_over_cores() -> None:
    workload = Workload(tasks=(Task(steps=(cpu(0.5),)),) * 4)
    assert workload.ideal_s == pytest.approx(0.5)
    assert workload.cpu_work_s == pytest.approx(2.0)
    assert workload.machine_bound_s(cores=2) == pytest.approx(1.0)
    assert workload.machine_bound_s(cores=8) == pytest.approx(0.5)


def test_checkpoints_are_nominally_free_and_kinds_are_collected() -> None:
    workload = Workload(tasks=(Task(steps=(checkpoint(100), block(0.1))),), main=(cpu(0.0),))
    assert workload.serial_s == pytest.approx(0.1)
    assert workload.kinds == {StepKind.CHECKPOINT, StepKind.BLOCK, StepKind.CPU}


def test_an_empty_workload_takes_no_time() -> None:
    workload = Workload(tasks=())
    assert workload.serial_s == 0
    assert workload.ideal_s == 0


@pytest.mark.parametrize("seconds", [-0.1, math.inf, math.nan])
def test_invalid_durations_are_refused(seconds: float) -> None:
    with pytest.raises(ModelError, match="seconds"):
        sleep(seconds)


def test_invalid_checkpoint_count_is_refused() -> None:
    with pytest.raises(ModelError, match="count"):
        checkpoint(0)


def test_a_cycle_is_refused_naming_the_tasks() -> None:
    with pytest.raises(ModelError, match=r"cycle"):
        Workload(tasks=(chain(0.1, after=(2,)), chain(0.1, after=(0,)), chain(0.1, after=(1,))))


def test_a_self_dependency_is_refused() -> None:
    with pytest.raises(ModelError, match="depends on itself"):
        Workload(tasks=(chain(0.1, after=(0,)),))


def test_a_dependency_on_a_missing_task_is_refused() -> None:
    with pytest.raises(ModelError, match="does not exist"):
        Workload(tasks=(chain(0.1, after=(5,)),))


@pytest.mark.parametrize("limit", [0, -3])
def test_a_limit_below_one_is_refused(limit: int) -> None:
    with pytest.raises(ModelError, match="limit"):
        Workload(tasks=(chain(0.1),), limit=limit)


def test_nominal_starts_follow_dependencies_and_the_limit() -> None:
    tasks = (chain(1.0), chain(0.2), chain(0.3, after=(1,)), chain(0.9, after=(2,)))
    assert list(Workload(tasks=tasks).nominal_starts) == pytest.approx([0.0, 0.0, 0.2, 0.5])
    limited = Workload(tasks=(chain(0.1),) * 5, limit=2)
    assert list(limited.nominal_starts) == pytest.approx([0.0, 0.0, 0.1, 0.1, 0.2])


def test_io_steps_count_their_latency_like_any_wait() -> None:
    workload = Workload(tasks=(Task((io(0.2), sleep(0.1))), Task((io(0.25),))), main=(io(0.05),))
    assert workload.kinds == {StepKind.IO, StepKind.SLEEP}
    assert workload.serial_s == pytest.approx(0.6)
    assert workload.ideal_s == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("tasks", "main", "limit", "connections"),
    [
        ((Task((io(0.1), io(0.1))),) * 5, (), None, 5),  # one open request per lane at a time
        ((Task((io(0.1),)),) * 5 + (Task((sleep(0.1),)),) * 3, (io(0.1),), None, 6),
        ((Task((io(0.1),)),) * 50, (io(0.1),), 8, 9),  # the limit caps tasks, not main
        ((Task((sleep(0.1),)),) * 5, (), None, 0),
    ],
)
def test_io_connections_is_the_most_requests_open_at_once(
    tasks: tuple[Task, ...], main: tuple[Step, ...], limit: int | None, connections: int
) -> None:
    assert Workload(tasks=tasks, main=main, limit=limit).io_connections == connections


def test_an_io_workload_without_a_server_address_says_how_to_get_one() -> None:
    workload = Workload(tasks=(Task((io(0.1),)),))
    with pytest.raises(ModelError, match="no io_address: the runner starts the latency server"):
        workload.io_target()
    assert Workload(tasks=workload.tasks, io_address=("127.0.0.1", 9)).io_target() == (
        "127.0.0.1",
        9,
    )


def test_task_steps_excludes_main() -> None:
    workload = Workload(tasks=(Task((sleep(0.1),) * 3), Task(())), main=(sleep(0.1),))
    assert workload.task_steps == 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Step(StepKind.PUT), "`channel` is required for put and get steps"),
        (lambda: Step(StepKind.SLEEP, 0.1, channel="c"), "allowed for no others, got 'c'"),
        (lambda: Channel("c", 0), "`capacity` must be None .unbounded. or >= 1, got 0"),
        (lambda: Channel(""), "a channel needs a name"),
        (
            lambda: Workload(tasks=(Task((put("x"),)),), channels=(Channel("c"),)),
            "task 0: put step uses channel 'x', which is not declared in `channels` .'c'.",
        ),
        (
            lambda: Workload(tasks=(), channels=(Channel("c"), Channel("c", 2))),
            "channel names must be unique",
        ),
    ],
)
def test_malformed_channels_are_refused(make: object, message: str) -> None:
    with pytest.raises(ModelError, match=message):
        make()  # type: ignore[operator]


def test_hand_offs_are_nominally_free_and_order_the_work() -> None:
    # the consumer cannot start its 0.3 before the producer's 0.2 has made the item
    workload = Workload(
        tasks=(Task((sleep(0.2), put("c"))), Task((get("c"), sleep(0.3)))),
        channels=(Channel("c", 1),),
    )
    assert workload.serial_s == pytest.approx(0.5)
    assert workload.ideal_s == pytest.approx(0.5)


@pytest.mark.parametrize(("capacity", "ideal"), [(1, 1.5), (2, 1.0), (None, 1.0)])
def test_a_full_channel_holds_the_producer_back(capacity: int | None, ideal: float) -> None:
    # the producer puts two items, then works 1.0; the consumer takes its first at 0.5.
    # With room for one item the second put waits until 0.5, so the producer ends at 1.5.
    workload = Workload(
        tasks=(Task((put("c"), put("c"), sleep(1.0))), Task((sleep(0.5), get("c"), get("c")))),
        channels=(Channel("c", capacity),),
    )
    assert workload.ideal_s == pytest.approx(ideal)


def test_channels_are_used_by_main_too() -> None:
    workload = Workload(
        tasks=(Task((get("c"), sleep(0.4))),),
        main=(sleep(0.3), put("c")),
        channels=(Channel("c"),),
    )
    assert workload.ideal_s == pytest.approx(0.7)


def test_a_waiting_task_keeps_its_slot_under_the_limit() -> None:
    # limit 1: the consumer (task 0) waits in get holding the only slot; the producer
    # (task 1) can never start. Every backend would hang; the model refuses it up front.
    tasks = (Task((get("c"),)), Task((put("c"),)))
    with pytest.raises(ModelError, match="task 1 never starts"):
        Workload(tasks=tasks, channels=(Channel("c"),), limit=1)
    # in the other order the producer runs first, ends, and frees the slot
    assert Workload(tasks=tasks[::-1], channels=(Channel("c"),), limit=1).ideal_s == 0


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        ((Task((get("c"),)),), "task 0 waits forever to get from channel 'c'"),
        ((Task((put("c"), put("c"))),), "task 0 waits forever to put into channel 'c'"),
        (
            (Task((get("c"),)), Task((sleep(0.1),), after=(0,))),
            "task 0 waits forever to get from channel 'c'; task 1 never starts",
        ),
    ],
)
def test_a_workload_that_deadlocks_is_refused_naming_who_waits(
    tasks: tuple[Task, ...], message: str
) -> None:
    with pytest.raises(ModelError, match=f"the workload deadlocks: {message}"):
        Workload(tasks=tasks, channels=(Channel("c", 1),))


def test_a_stated_ideal_does_not_hide_a_deadlock() -> None:
    with pytest.raises(ModelError, match="deadlocks"):
        Workload(tasks=(Task((get("c"),)),), channels=(Channel("c"),), stated_ideal_s=1.0)


def test_dependencies_and_channels_combine() -> None:
    # task 2 starts after task 0 (0.1) and then waits for task 1's item (made at 0.3)
    workload = Workload(
        tasks=(
            Task((sleep(0.1),)),
            Task((sleep(0.3), put("c"))),
            Task((get("c"), sleep(0.2)), after=(0,)),
        ),
        channels=(Channel("c"),),
    )
    assert workload.ideal_s == pytest.approx(0.5)


def test_single_sleeps_names_a_plain_fan_out_and_nothing_else() -> None:
    assert Workload(tasks=(chain(1.0), chain(0.5))).single_sleeps == [1.0, 0.5]
    assert Workload(tasks=(), main=(sleep(1.0),)).single_sleeps == []
    not_plain = [
        Workload(tasks=(chain(1.0), chain(1.0)), limit=1),
        Workload(tasks=(chain(1.0), chain(1.0, after=(0,)))),
        Workload(tasks=(chain(1.0, 1.0),)),
        Workload(tasks=(Task(steps=()),)),
        Workload(tasks=(Task(steps=(block(1.0),)),)),
    ]
    assert [workload.single_sleeps for workload in not_plain] == [None] * len(not_plain)


def test_handoff_waits_are_the_ideal_schedules_waits_by_step_slot() -> None:
    # slots: task 0 = 0 (sleep), 1 (put), 2 (put); task 1 = 3 (sleep), 4 (get), 5 (get)
    workload = Workload(
        tasks=(
            Task((sleep(0.1), put("c"), put("c"))),
            Task((sleep(0.3), get("c"), get("c"))),
        ),
        channels=(Channel("c", 1),),
    )
    # the second put finds the channel full from 0.1 until the first get at 0.3;
    # both gets find an item waiting
    assert workload.handoff_waits == {2: pytest.approx(0.2)}
    consumer_first = Workload(
        tasks=(Task((sleep(0.1), put("c"))), Task((get("c"),))), channels=(Channel("c", None),)
    )
    assert consumer_first.handoff_waits == {2: pytest.approx(0.1)}
    assert Workload(tasks=(chain(1.0),)).handoff_waits == {}


def test_only_empty_tasks_names_a_workload_of_empty_tasks_and_nothing_else() -> None:
    empty = Task(steps=())
    assert Workload(tasks=(empty, empty)).only_empty_tasks
    assert not Workload(tasks=(empty, empty), limit=1).only_empty_tasks
    assert not Workload(tasks=(empty, Task(steps=(), after=(0,)))).only_empty_tasks
    assert not Workload(tasks=(empty, chain(0.1))).only_empty_tasks


def test_a_scaled_copy_keeps_the_shape_and_scales_every_duration() -> None:
    shared = (sleep(0.2), checkpoint(3))
    workload = Workload(
        tasks=(Task(shared), Task(shared), Task((put("c"),)), Task((get("c"), block(0.4)), (0,))),
        main=(sleep(0.1),),
        channels=(Channel("c", 1),),
    )
    short = workload.scaled(0.1)
    assert short.ideal_s == pytest.approx(workload.ideal_s * 0.1)
    assert short.serial_s == pytest.approx(workload.serial_s * 0.1)
    assert [task.after for task in short.tasks] == [task.after for task in workload.tasks]
    assert short.tasks[0].steps is short.tasks[1].steps  # still one tuple for many tasks
    assert short.tasks[0].steps[1].count == 3
    assert short.channels == workload.channels
    assert short.kinds == workload.kinds
    with pytest.raises(ModelError, match="scale factor must be finite and >= 0, got -1"):
        workload.scaled(-1)
