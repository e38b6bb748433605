"""The trio side of :class:`TrioBackend`, kept apart so that listing backends never imports trio."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import trio

from concbench.framework import (
    Recorder,
    Step,
    StepKind,
    Workload,
    burn,
    check_reply,
    encode_request,
)
from concbench.framework.model.plain_tasks import empty_task, sleep_task

# module constants: an enum member lookup per step would be measurable at a million tasks
_SLEEP, _BLOCK, _CPU, _CHECKPOINT = (
    StepKind.SLEEP,
    StepKind.BLOCK,
    StepKind.CPU,
    StepKind.CHECKPOINT,
)
_IO, _PUT, _GET = StepKind.IO, StepKind.PUT, StepKind.GET
_sleep, _clock = trio.sleep, Recorder.clock


class Shared:
    """What every routine of one run uses: the recorder's arrays, the server, the channels,
    and the gate (dependencies and the limit) when the workload has one."""

    __slots__ = (
        "address",
        "ended",
        "gated",
        "main_lane",
        "receivers",
        "senders",
        "slots",
        "start_at",
        "step_end_at",
        "step_offsets",
    )

    def __init__(self, workload: Workload, recorder: Recorder) -> None:
        self.main_lane = recorder.main_lane
        self.start_at = recorder.start_at
        self.step_end_at = recorder.step_end_at
        self.step_offsets = recorder.step_offsets
        self.address = workload.io_target() if StepKind.IO in workload.kinds else None
        self.senders: dict[str, trio.MemorySendChannel[None]] = {}
        self.receivers: dict[str, trio.MemoryReceiveChannel[None]] = {}
        for channel in workload.channels:
            size = math.inf if channel.capacity is None else channel.capacity
            self.senders[channel.name], self.receivers[channel.name] = trio.open_memory_channel[
                None
            ](size)
        self.ended = [trio.Event() for _ in workload.tasks] if workload.has_dependencies else []
        self.slots = trio.CapacityLimiter(workload.limit) if workload.limit else None
        self.gated = bool(self.ended) or self.slots is not None


def run(workload: Workload, recorder: Recorder) -> None:
    trio.run(_main, workload, recorder)


async def _main(workload: Workload, recorder: Recorder) -> None:
    shared = Shared(workload, recorder)
    spawn_at, clock = recorder.spawn_at, recorder.clock
    sleeps = workload.single_sleeps
    sleeper, starter = sleep_task(recorder, _sleep), empty_task(recorder)
    recorder.begin()
    async with trio.open_nursery() as nursery:
        start_soon = nursery.start_soon
        if sleeps is not None:
            for index, seconds in enumerate(sleeps):
                spawn_at[index] = clock()
                start_soon(sleeper, index, seconds)
        elif workload.only_empty_tasks:
            for index in range(len(workload.tasks)):
                spawn_at[index] = clock()
                start_soon(starter, index)
        else:  # no per-task tuples built first: the collector would walk them in the run
            for index, task in enumerate(workload.tasks):
                spawn_at[index] = clock()
                start_soon(_lane, shared, index, task.steps, task.after)
        await _lane(shared, shared.main_lane, workload.main, ())
        recorder.main_done()
    recorder.finish()


async def _request(address: tuple[str, int], seconds: float) -> None:
    """One request through a trio stream: connect, ask, read the answer, close."""
    async with await trio.open_tcp_stream(*address) as stream:
        await stream.send_all(encode_request(seconds))
        check_reply(await stream.receive_some(1))


async def _lane(  # noqa: PLR0912 - one flat frame per task, on purpose
    shared: Shared, lane: int, steps: Sequence[Step], after: Sequence[int]
) -> None:
    """One task (or the main routine's steps) in one coroutine, stamping the recorder's
    arrays directly: nested frames or calls per task would be charged to trio as overhead."""
    gated = shared.gated
    if gated:
        for dep in after:
            await shared.ended[dep].wait()
        if shared.slots is not None:
            await shared.slots.acquire_on_behalf_of(lane)
    try:
        stamps, slot, clock = shared.step_end_at, shared.step_offsets[lane], _clock
        if lane != shared.main_lane:
            shared.start_at[lane] = clock()
        for step in steps:
            kind = step.kind
            if kind is _SLEEP:
                await _sleep(step.seconds)
            elif kind is _BLOCK:
                time.sleep(step.seconds)  # deliberately blocks the run loop: the pitfall measured
            elif kind is _CPU:
                burn(step.seconds)
            elif kind is _CHECKPOINT:
                for _ in range(step.count):
                    await trio.lowlevel.checkpoint()
            elif kind is _IO:
                assert shared.address is not None
                await _request(shared.address, step.seconds)
            elif kind is _PUT:
                await shared.senders[step.channel].send(None)
            elif kind is _GET:
                await shared.receivers[step.channel].receive()
            else:
                raise NotImplementedError(kind)
            stamps[slot] = clock()
            slot += 1
    finally:
        if gated and shared.slots is not None:
            shared.slots.release_on_behalf_of(lane)
    if gated and shared.ended and lane != shared.main_lane:
        shared.ended[lane].set()
