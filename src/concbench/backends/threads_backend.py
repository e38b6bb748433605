"""OS threads: a thread per task by default, or a pool of ``workers`` threads.

The backend supplies the standard library's blocking primitives; the skeleton
(``concbench.framework``'s :func:`run_blocking`) runs the workload over them, as it does
for gevent.
"""

from __future__ import annotations

import concurrent.futures
import functools
import queue
import socket
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from concbench.framework import (
    Backend,
    BlockingPrimitives,
    Param,
    Recorder,
    StepKind,
    Workload,
    check_reply,
    encode_request,
    run_blocking,
)
from concbench.framework.measure.limits import threads_problem

__all__ = ["ThreadsBackend", "pool_primitives", "request", "thread_primitives"]


def request(address: tuple[str, int], seconds: float) -> None:
    """One request on a blocking socket: connect, ask, read the answer, close."""
    with socket.create_connection(address) as sock:
        sock.sendall(encode_request(seconds))
        check_reply(sock.recv(1))


def _queue(capacity: int | None) -> tuple[Callable[[], Any], Callable[[], Any]]:
    channel: queue.Queue[None] = queue.Queue(capacity or 0)  # maxsize 0 is unbounded
    return functools.partial(channel.put, None), channel.get


def _start_thread(routine: Callable[[int, Any], None], index: int, arg: Any) -> threading.Thread:
    thread = threading.Thread(target=routine, args=(index, arg), daemon=True)
    thread.start()
    return thread


def _join_threads(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join()


def thread_primitives() -> BlockingPrimitives[threading.Thread]:
    """A thread per task, waiting with the standard library's blocking calls."""
    return BlockingPrimitives(
        spawn=_start_thread,
        join=_join_threads,
        sleep=time.sleep,  # in a thread, blocking is what waiting looks like
        checkpoint=functools.partial(time.sleep, 0),  # releases the GIL: the nearest to a yield
        request=request,
        channel=_queue,
        event=threading.Event,
        limiter=threading.BoundedSemaphore,
    )


def pool_primitives(pool: ThreadPoolExecutor) -> BlockingPrimitives[Future[None]]:
    """The tasks submitted to ``pool``, each once its dependencies have ended, so waiting
    never holds a worker.

    A task blocked in a channel does hold its worker: a pool smaller than the tasks that
    must run at once for a pipeline to move deadlocks, as it would in a real program.
    """
    return BlockingPrimitives(
        spawn=pool.submit,
        join=concurrent.futures.wait,
        sleep=time.sleep,
        checkpoint=functools.partial(time.sleep, 0),
        request=request,
        channel=_queue,
        event=threading.Event,
        limiter=threading.BoundedSemaphore,
        spawn_when_ready=True,
    )


class ThreadsBackend(Backend):
    name = "threads"
    blocks_scheduler = frozenset[StepKind]()  # each task has its own thread
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
        parents = sum(1 for task in workload.tasks if task.children)
        if workers and parents and workers <= parents:
            return (
                f"a pool of {workers} threads can deadlock on this task tree: each of its "
                f"{parents} parents holds a worker while it waits for its children; "
                f"use -o workers={parents + 1} or more, or a thread per task (workers=0)"
            )
        if workers:
            return threads_problem(min(workers, len(workload.tasks)), "threads (the pool)")
        return threads_problem(
            len(workload.tasks),
            "threads (one per task)",
            hint=", or run the tasks on a pool with -o workers=K",
        )

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        workers = self.config["workers"]
        if not workers:
            run_blocking(thread_primitives(), workload, recorder)
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            run_blocking(pool_primitives(pool), workload, recorder)
