"""The gevent side of :class:`GeventBackend`: listing backends never imports gevent."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import gevent
import gevent.event
import gevent.lock
import gevent.queue

from concbench.framework import Recorder, Step, StepKind, Task, Workload, burn

from .threads_backend import request  # a blocking socket: cooperative under patching


@dataclass(frozen=True)
class Shared:
    """What every greenlet of one run uses: the recorder, the server, the channels."""

    recorder: Recorder
    address: tuple[str, int] | None
    queues: dict[str, gevent.queue.Queue]

    @classmethod
    def of(cls, workload: Workload, recorder: Recorder) -> Shared:
        address = workload.io_target() if StepKind.IO in workload.kinds else None
        queues = {
            channel.name: gevent.queue.Queue(maxsize=channel.capacity)  # None: unbounded
            for channel in workload.channels
        }
        return cls(recorder, address, queues)


def run(workload: Workload, recorder: Recorder) -> None:
    gevent.get_hub()  # the hub and its loop exist before the run begins
    shared = Shared.of(workload, recorder)
    ended = [gevent.event.Event() for _ in workload.tasks] if workload.has_dependencies else []
    slots = gevent.lock.BoundedSemaphore(workload.limit) if workload.limit else None
    errors: list[BaseException] = []

    def target(index: int, task: Task) -> None:
        try:
            for dep in task.after:
                ended[dep].wait()
            if slots is not None:
                with slots:
                    _body(index, task, shared)
            else:
                _body(index, task, shared)
        except BaseException as exc:  # re-raised after the join, without the hub's printout
            errors.append(exc)
        finally:
            if ended:
                ended[index].set()

    recorder.begin()
    greenlets = []
    for index, task in enumerate(workload.tasks):
        recorder.spawn(index)
        greenlets.append(gevent.spawn(target, index, task))
    _run_steps(workload.main, shared, recorder.main_lane)
    recorder.main_done()
    gevent.joinall(greenlets)
    recorder.finish()
    if errors:
        raise errors[0]


def _body(index: int, task: Task, shared: Shared) -> None:
    shared.recorder.start(index)
    _run_steps(task.steps, shared, index)


def _run_steps(steps: Sequence[Step], shared: Shared, lane: int) -> None:
    for number, step in enumerate(steps):
        if step.kind is StepKind.SLEEP:
            gevent.sleep(step.seconds)
        elif step.kind is StepKind.BLOCK:
            time.sleep(step.seconds)  # the blocking call, as written; patching makes it yield
        elif step.kind is StepKind.CPU:
            burn(step.seconds)
        elif step.kind is StepKind.CHECKPOINT:
            for _ in range(step.count):
                gevent.sleep(0)
        elif step.kind is StepKind.IO:
            assert shared.address is not None
            request(shared.address, step.seconds)
        elif step.kind is StepKind.PUT:
            shared.queues[step.channel].put(None)
        elif step.kind is StepKind.GET:
            shared.queues[step.channel].get()
        else:
            raise NotImplementedError(step.kind)
        shared.recorder.step_done(lane, number)
