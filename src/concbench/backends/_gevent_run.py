"""The gevent side of :class:`GeventBackend`: listing backends never imports gevent."""

from __future__ import annotations

import time
from collections.abc import Sequence

import gevent
import gevent.event
import gevent.lock

from concbench.framework import Recorder, Step, StepKind, Task, Workload
from concbench.framework.cpuwork import burn


def run(workload: Workload, recorder: Recorder) -> None:
    gevent.get_hub()  # the hub and its loop exist before the run begins
    ended = [gevent.event.Event() for _ in workload.tasks] if workload.has_dependencies else []
    slots = gevent.lock.BoundedSemaphore(workload.limit) if workload.limit else None
    errors: list[BaseException] = []

    def target(index: int, task: Task) -> None:
        try:
            for dep in task.after:
                ended[dep].wait()
            if slots is not None:
                with slots:
                    _body(index, task, recorder)
            else:
                _body(index, task, recorder)
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
    _run_steps(workload.main, recorder, recorder.main_lane)
    recorder.main_done()
    gevent.joinall(greenlets)
    recorder.finish()
    if errors:
        raise errors[0]


def _body(index: int, task: Task, recorder: Recorder) -> None:
    recorder.start(index)
    _run_steps(task.steps, recorder, index)
    recorder.end(index)


def _run_steps(steps: Sequence[Step], recorder: Recorder, lane: int) -> None:
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
        else:
            raise NotImplementedError(step.kind)
        recorder.step_done(lane, number)
