"""What the twisted backend adds beyond the contract every backend passes: a fresh reactor
of each kind per run, without signal handlers and without leaked descriptors, plain
callbacks as an option, and every built-in scenario run or skipped with its reason."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

import pytest

import concbench
from concbench.backends.twisted_backend import SELECT_CONNECTIONS
from concbench.cli import main
from concbench.framework import ParameterError, Task, Workload, checkpoint, io, sleep
from concbench.framework.measure.registry import SCENARIOS_GROUP, default_registry
from support.backends import execute
from support.standing import standing

TWISTED = default_registry().backend("twisted")
needs_twisted = pytest.mark.skipif(
    TWISTED.unavailable_reason() is not None, reason=TWISTED.unavailable_reason() or ""
)
REACTORS = ("epoll", "poll", "select")
BUILT_IN = sorted(
    name
    for name in default_registry().scenarios
    if default_registry().reference(SCENARIOS_GROUP, name).startswith("concbench.scenarios.")
)


def fanout(tasks: int, seconds: float) -> Workload:
    return Workload(tasks=tuple(Task((sleep(seconds),)) for _ in range(tasks)))


def open_fds() -> int:
    return len(os.listdir("/dev/fd"))


@needs_twisted
@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="needs /dev/fd")
@pytest.mark.parametrize("reactor", REACTORS)
def test_a_reactor_per_run_leaves_no_descriptor_open(
    reactor: str, io_address: tuple[str, int]
) -> None:
    workload = Workload(tasks=(Task((sleep(0.001), io(0.001))),) * 3)
    execute(TWISTED, workload, io_address, reactor=reactor)  # imports, first connections
    before = open_fds()
    for _ in range(30):  # a leak of the waker's pipe and epoll's fd would be 90 here
        execute(TWISTED, workload, io_address, reactor=reactor)
    assert open_fds() - before <= 2


@needs_twisted
def test_the_reactor_installs_no_signal_handler() -> None:
    """Twisted's ``reactor.run()`` takes SIGTERM to stop the reactor; the worker owns it."""
    received: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = signal.signal(signal.SIGTERM, handler)
    timer = threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        timer.start()
        trace = execute(TWISTED, fanout(2, 0.5))
    finally:
        timer.cancel()
        timer.join()
        signal.signal(signal.SIGTERM, previous)
    assert received == [signal.SIGTERM]  # ours ran: Twisted had not replaced it
    assert trace.wall_s >= 0.5  # and the run was not stopped by it


@needs_twisted
def test_an_unknown_reactor_is_refused_naming_the_allowed_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ParameterError, match="'epoll', 'poll', 'select', got 'kqueue'"):
        TWISTED(reactor="kqueue")
    out = tmp_path / "r.jsonl"
    argv = ["run", "seed", "-b", "twisted", "-o", "reactor=kqueue", "--out", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "reactor" in err
    assert "'select'" in err
    assert "Traceback" not in err
    assert not out.exists()  # refused before anything ran


@needs_twisted
@pytest.mark.parametrize("reactor", REACTORS)
@pytest.mark.parametrize("scenario", BUILT_IN)
def test_every_built_in_scenario_runs_or_is_skipped_with_its_reason_on_each_reactor(
    scenario: str, reactor: str, io_address: tuple[str, int]
) -> None:
    recipe = default_registry().scenario(scenario)
    workload = recipe.workload({}).scaled(0.02)  # every code path, in a fraction of the time
    config = {"reactor": reactor, "tasks": "coroutines"}
    reason = TWISTED.unsupported_reason(workload) or TWISTED.check_resources(workload, config)
    assert reason is None  # twisted runs every step kind of every built-in scenario
    free = 1024 - 20 - max(int(fd) for fd in os.listdir("/dev/fd"))
    if reactor == "select" and workload.io_connections > free:
        # a worker starts with about 20 descriptors; this process may hold hundreds by now,
        # and select() takes none numbered 1024 or above
        workload = recipe.workload({"tasks": free}).scaled(0.02)
    trace = execute(TWISTED, workload, io_address, reactor=reactor)
    assert trace.wall_s >= workload.ideal_s * 0.9


@needs_twisted
@pytest.mark.parametrize("scenario", BUILT_IN)
def test_plain_callbacks_run_the_plain_shapes_and_skip_the_rest_saying_why(
    scenario: str, io_address: tuple[str, int]
) -> None:
    workload = default_registry().scenario(scenario).workload({}).scaled(0.02)
    reason = TWISTED.check_resources(workload, {"reactor": "epoll", "tasks": "callbacks"})
    plain = workload.single_sleeps is not None or workload.only_empty_tasks
    if not plain:
        assert reason is not None
        assert "use tasks=coroutines" in reason
        return
    assert reason is None
    trace = execute(TWISTED, workload, io_address, tasks="callbacks")
    assert trace.wall_s >= workload.ideal_s * 0.9


@needs_twisted
def test_plain_callbacks_record_what_coroutines_record() -> None:
    workload = fanout(50, 0.05)
    for tasks in ("coroutines", "callbacks"):
        trace = execute(TWISTED, workload, tasks=tasks)
        lasted = [end - start for start, end in zip(trace.start_ns, trace.end_ns, strict=True)]
        assert min(lasted) >= 0.05e9  # each task ended after its sleep, not at once
        assert list(trace.step_end_ns) == list(trace.end_ns)  # its one step ended it


@needs_twisted
def test_callbacks_refuse_a_workload_they_cannot_express_even_when_called_directly() -> None:
    workload = Workload(tasks=(Task((sleep(0.01), checkpoint(1))),))
    with pytest.raises(ValueError, match="use tasks=coroutines"):
        execute(TWISTED, workload, tasks="callbacks")


@needs_twisted
def test_seed_blocking_through_the_cli_is_diagnosed_as_a_blocked_loop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    argv = ["run", "seed-blocking", "-p", "scale=0.2", "-b", "twisted", "--repeat", "1"]
    assert main([*argv, "--warmup", "0", "--processes", "1", "--out", str(out)]) == 0
    [record] = standing(out)
    assert record["status"] == "ok"
    assert record["wall_s"] >= 0.2 * 2.5 * 0.98  # the block steps ran one after the other
    assert "loop blocked" in capsys.readouterr().out


def test_without_twisted_installed_the_backend_says_which_extra_installs_it() -> None:
    """An interpreter without site-packages (``-S``) finds concbench's source but no Twisted."""
    source = Path(concbench.__file__).parents[1]
    if (source / "twisted").exists():
        pytest.skip("concbench is installed beside Twisted (not from a source tree)")
    code = (
        f"import sys; sys.path.insert(0, {str(source)!r}); "
        "from concbench.backends.twisted_backend import TwistedBackend; "
        "print(TwistedBackend.unavailable_reason())"
    )
    done = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "twisted is not installed: install concbench[twisted]"


@needs_twisted
def test_select_is_skipped_saying_why_when_a_run_would_hold_too_many_connections() -> None:
    """Twisted's select reactor fails on a descriptor numbered 1024 or above."""
    recipe = default_registry().scenario("requests")
    many = recipe.workload({"tasks": SELECT_CONNECTIONS + 1})
    few = recipe.workload({"tasks": SELECT_CONNECTIONS})
    select_config = {"reactor": "select", "tasks": "coroutines"}
    reason = TWISTED.check_resources(many, select_config)
    assert reason is not None
    assert "use -o reactor=epoll or poll" in reason
    assert TWISTED.check_resources(few, select_config) is None
    assert TWISTED.check_resources(many, select_config | {"reactor": "epoll"}) is None
