"""OS threads: a thread per task by default, or a pool of ``workers`` threads."""

from __future__ import annotations

import functools
import queue
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from concbench.framework import (
    Backend,
    Param,
    Recorder,
    Step,
    StepKind,
    Task,
    Workload,
    burn,
    check_reply,
    encode_request,
)
from concbench.framework.measure.limits import threads_problem

__all__ = ["ThreadsBackend"]


@dataclass(frozen=True)
class Shared:
    """What every thread of one run uses: the recorder, the server, the channels."""

    recorder: Recorder
    address: tuple[str, int] | None
    queues: dict[str, queue.Queue[None]]

    @classmethod
    def of(cls, workload: Workload, recorder: Recorder) -> Shared:
        address = workload.io_target() if StepKind.IO in workload.kinds else None
        # queue.Queue reads maxsize 0 as unbounded, as the model reads capacity None
        queues: dict[str, queue.Queue[None]] = {
            channel.name: queue.Queue(channel.capacity or 0) for channel in workload.channels
        }
        return cls(recorder, address, queues)


def request(address: tuple[str, int], seconds: float) -> None:
    """One request on a blocking socket: connect, ask, read the answer, close."""
    with socket.create_connection(address) as sock:
        sock.sendall(encode_request(seconds))
        check_reply(sock.recv(1))


def run_steps(steps: Sequence[Step], shared: Shared, lane: int) -> None:
    for number, step in enumerate(steps):
        if step.kind is StepKind.SLEEP or step.kind is StepKind.BLOCK:
            time.sleep(step.seconds)  # in a thread, blocking is what waiting looks like
        elif step.kind is StepKind.CPU:
            burn(step.seconds)
        elif step.kind is StepKind.CHECKPOINT:
            for _ in range(step.count):
                time.sleep(0)  # releases the GIL: the nearest thing to a yield
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


class ThreadsBackend(Backend):
    name = "threads"
    description = "threading.Thread per task (or a ThreadPoolExecutor with workers=K), then join"
    options = (
        Param("workers", int, 0, "pool size; 0 starts one thread per task", min=0, max=100_000),
    )

    @classmethod
    def concurrency(cls, options: Mapping[str, Any]) -> int | None:
        return int(options["workers"]) or None

    @classmethod
    def check_resources(cls, workload: Workload, config: Mapping[str, Any]) -> str | None:
        workers = config["workers"]
        if workers:
            return threads_problem(min(workers, len(workload.tasks)), "threads (the pool)")
        return threads_problem(
            len(workload.tasks),
            "threads (one per task)",
            hint=", or run the tasks on a pool with -o workers=K",
        )

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        slots = threading.BoundedSemaphore(workload.limit) if workload.limit else None
        shared = Shared.of(workload, recorder)
        if self.config["workers"]:
            _run_pool(workload, shared, self.config["workers"], slots)
        else:
            _run_threads(workload, shared, slots)


def _body(index: int, task: Task, shared: Shared, slots: threading.BoundedSemaphore | None) -> None:
    if slots is not None:
        slots.acquire()
    try:
        shared.recorder.start(index)
        run_steps(task.steps, shared, index)
    finally:
        if slots is not None:
            slots.release()


def _run_threads(
    workload: Workload, shared: Shared, slots: threading.BoundedSemaphore | None
) -> None:
    recorder = shared.recorder
    ended = [threading.Event() for _ in workload.tasks] if workload.has_dependencies else []
    errors: list[BaseException] = []

    def target(index: int, task: Task) -> None:
        try:
            for dep in task.after:
                ended[dep].wait()
            _body(index, task, shared, slots)
        except BaseException as exc:  # re-raised in the spawning thread after the join
            errors.append(exc)
        finally:
            if ended:
                ended[index].set()

    recorder.begin()
    threads = []
    for index, task in enumerate(workload.tasks):
        thread = threading.Thread(target=target, args=(index, task), daemon=True)
        recorder.spawn(index)
        thread.start()
        threads.append(thread)
    run_steps(workload.main, shared, recorder.main_lane)
    recorder.main_done()
    for thread in threads:
        thread.join()
    recorder.finish()
    if errors:
        raise errors[0]


def _run_pool(
    workload: Workload, shared: Shared, workers: int, slots: threading.BoundedSemaphore | None
) -> None:
    """Submit each task once its dependencies have ended, so waiting never holds a worker.

    A task blocked in a channel does hold its worker: a pool smaller than the tasks that
    must run at once for a pipeline to move deadlocks, as it would in a real program.
    """
    recorder = shared.recorder
    tasks = workload.tasks
    waiting = [len(set(task.after)) for task in tasks]
    dependents: dict[int, list[int]] = {}
    for index, task in enumerate(tasks):
        for dep in set(task.after):
            dependents.setdefault(dep, []).append(index)
    lock = threading.Lock()
    remaining = len(tasks)
    all_ended = threading.Event()
    errors: list[BaseException] = []

    with ThreadPoolExecutor(max_workers=workers) as pool:

        def submit(index: int) -> None:
            recorder.spawn(index)
            future = pool.submit(_body, index, tasks[index], shared, slots)
            future.add_done_callback(functools.partial(ended, index))

        def ended(index: int, future: Future[None]) -> None:
            nonlocal remaining
            error = future.exception()
            ready = []
            with lock:
                if error is not None:
                    errors.append(error)
                remaining -= 1
                for child in dependents.get(index, ()):
                    waiting[child] -= 1
                    if waiting[child] == 0:
                        ready.append(child)
                if remaining == 0 or errors:
                    all_ended.set()
            if not errors:
                for child in ready:
                    submit(child)

        recorder.begin()
        if not tasks:
            all_ended.set()
        for index in range(len(tasks)):
            if waiting[index] == 0:
                submit(index)
        run_steps(workload.main, shared, recorder.main_lane)
        recorder.main_done()
        all_ended.wait()
        recorder.finish()
    if errors:
        raise errors[0]
