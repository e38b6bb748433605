"""Purpose-built plugins for runner and registry tests: each misbehaves in one way.

They are loaded by ``module:attr`` reference inside real worker processes, so they live in
an importable module rather than inside a test function.
"""

from __future__ import annotations

import ctypes
import os
import random
import socket
import sys
import threading
import time
from collections.abc import Mapping
from typing import Any

from concbench.backends.asyncio_backend import AsyncioBackend
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
from concbench.framework.measure.ioserver import check_reply, encode_request
from concbench.framework.measure.limits import open_files_problem
from concbench.framework.measure.registry import (
    BACKENDS_GROUP,
    SCENARIOS_GROUP,
    Registry,
    backend_warning,
)


class GoodBackend(Backend):
    """Runs tasks one after another: slow, but a correct implementation of the contract."""

    name = "good"
    blocks_scheduler = frozenset[StepKind]()  # one task at a time: nothing else to stop

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


class NoisyBackend(GoodBackend):
    """Correct, but each worker process is slower than the last by its own random amount
    (up to 50 ms a run): a row whose spread between processes hides any small change."""

    name = "noisy"
    _extra_s: float | None = None

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        if NoisyBackend._extra_s is None:  # once per worker process
            NoisyBackend._extra_s = random.SystemRandom().uniform(0.0, 0.05)
        recorder.begin()
        time.sleep(NoisyBackend._extra_s)
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


class SegfaultBackend(GoodBackend):
    """Reads address 0, as a broken C extension would."""

    name = "segfault"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        ctypes.string_at(0)


class LeakyThreadsBackend(GoodBackend):
    """A correct run that forgets a non-daemon thread, which would keep the worker alive."""

    name = "leaky"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        threading.Thread(target=time.sleep, args=(3600,), name="forgotten").start()
        super().execute(workload, recorder)


GARBAGE = (
    "GARBAGE-MARKER [bold red]markup[/] \x1b[2J\x1b]0;title\x07 "
    '{"schema": 1, "scenario": "forged"}\n'
)


class GarbageBackend(GoodBackend):
    """A correct run that writes junk to stdout and stderr, through Python and through the
    file descriptors, as a chatty library or a C extension would."""

    name = "garbage"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        print(GARBAGE)
        print(GARBAGE, file=sys.stderr)
        os.write(1, GARBAGE.encode() + bytes(range(256)))
        os.write(2, GARBAGE.encode())
        super().execute(workload, recorder)


class EndBeforeStartBackend(GoodBackend):
    """Records each task's end before its start: a trace that cannot be true."""

    name = "backwards"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        recorder.begin()
        for index in range(len(workload.tasks)):
            recorder.spawn(index)
            recorder.end(index)
            time.sleep(0.001)
            recorder.start(index)
        recorder.main_done()
        recorder.finish()


class SysExitBackend(GoodBackend):
    name = "sysexit"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        sys.exit(4)


class FdHungryBackend(GoodBackend):
    """Declares that every task holds one descriptor open, as a socket-per-request backend
    would, so planning checks the open-file limit."""

    name = "fdhungry"

    @classmethod
    def check_resources(cls, workload: Workload, config: Mapping[str, Any]) -> str | None:
        return open_files_problem(len(workload.tasks), "sockets (one per task)")


class MissingLibraryBackend(GoodBackend):
    name = "missing"
    requires = ("concbench_no_such_library",)
    extra = "nosuch"


class SleepOnlyBackend(GoodBackend):
    name = "sleeponly"
    supports = frozenset({StepKind.SLEEP})
    options = (Param("depth", int, 1, "an option to validate", min=1, max=4),)


class UndeclaredBackend(Backend):
    """Correct, but says nothing about what its block steps stop: warned about on load."""

    name = "undeclared"
    execute = GoodBackend.execute


class SkeletonAsyncioBackend(AsyncioBackend):
    """asyncio through the skeleton, as registered by a plugin: it takes the fast paths."""

    name = "skeleton-asyncio"


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


big = Scenario(
    name="big",
    summary="many instant tasks",
    params=(Param("tasks", int, 10, "tasks", min=1, max=1_000_000),),
    build=lambda tasks: Workload(tasks=(Task(steps=(sleep(0),)),) * tasks),
)


