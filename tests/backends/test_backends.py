"""The same behaviour checked on every installed backend, in this process, on real schedulers."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, cast

import pytest

from concbench.framework import (
    Backend,
    Channel,
    Recorder,
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
    run_blocking,
    sleep,
)
from concbench.framework.model.cpuwork import calibrate
from support.backends import COROUTINE_BACKENDS, PARALLEL_BACKENDS, execute
from support.cores import assert_parallel

pytestmark = pytest.mark.timing  # real runs, asserted against the clock

S = 0.2  # seconds per unit: short, but long enough that 2-core noise stays well inside the margins


@pytest.fixture(scope="module", autouse=True)
def _calibrated() -> None:
    calibrate()


def spans(trace: object, index: int) -> tuple[float, float]:
    start = trace.start_ns[index] - trace.begin_ns  # type: ignore[attr-defined]
    end = trace.end_ns[index] - trace.begin_ns  # type: ignore[attr-defined]
    return start / 1e9, end / 1e9


@pytest.mark.parametrize(
    "step",
    [sleep(0.01), block(0.01), cpu(0.01), checkpoint(50), io(0.01)],
    ids=lambda step: step.kind.value,
)
def test_every_step_kind_runs_in_tasks_and_in_main(
    backend_cls: type[Backend], step: Step, io_address: tuple[str, int]
) -> None:
    if step.kind not in backend_cls.supports:
        reason = backend_cls.unsupported_reason(Workload(tasks=(Task((step,)),)))
        assert reason == f"backend {backend_cls.name!r} cannot run {step.kind.value} steps"
    workload = Workload(tasks=(Task(steps=(step, step)),) * 3, main=(step,))
    trace = execute(backend_cls, workload, io_address)
    assert trace.wall_s >= 0.0


def test_channel_steps_run_in_tasks_and_in_main(backend_cls: type[Backend]) -> None:
    # main puts two items and takes two back; the tasks pass one each through the channel
    workload = Workload(
        tasks=(Task((put("c"), get("c"))),) * 3,
        main=(put("c"), put("c"), get("c"), get("c")),
        channels=(Channel("c", 2),),
    )
    trace = execute(backend_cls, workload)
    assert trace.has_steps


def test_requests_overlap_and_each_lasts_at_least_the_latency(
    backend_cls: type[Backend], io_address: tuple[str, int]
) -> None:
    workload = Workload(tasks=(Task((io(S / 2),)),) * 50)
    trace = execute(backend_cls, workload, io_address)
    assert trace.wall_s < 0.6 * workload.serial_s
    for lane in range(len(workload.tasks)):
        [measured] = trace.step_durations_ns(lane)
        assert measured / 1e9 >= S / 2  # the server never answers early


def test_a_workload_with_io_but_no_server_address_fails_saying_so(
    backend_cls: type[Backend],
) -> None:
    workload = Workload(tasks=(Task((io(0.01),)),))
    reason = backend_cls.unsupported_reason(workload)
    if reason:
        pytest.skip(reason)
    with pytest.raises(Exception) as caught:  # noqa: PT011 - trio wraps it in a group
        execute(backend_cls, workload, io_address=None, check_support=False, no_address=True)
    raised = getattr(caught.value, "exceptions", (caught.value,))
    assert "no io_address: the runner starts the latency server" in str(raised[0])


def test_consumers_share_a_channel_and_overlap(backend_cls: type[Backend]) -> None:
    # a producer hands 8 items to 4 consumers that each work S/2 per item: ideal 2 x S/2
    consumer = Task((get("c"), sleep(S / 2)) * 2)
    workload = Workload(
        tasks=(Task((put("c"),) * 8), *(consumer,) * 4), channels=(Channel("c", 2),)
    )
    assert workload.ideal_s == pytest.approx(S)
    trace = execute(backend_cls, workload)
    assert trace.wall_s >= 0.99 * workload.ideal_s
    assert trace.wall_s < 0.6 * workload.serial_s


@pytest.mark.parametrize(("capacity", "blocked"), [(1, True), (None, False)])
def test_a_full_channel_makes_the_producer_wait(
    backend_cls: type[Backend], capacity: int | None, blocked: bool
) -> None:
    # the consumer takes its first item after S/2: with room for one item, the second put waits
    workload = Workload(
        tasks=(Task((put("c"), put("c"))), Task((sleep(S / 2), get("c"), get("c")))),
        channels=(Channel("c", capacity),),
    )
    trace = execute(backend_cls, workload)
    second_put = sum(trace.step_durations_ns(0)) / 1e9
    if blocked:
        assert second_put >= 0.95 * S / 2
    else:
        assert second_put < 0.5 * S / 2


def test_sleeps_overlap(backend_cls: type[Backend]) -> None:
    workload = Workload(tasks=(Task(steps=(sleep(S),)),) * 4, main=(sleep(S / 2),))
    trace = execute(backend_cls, workload)
    assert trace.wall_s >= 0.99 * S  # a timer may fire a hair early; never much
    assert trace.wall_s < 0.6 * workload.serial_s


def test_blocking_steps_serialise_coroutines_but_not_threads(backend_cls: type[Backend]) -> None:
    workload = Workload(tasks=(Task(steps=(block(S),)),) * 2, main=(block(S / 2),))
    trace = execute(backend_cls, workload)
    if backend_cls.name in COROUTINE_BACKENDS:
        assert trace.wall_s >= 0.9 * workload.serial_s
    else:
        assert trace.wall_s < 0.6 * workload.serial_s


def test_cpu_work_overlaps_only_across_processes(backend_cls: type[Backend]) -> None:
    workload = Workload(tasks=(Task(steps=(cpu(S),)),) * 2)
    if backend_cls.name in PARALLEL_BACKENDS:  # two processes, two cores, if both are free
        assert_parallel(lambda: execute(backend_cls, workload).wall_s, 0.75 * workload.serial_s)
    else:
        assert execute(backend_cls, workload).wall_s >= 0.8 * workload.serial_s  # one GIL


def test_dependencies_are_respected(backend_cls: type[Backend]) -> None:
    # 0 and 1 run together; 2 waits for both; 3 waits for 2; 4 and 5 are free: ideal 4d, serial 9d
    d = S / 4
    free = Task((sleep(2 * d),))
    tasks = (
        Task((sleep(d),)),
        free,
        Task((sleep(d),), after=(0, 1)),
        Task((sleep(d),), after=(2,)),
        free,
        free,
    )
    workload = Workload(tasks=tasks)
    trace = execute(backend_cls, workload)  # execute() checks starts against dependency ends
    assert spans(trace, 2)[0] >= spans(trace, 1)[1]
    assert spans(trace, 3)[0] >= spans(trace, 2)[1]
    assert trace.wall_s >= 0.99 * workload.ideal_s
    assert trace.wall_s < 0.6 * workload.serial_s


def test_the_limit_is_respected(backend_cls: type[Backend]) -> None:
    workload = Workload(tasks=(Task((sleep(S / 4),)),) * 6, limit=2)
    trace = execute(backend_cls, workload)  # execute() fails if more than 2 ran at once
    assert trace.wall_s >= 0.99 * workload.ideal_s  # 3 rounds
    assert trace.wall_s < 0.8 * workload.serial_s


def test_the_main_routine_takes_no_slot_under_the_limit(backend_cls: type[Backend]) -> None:
    # the limit caps tasks only: with one slot, the task runs while main sleeps (main is
    # long, so that a backend that dispatches slowly, such as dask, still starts it in time)
    workload = Workload(tasks=(Task((sleep(S / 4),)),), main=(sleep(2.5 * S),), limit=1)
    trace = execute(backend_cls, workload)
    assert trace.end_ns[0] < trace.main_done_ns


def test_an_exception_in_a_task_propagates(backend_cls: type[Backend]) -> None:
    bogus = Step(kind=cast(StepKind, "bogus"))  # every backend refuses a kind it does not know
    with pytest.raises(Exception) as caught:  # noqa: PT011 - trio wraps it in a group
        execute(backend_cls, Workload(tasks=(Task((bogus,)),)), check_support=False)
    raised = getattr(caught.value, "exceptions", (caught.value,))
    assert [type(exc) for exc in raised] == [NotImplementedError]


def test_an_empty_workload_runs(backend_cls: type[Backend]) -> None:
    trace = execute(backend_cls, Workload(tasks=(), main=(sleep(0.01),)))
    assert trace.wall_s >= 0.0099


@pytest.mark.parametrize("workers", [1, 3])
def test_a_thread_pool_caps_concurrency_at_its_size(workers: int) -> None:
    from concbench.backends.threads_backend import ThreadsBackend

    workload = Workload(tasks=(Task((sleep(S / 4),)),) * 6)
    trace = execute(ThreadsBackend(workers=workers), workload)
    rounds = -(-6 // workers)
    assert trace.wall_s >= 0.99 * rounds * S / 4


def test_a_thread_pool_runs_dependencies_without_deadlock() -> None:
    from concbench.backends.threads_backend import ThreadsBackend

    # a chain longer than the pool: waiting tasks must not hold the only worker
    tasks = tuple(Task((sleep(0.01),), after=((i - 1,) if i else ())) for i in range(5))
    trace = execute(ThreadsBackend(workers=1), Workload(tasks=tasks))
    assert trace.wall_s >= 0.049


def test_a_thread_pool_finishes_after_its_last_task_when_the_spawner_is_preempted() -> None:
    from concbench.backends.threads_backend import pool_primitives

    # the CI failure beside a CPU hog (finish stamped before task 4's end): the spawning
    # thread lost its CPU right after submitting task 0, long enough for task 0 to end and
    # submit task 1, and the worker that submits the last task lost it in turn; here the
    # first submit waits for its task and the last one is late, to make that order certain
    spawner, submitted = threading.get_ident(), [0] * 5
    tasks = tuple(Task((sleep(0.01),), after=((i - 1,) if i else ())) for i in range(5))
    workload = Workload(tasks=tasks)
    recorder = Recorder(workload)
    with ThreadPoolExecutor(max_workers=1) as pool:

        def submit(routine: Callable[[int, Any], None], index: int, arg: Any) -> Future[None]:
            submitted[index] += 1
            if index == len(tasks) - 1:
                time.sleep(0.02)
            future = pool.submit(routine, index, arg)
            if threading.get_ident() == spawner:
                wait([future])
            return future

        run_blocking(dataclasses.replace(pool_primitives(pool), spawn=submit), workload, recorder)
    recorder.trace().check(workload)  # ContractError: task 4 ended after the run finished
    assert submitted == [1] * 5


def test_every_step_end_is_recorded_and_sleeps_last_their_nominal_time(
    backend_cls: type[Backend],
) -> None:
    workload = Workload(
        tasks=(Task((sleep(0.02), checkpoint(3), sleep(0.01))),) * 3, main=(sleep(0.015),)
    )
    trace = execute(backend_cls, workload)  # checks that every step end is there, in order
    assert trace.has_steps
    for lane in range(trace.lanes):
        nominal = [step.seconds for step in workload.lane_steps(lane)]
        measured = [ns / 1e9 for ns in trace.step_durations_ns(lane)]
        for want, got in zip(nominal, measured, strict=True):
            assert got >= want - 0.002  # libuv may fire a timer up to a millisecond early


def test_a_plain_fan_out_records_what_the_general_path_records(
    backend_cls: type[Backend],
) -> None:
    # sleeps of different lengths, so that a task stamped in another task's slot would show;
    # the same tasks under a limit that never binds take the general path
    seconds = [S / 8 * (1 + index % 3) for index in range(6)]
    tasks = tuple(Task((sleep(s),)) for s in seconds)
    plain, general = Workload(tasks=tasks), Workload(tasks=tasks, limit=len(tasks))
    assert plain.single_sleeps == seconds
    assert general.single_sleeps is None
    for workload in (plain, general):
        trace = execute(backend_cls, workload)  # checks the contract, step ends included
        assert trace.wall_s < 0.6 * workload.serial_s
        for index, want in enumerate(seconds):
            [measured] = trace.step_durations_ns(index)
            assert measured / 1e9 >= want - 0.002  # a timer may fire a hair early
            assert trace.end_ns[index] == trace.step_end_ns[index]  # a task ends with its step


def test_empty_tasks_end_as_they_start_on_either_path(backend_cls: type[Backend]) -> None:
    # the same empty tasks under a limit that never binds take the general path
    tasks = (Task(steps=()),) * 6
    for workload in (Workload(tasks=tasks), Workload(tasks=tasks, limit=len(tasks))):
        trace = execute(backend_cls, workload)  # spawn <= start <= end within the run
        assert list(trace.end_ns) == list(trace.start_ns)
        assert trace.wall_s < 2.0  # a dozen milliseconds normally; not a hang
