"""The skeleton on real schedulers, with primitives written here as a plugin would write them.

Each primitive is asyncio's or the standard library's own, wrapped to log what it was
asked, so that the tests see which primitive every step reached and when; the backend
tests (tests/backends/) run the same skeleton through every built-in backend.
"""

from __future__ import annotations

import asyncio
import functools
import queue
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any

import pytest

from concbench.framework import (
    BlockingPrimitives,
    Channel,
    CoroutinePrimitives,
    GatherGroup,
    Recorder,
    Task,
    Trace,
    Workload,
    block,
    blocking_lanes,
    checkpoint,
    coroutine_lanes,
    coroutine_run,
    cpu,
    get,
    io,
    put,
    run_blocking,
    run_coroutines,
    sleep,
)
from concbench.framework.model.cpuwork import calibrate

Log = list[tuple[str, object]]


def _run_asyncio(main: Callable[[], Coroutine[Any, Any, None]]) -> None:
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    finally:
        loop.close()


def coroutine_primitives(log: Log) -> CoroutinePrimitives:
    """asyncio's primitives, each logging its call."""

    async def logged_sleep(seconds: float) -> None:
        log.append(("sleep", seconds))
        await asyncio.sleep(seconds)

    async def logged_checkpoint() -> None:
        log.append(("checkpoint", None))
        await asyncio.sleep(0)

    async def logged_request(address: tuple[str, int], seconds: float) -> None:
        log.append(("request", (address, seconds)))

    def channel(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
        log.append(("channel", capacity))
        items: asyncio.Queue[None] = asyncio.Queue(capacity or 0)
        return functools.partial(items.put, None), items.get

    return CoroutinePrimitives(
        run=_run_asyncio,
        task_group=functools.partial(GatherGroup, asyncio.create_task, asyncio.gather),
        sleep=logged_sleep,
        checkpoint=logged_checkpoint,
        request=logged_request,
        channel=channel,
        event=asyncio.Event,
        limiter=asyncio.Semaphore,
        block=lambda seconds: log.append(("block", seconds)),
        cpu=lambda seconds: log.append(("cpu", seconds)),
    )


def blocking_primitives(log: Log) -> BlockingPrimitives[threading.Thread]:
    """A thread per task with the standard library's primitives, each logging its call."""
    lock = threading.Lock()

    def logged(name: str, then: Callable[..., object] = lambda *_: None) -> Callable[..., None]:
        def primitive(*args: Any) -> None:
            with lock:
                log.append((name, args[0] if len(args) == 1 else (args or None)))
            then(*args)

        return primitive

    def spawn(routine: Callable[[int, Any], None], index: int, arg: Any) -> threading.Thread:
        thread = threading.Thread(target=routine, args=(index, arg), daemon=True)
        thread.start()
        return thread

    def channel(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
        log.append(("channel", capacity))
        items: queue.Queue[None] = queue.Queue(capacity or 0)
        return functools.partial(items.put, None), items.get

    return BlockingPrimitives(
        spawn=spawn,
        join=_join,
        sleep=logged("sleep", time.sleep),
        checkpoint=logged("checkpoint"),
        request=logged("request"),
        channel=channel,
        event=threading.Event,
        limiter=threading.BoundedSemaphore,
        block=logged("block"),
        cpu=logged("cpu"),
    )


def _join(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join()


def run_both(workload: Workload) -> dict[str, tuple[Trace, Log]]:
    """The workload once through each skeleton, each trace checked against the contract."""
    coroutine_log: Log = []
    coroutine_recorder = Recorder(workload)
    run_coroutines(coroutine_primitives(coroutine_log), workload, coroutine_recorder)
    blocking_log: Log = []
    blocking_recorder = Recorder(workload)
    run_blocking(blocking_primitives(blocking_log), workload, blocking_recorder)
    results = {
        "coroutine": (coroutine_recorder.trace(), coroutine_log),
        "blocking": (blocking_recorder.trace(), blocking_log),
    }
    for trace, _ in results.values():
        trace.check(workload)
    return results


@pytest.fixture(scope="module", autouse=True)
def _calibrated() -> None:
    calibrate()


def test_every_step_reaches_its_own_primitive_in_tasks_and_in_main() -> None:
    steps = (sleep(0.001), block(0.002), cpu(0.003), checkpoint(3), io(0.004), put("c"), get("c"))
    workload = Workload(
        tasks=(Task(steps),) * 2,
        main=(io(0.005),),
        channels=(Channel("c", 2),),
        io_address=("127.0.0.1", 9),
    )
    for kind, (trace, log) in run_both(workload).items():
        assert trace.has_steps, kind
        address = ("127.0.0.1", 9)
        assert sorted(log, key=repr) == sorted(
            [("channel", 2)]
            + [("sleep", 0.001), ("block", 0.002), ("cpu", 0.003)] * 2
            + [("checkpoint", None)] * 6
            + [("request", (address, 0.004))] * 2
            + [("request", (address, 0.005))],
            key=repr,
        ), kind


def test_the_plain_shapes_take_routines_with_nothing_to_decide() -> None:
    fan_out = Workload(tasks=(Task((sleep(0.01),)), Task((sleep(0.02),))))
    empty = Workload(tasks=(Task(()),) * 3)
    limited = Workload(tasks=fan_out.tasks, limit=2)  # the same tasks, the general routine
    shapes = (fan_out, empty, limited)
    in_coroutines = [coroutine_lanes(coroutine_primitives([]), w, Recorder(w)) for w in shapes]
    blocking = [blocking_lanes(blocking_primitives([]), w, Recorder(w)) for w in shapes]
    for plain_sleeps, plain_empty, general in (in_coroutines, blocking):
        assert list(plain_sleeps.args) == [0.01, 0.02]
        assert list(plain_empty.args) == [None] * 3
        assert list(general.args) == list(limited.tasks)
        assert len({plain_sleeps.task, plain_empty.task, general.task}) == 3
    for workload in (fan_out, empty, limited):  # and every routine keeps the contract
        run_both(workload)


def test_the_main_routine_takes_no_slot_under_the_limit() -> None:
    # limit 1: the task runs alongside main's sleep, so the run takes one sleep, not two
    workload = Workload(tasks=(Task((sleep(0.1),)),), main=(sleep(0.1),), limit=1)
    for kind, (trace, _) in run_both(workload).items():
        assert trace.wall_s < 0.18, kind


def test_a_task_waits_for_its_dependencies_and_for_a_slot() -> None:
    d = 0.03
    tasks = (Task((sleep(d),)), Task((sleep(d),)), Task((sleep(d),), after=(0, 1)))
    workload = Workload(tasks=tasks, limit=1)
    for kind, (trace, _) in run_both(workload).items():  # check() enforces both rules
        assert trace.wall_s >= 0.99 * 3 * d, kind


def test_a_pool_that_spawns_when_ready_spawns_a_task_after_its_dependencies_end() -> None:
    spawned: list[int] = []

    def spawn(routine: Callable[[int, Any], None], index: int, arg: Any) -> threading.Thread:
        spawned.append(index)
        thread = threading.Thread(target=routine, args=(index, arg), daemon=True)
        thread.start()
        return thread

    base = blocking_primitives([])
    primitives = BlockingPrimitives(
        spawn=spawn,
        join=base.join,
        sleep=time.sleep,
        checkpoint=base.checkpoint,
        request=base.request,
        channel=base.channel,
        event=threading.Event,
        limiter=threading.BoundedSemaphore,
        spawn_when_ready=True,
    )
    tasks = tuple(Task((sleep(0.01),), after=(i - 1,) if i else ()) for i in range(4))
    workload = Workload(tasks=(*tasks, Task((sleep(0.01),))))
    recorder = Recorder(workload)
    run_blocking(primitives, workload, recorder)
    trace = recorder.trace()
    trace.check(workload)
    assert spawned[:2] == [0, 4]  # the free tasks up front, in order
    assert sorted(spawned) == list(range(5))
    for child in (1, 2, 3):
        assert trace.spawn_ns[child] >= trace.end_ns[child - 1]


def test_a_dependent_freed_while_the_free_tasks_are_spawned_starts_once() -> None:
    # a spawner preempted after its first spawn (a CPU hog beside a thread pool) lets task 0
    # run to its end and start task 1 before the spawner looks at task 1: this spawn returns
    # only once the routine has returned, which makes that order certain
    spawner, spawned = threading.get_ident(), [0] * 5

    def spawn(routine: Callable[[int, Any], None], index: int, arg: Any) -> threading.Thread:
        spawned[index] += 1
        thread = threading.Thread(target=routine, args=(index, arg), daemon=True)
        thread.start()
        if threading.get_ident() == spawner:
            thread.join()
        return thread

    base = blocking_primitives([])
    primitives = BlockingPrimitives(
        spawn=spawn,
        join=base.join,
        sleep=time.sleep,
        checkpoint=base.checkpoint,
        request=base.request,
        channel=base.channel,
        event=threading.Event,
        limiter=threading.BoundedSemaphore,
        spawn_when_ready=True,
    )
    tasks = tuple(Task((sleep(0.005),), after=(i - 1,) if i else ()) for i in range(5))
    workload = Workload(tasks=tasks)
    recorder = Recorder(workload)
    run_blocking(primitives, workload, recorder)
    assert spawned == [1] * 5
    recorder.trace().check(workload)  # the run finishes after its last task ended


def test_a_blocking_task_error_is_raised_after_every_other_task_ended() -> None:
    log: Log = []
    primitives = blocking_primitives(log)
    failing = BlockingPrimitives(
        spawn=primitives.spawn,
        join=primitives.join,
        sleep=primitives.sleep,
        checkpoint=primitives.checkpoint,
        request=primitives.request,
        channel=primitives.channel,
        event=primitives.event,
        limiter=primitives.limiter,
        cpu=_refuse,
    )
    workload = Workload(tasks=(Task((cpu(0.01),)), Task((sleep(0.05),))))
    recorder = Recorder(workload)
    with pytest.raises(ValueError, match="refused"):
        run_blocking(failing, workload, recorder)
    assert recorder.step_end_at[1] > 0  # the other task ran to its end before the raise


def _refuse(seconds: float) -> None:
    raise ValueError(f"refused {seconds}")


def test_an_error_in_a_gathered_task_cancels_the_rest_and_leaves_nothing_pending() -> None:
    primitives = coroutine_primitives([])
    failing = CoroutinePrimitives(
        run=primitives.run,
        task_group=primitives.task_group,
        sleep=primitives.sleep,
        checkpoint=primitives.checkpoint,
        request=primitives.request,
        channel=primitives.channel,
        event=primitives.event,
        limiter=primitives.limiter,
        cpu=_refuse,
    )
    workload = Workload(tasks=(Task((cpu(0.01),)), Task((sleep(5.0),))))
    left: list[asyncio.Task[Any]] = []

    async def main() -> None:
        try:
            await coroutine_run(failing, workload, Recorder(workload))
        finally:
            left.extend(t for t in asyncio.all_tasks() if t is not asyncio.current_task())

    began = time.perf_counter()
    with pytest.raises(ValueError, match="refused"):
        _run_asyncio(main)
    assert time.perf_counter() - began < 2.0  # the 5 s sleeper was cancelled, not awaited
    assert left == []


def test_block_is_the_time_sleep_of_when_the_primitives_are_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # gevent patches time.sleep after the framework is imported: the default must follow it
    def patched(seconds: float) -> None:
        return None

    monkeypatch.setattr(time, "sleep", patched)
    assert blocking_primitives([]).block is not patched  # the test's own, logging one
    made = BlockingPrimitives(
        spawn=lambda *_: None,
        join=lambda _: None,
        sleep=time.sleep,
        checkpoint=lambda: None,
        request=lambda *_: None,
        channel=lambda _: (lambda: None, lambda: None),
        event=threading.Event,
        limiter=threading.BoundedSemaphore,
    )
    assert made.block is patched
    assert coroutine_primitives([]).block is not patched
    assert (
        CoroutinePrimitives(
            run=_run_asyncio,
            task_group=functools.partial(GatherGroup, asyncio.create_task, asyncio.gather),
            sleep=asyncio.sleep,
            checkpoint=functools.partial(asyncio.sleep, 0),
            request=coroutine_primitives([]).request,
            channel=coroutine_primitives([]).channel,
            event=asyncio.Event,
            limiter=asyncio.Semaphore,
        ).block
        is patched
    )


def test_a_missing_primitive_is_named() -> None:
    with pytest.raises(TypeError, match="limiter"):
        BlockingPrimitives(  # type: ignore[call-arg]
            spawn=lambda *_: None,
            join=lambda _: None,
            sleep=time.sleep,
            checkpoint=lambda: None,
            request=lambda *_: None,
            channel=lambda _: (lambda: None, lambda: None),
            event=threading.Event,
        )


def test_without_request_or_channel_primitives_such_steps_are_refused_naming_supports() -> None:
    """``request`` and ``channel`` are optional (the example plugin gives neither and
    declares so in ``supports``); a workload that needs one is refused before it starts."""
    import dataclasses

    bare = dataclasses.replace(coroutine_primitives([]), request=None, channel=None)
    with_io = Workload(tasks=(Task((io(0.01),)),), io_address=("127.0.0.1", 9))
    with_channel = Workload(
        tasks=(Task((put("c"),)), Task((get("c"),))), channels=(Channel("c", 1),)
    )
    for workload, kind in ((with_io, "StepKind.IO"), (with_channel, "StepKind.PUT")):
        recorder = Recorder(workload)
        with pytest.raises(NotImplementedError, match=f"leave {kind}"):
            run_coroutines(bare, workload, recorder)
    plain = Workload(tasks=(Task((sleep(0.001),)),))
    recorder = Recorder(plain)
    run_coroutines(bare, plain, recorder)
    recorder.trace().check(plain)
