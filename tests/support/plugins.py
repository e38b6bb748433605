"""Purpose-built plugins for runner and registry tests: each misbehaves in one way.

They are loaded by ``module:attr`` reference inside real worker processes, so they live in
an importable module rather than inside a test function.
"""

from __future__ import annotations

import os
import socket
import time

from concbench.framework import (
    Backend,
    Param,
    Recorder,
    Scenario,
    StepKind,
    Task,
    Workload,
    cpu,
    io,
    sleep,
)
from concbench.framework.ioserver import check_reply, encode_request


class GoodBackend(Backend):
    """Runs tasks one after another: slow, but a correct implementation of the contract."""

    name = "good"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        recorder.begin()
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            recorder.start(index)
            for step in task.steps:
                time.sleep(step.seconds)
            recorder.end(index)
        recorder.main_done()
        recorder.finish()


class SequentialIoBackend(GoodBackend):
    """Makes each task's requests one after another on blocking sockets."""

    name = "sequential-io"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        address = workload.io_target()
        recorder.begin()
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            recorder.start(index)
            for step in task.steps:
                with socket.create_connection(address) as sock:
                    sock.sendall(encode_request(step.seconds))
                    check_reply(sock.recv(1))
            recorder.end(index)
        recorder.main_done()
        recorder.finish()


class RaisingBackend(GoodBackend):
    name = "raising"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        raise ValueError("this backend always raises")


class HangingBackend(GoodBackend):
    name = "hanging"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        time.sleep(3600)


class ExitingBackend(GoodBackend):
    name = "exiting"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        os._exit(3)


class ContractBreakingBackend(GoodBackend):
    """Forgets to record the start of every task."""

    name = "liar"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        recorder.begin()
        for index in range(len(workload.tasks)):
            recorder.spawn(index)
            recorder.end(index)
        recorder.main_done()
        recorder.finish()


class MissingLibraryBackend(GoodBackend):
    name = "missing"
    requires = ("concbench_no_such_library",)
    extra = "nosuch"


class SleepOnlyBackend(GoodBackend):
    name = "sleeponly"
    supports = frozenset({StepKind.SLEEP})
    options = (Param("depth", int, 1, "an option to validate", min=1, max=4),)


def _tiny(tasks: int, seconds: float) -> Workload:
    return Workload(tasks=(Task(steps=(sleep(seconds),)),) * tasks)


tiny = Scenario(
    name="tiny",
    summary="a few short sleeps",
    params=(
        Param("tasks", int, 2, "tasks", min=1, max=100),
        Param("seconds", float, 0.01, "sleep per task", min=0, max=10),
    ),
    build=_tiny,
)


cpu_tiny = Scenario(
    name="cpu-tiny",
    summary="a sleep and a little CPU work",
    params=(),
    build=lambda: Workload(tasks=(Task(steps=(sleep(0), cpu(0.01))),)),
)


io_tiny = Scenario(
    name="io-tiny",
    summary="a few requests",
    params=(
        Param("tasks", int, 2, "tasks", min=1, max=1_000_000),
        Param("seconds", float, 0.02, "latency", min=0, max=10),
    ),
    build=lambda tasks, seconds: Workload(tasks=(Task(steps=(io(seconds),)),) * tasks),
)


HOSTILE = (
    '<script>alert("x")</script> <b>bold</b> | *em* _em_ `code` [link](http://evil.example) '
    "$\\alpha^2$ $\\notacommand{$ @everyone :smile: &amp; [red]rich[/red] # ~~s~~"
)
"""Text that is markup in every format a report is written in; it must print as itself."""


class HostileBackend(GoodBackend):
    """A correct backend whose name is markup everywhere."""

    name = HOSTILE


class HostileFailingBackend(GoodBackend):
    """Fails with an error text that would break out of a table cell or an HTML attribute."""

    name = "failing " + HOSTILE

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        raise RuntimeError(HOSTILE + '\n| injected | row |\n"><img src=x onerror=alert(1)>')


hostile_scenario = Scenario(
    name="<i>scenario</i> | $x_1$",
    summary=HOSTILE,
    params=(
        Param("seconds", float, 0.02, "sleep per task", min=0, max=1),
        Param("<u>copies</u>|", int, 2, "tasks", min=1, max=4),
    ),
    build=lambda **params: Workload(
        tasks=(Task(steps=(sleep(params["seconds"]),)),) * params["<u>copies</u>|"]
    ),
)