impossible = Scenario(
    name="impossible",
    summary="task 1 waits for the task given: for 1, itself, a workload that cannot exist",
    params=(Param("after", int, 0, "the task that task 1 waits for", min=0, max=1),),
    build=lambda after: Workload(
        tasks=(Task(steps=(sleep(0),)), Task(steps=(sleep(0),), after=(after,)))
    ),
)


def registry(*backends: type[Backend]) -> Registry:
    """A registry of these backends and this module's scenarios, found by reference like
    installed plugins, without installing anything."""
    scenarios = {"tiny": tiny, "cpu-tiny": cpu_tiny, "big": big}
    references = {(BACKENDS_GROUP, cls.name): f"support.plugins:{cls.__name__}" for cls in backends}
    references |= {
        (SCENARIOS_GROUP, "tiny"): "support.plugins:tiny",
        (SCENARIOS_GROUP, "cpu-tiny"): "support.plugins:cpu_tiny",
        (SCENARIOS_GROUP, "big"): "support.plugins:big",
    }
    warnings = {cls.name: text for cls in backends if (text := backend_warning(cls))}
    return Registry(
        {cls.name: cls for cls in backends}, scenarios, references=references, warnings=warnings
    )


class FigureBackend(GoodBackend):
    """Reports a cost paid outside the run, and a note, as the processes backend does."""

    name = "figure"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        started = time.perf_counter()
        time.sleep(0.01)  # "start-up", before begin(): outside the measured time
        recorder.figure("warm_up_s", time.perf_counter() - started)
        super().execute(workload, recorder)

    @classmethod
    def note(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        return f"{len(workload.tasks)} tasks, one after another"


class BadCloseBackend(GoodBackend):
    name = "badclose"

    def close(self) -> None:
        raise OSError("the pool would not shut down")


class BadCompareBackend(GoodBackend):
    name = "badcompare"
    options = (Param("depth", int, 1, "an option", min=1, max=4),)
    compare = ({"depht": 2},)


class NanFigureBackend(GoodBackend):
    """Reports a figure that is not a number: a measurement no store may hold."""

    name = "nan-figure"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        recorder.figure("startup_s", float("nan"))
        super().execute(workload, recorder)


class ServiceClientBackend(GoodBackend):
    """Makes each task's steps one after another as requests to the servers the workload
    asked for: an HTTP GET of the step's seconds, and a PostgreSQL ``pg_sleep`` of them
    (through psycopg), so a test sees that the runner started both and the worker was
    told where they are."""

    name = "service-client"

    def execute(self, workload: Workload, recorder: Recorder) -> None:
        names = {name for name, _ in workload.services}
        http = workload.endpoint("http")["url"] if "http" in names else ""
        dsn = workload.endpoint("postgres")["dsn"] if "postgres" in names else ""
        recorder.begin()
        for index, task in enumerate(workload.tasks):
            recorder.spawn(index)
            recorder.start(index)
            for step in task.steps:
                if http:
                    _http_get(http, step.seconds)
                if dsn:
                    _pg_sleep(dsn, step.seconds)
            recorder.end(index)
        recorder.main_done()
        recorder.finish()


def _http_get(url: str, seconds: float) -> None:
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port)
    connection.request("GET", f"/?seconds={seconds}")
    answer = connection.getresponse()
    if (answer.status, answer.read()) != (200, b"ok"):
        raise ConnectionError(f"the HTTP server answered {answer.status}")
    connection.close()


def _pg_sleep(dsn: str, seconds: float) -> None:
    import psycopg

    with psycopg.connect(dsn) as connection:
        connection.execute("SELECT pg_sleep(%s)", (seconds,))


def _service_workload(tasks: int, seconds: float, services: str) -> Workload:
    return Workload(
        tasks=(Task(steps=(sleep(seconds),)),) * tasks,
        services=tuple((name, tasks) for name in services.split(",")),
    )


service_tiny = Scenario(
    name="service-tiny",
    summary="a few requests to servers the runner starts (`services`: http, postgres or both)",
    params=(
        Param("tasks", int, 2, "tasks", min=1, max=100),
        Param("seconds", float, 0.02, "latency", min=0, max=10),
        Param("services", str, "http", "comma list of services"),
    ),
    build=_service_workload,
)
