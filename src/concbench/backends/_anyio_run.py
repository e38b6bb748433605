"""The anyio side of :class:`AnyioBackend`, apart so that listing backends never imports anyio."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import anyio
import anyio.lowlevel
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from concbench.framework import (
    Recorder,
    Step,
    StepKind,
    Task,
    Workload,
    burn,
    check_reply,
    encode_request,
)


@dataclass(frozen=True)
class Shared:
    """What every routine of one run uses: the recorder, the server, the channels."""

    recorder: Recorder
    address: tuple[str, int] | None
    senders: dict[str, MemoryObjectSendStream[None]]
    receivers: dict[str, MemoryObjectReceiveStream[None]]

    @classmethod
    def of(cls, workload: Workload, recorder: Recorder) -> Shared:
        address = workload.io_target() if StepKind.IO in workload.kinds else None
        senders, receivers = {}, {}
        for channel in workload.channels:
            size = math.inf if channel.capacity is None else channel.capacity
            send, receive = anyio.create_memory_object_stream[None](size)
            senders[channel.name], receivers[channel.name] = send, receive
        return cls(recorder, address, senders, receivers)


def run(workload: Workload, recorder: Recorder, backend: str) -> None:
    anyio.run(_main, workload, recorder, backend=backend)


async def _main(workload: Workload, recorder: Recorder) -> None:
    shared = Shared.of(workload, recorder)
    recorder.begin()
    ended = [anyio.Event() for _ in workload.tasks] if workload.has_dependencies else []
    slots = anyio.CapacityLimiter(workload.limit) if workload.limit else None
    async with anyio.create_task_group() as group:
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            group.start_soon(_task, index, task, shared, ended, slots)
        await _run_steps(workload.main, shared, recorder.main_lane)
        recorder.main_done()
    recorder.finish()


async def _task(
    index: int,
    task: Task,
    shared: Shared,
    ended: list[anyio.Event],
    slots: anyio.CapacityLimiter | None,
) -> None:
    for dep in task.after:
        await ended[dep].wait()
    if slots is not None:
        async with slots:
            await _body(index, task, shared)
    else:
        await _body(index, task, shared)
    if ended:
        ended[index].set()


async def _body(index: int, task: Task, shared: Shared) -> None:
    shared.recorder.start(index)
    await _run_steps(task.steps, shared, index)


async def _request(address: tuple[str, int], seconds: float) -> None:
    """One request through an anyio TCP stream: connect, ask, read the answer, close."""
    async with await anyio.connect_tcp(*address) as stream:
        await stream.send(encode_request(seconds))
        check_reply(await stream.receive(1))


async def _run_steps(steps: Sequence[Step], shared: Shared, lane: int) -> None:
    for number, step in enumerate(steps):
        if step.kind is StepKind.SLEEP:
            await anyio.sleep(step.seconds)
        elif step.kind is StepKind.BLOCK:
            time.sleep(step.seconds)  # deliberately blocks the event loop: the pitfall measured
        elif step.kind is StepKind.CPU:
            burn(step.seconds)
        elif step.kind is StepKind.CHECKPOINT:
            for _ in range(step.count):
                await anyio.lowlevel.checkpoint()
        elif step.kind is StepKind.IO:
            assert shared.address is not None
            await _request(shared.address, step.seconds)
        elif step.kind is StepKind.PUT:
            await shared.senders[step.channel].send(None)
        elif step.kind is StepKind.GET:
            await shared.receivers[step.channel].receive()
        else:
            raise NotImplementedError(step.kind)
        shared.recorder.step_done(lane, number)
