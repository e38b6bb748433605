"""The trio side of :class:`TrioBackend`, kept apart so that listing backends never imports trio."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import trio

from concbench.framework import Recorder, Step, StepKind, Workload
from concbench.framework.cpuwork import burn
from concbench.framework.ioserver import check_reply, encode_request

# module constants: an enum member lookup per step would be measurable at a million tasks
_SLEEP, _BLOCK, _CPU, _CHECKPOINT = (
    StepKind.SLEEP,
    StepKind.BLOCK,
    StepKind.CPU,
    StepKind.CHECKPOINT,
)
_IO, _PUT, _GET = StepKind.IO, StepKind.PUT, StepKind.GET


@dataclass(frozen=True)
class Shared:
    """What every routine of one run uses: the recorder, the server, the channels."""

    recorder: Recorder
    address: tuple[str, int] | None
    senders: dict[str, trio.MemorySendChannel[None]]
    receivers: dict[str, trio.MemoryReceiveChannel[None]]

    @classmethod
    def of(cls, workload: Workload, recorder: Recorder) -> Shared:
        address = workload.io_target() if StepKind.IO in workload.kinds else None
        senders, receivers = {}, {}
        for channel in workload.channels:
            size = math.inf if channel.capacity is None else channel.capacity
            senders[channel.name], receivers[channel.name] = trio.open_memory_channel[None](size)
        return cls(recorder, address, senders, receivers)


def run(workload: Workload, recorder: Recorder) -> None:
    trio.run(_main, workload, recorder)


async def _main(workload: Workload, recorder: Recorder) -> None:
    shared = Shared.of(workload, recorder)
    recorder.begin()
    ended = [trio.Event() for _ in workload.tasks] if workload.has_dependencies else []
    slots = trio.CapacityLimiter(workload.limit) if workload.limit else None
    spawn = recorder.spawn
    async with trio.open_nursery() as nursery:
        start_soon = nursery.start_soon
        for index, task in enumerate(workload.tasks):
            spawn(index)
            start_soon(_lane, shared, index, task.steps, task.after, ended, slots)
        await _lane(shared, recorder.main_lane, workload.main, (), [], None)
        recorder.main_done()
    recorder.finish()


async def _request(address: tuple[str, int], seconds: float) -> None:
    """One request through a trio stream: connect, ask, read the answer, close."""
    async with await trio.open_tcp_stream(*address) as stream:
        await stream.send_all(encode_request(seconds))
        check_reply(await stream.receive_some(1))


async def _lane(  # noqa: PLR0912, PLR0917 - one flat frame per task, on purpose
    shared: Shared,
    lane: int,
    steps: Sequence[Step],
    after: Sequence[int],
    ended: list[trio.Event],
    slots: trio.CapacityLimiter | None,
) -> None:
    """One task (or the main routine's steps) in one coroutine: nested frames per task
    would be charged to trio as overhead."""
    recorder = shared.recorder
    is_task = lane != recorder.main_lane
    for dep in after:
        await ended[dep].wait()
    if slots is not None:
        await slots.acquire_on_behalf_of(lane)
    try:
        if is_task:
            recorder.start(lane)
        for number, step in enumerate(steps):
            kind = step.kind
            if kind is _SLEEP:
                await trio.sleep(step.seconds)
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
            recorder.step_done(lane, number)
        if is_task:
            recorder.end(lane)
    finally:
        if slots is not None:
            slots.release_on_behalf_of(lane)
    if ended and is_task:
        ended[lane].set()
