"""Resource limits are checked while planning: a run that cannot fit is refused up front."""

from __future__ import annotations

import resource
from collections.abc import Iterator
from pathlib import Path

import pytest

from concbench.framework.measure.limits import (
    Cap,
    open_file_caps,
    open_files_problem,
    thread_caps,
    threads_problem,
)
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import plugins


def cap(name: str, value: int, available: int) -> Cap:
    return Cap(name, value, available, lambda short: f"`raise {name} {short}`", f"why {name}")


def test_the_tightest_limit_is_named_with_its_value_and_how_to_raise_it() -> None:
    caps = [
        cap("wide", 1_000_000, 999_000),
        cap("narrow", 32_768, 32_000),
        cap("mid", 50_000, 49_000),
    ]
    problem = threads_problem(40_000, "threads (one per task)", ", or use a pool", caps=caps)
    assert problem == (
        "needs about 40,000 threads (one per task), but narrow is 32,768 (why narrow), "
        "leaving room for about 32,000: raise it with `raise narrow 8000`, or use a pool"
    )


def test_what_fits_under_every_limit_is_no_problem() -> None:
    assert threads_problem(10, caps=[cap("a", 100, 50)]) is None
    assert threads_problem(10, caps=[]) is None


def test_the_threads_backend_is_refused_a_fanout_beyond_this_machines_thread_limit() -> None:
    caps = thread_caps()
    if not caps:
        pytest.skip("no thread limit is readable here")
    tight = min(caps, key=lambda c: c.available)
    tasks = tight.available + 1
    jobs = plan(
        default_registry(),
        "fanout",
        {"tasks": str(tasks)},
        [("threads", {}), ("threads", {"workers": "100"}), ("asyncio", {})],
    )
    refused, pooled, coroutines = (job.skip_reason for job in jobs)
    assert refused is not None
    assert refused.startswith(f"needs about {tasks:,} threads (one per task), but {tight.name}")
    assert refused.endswith("or run the tasks on a pool with -o workers=K")
    assert pooled is None  # a pool of 100 threads fits
    assert coroutines is None  # tasks are not threads there


@pytest.fixture
def few_open_files() -> Iterator[int]:
    """This process's open-file limit, lowered for the test to a little above what it uses."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    lowered = len(list(Path("/proc/self/fd").iterdir())) + 200
    resource.setrlimit(resource.RLIMIT_NOFILE, (lowered, hard))
    try:
        yield lowered
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts descriptors in /proc")
def test_a_backend_needing_more_descriptors_than_the_limit_is_skipped_before_running(
    few_open_files: int, tmp_path: Path
) -> None:
    [only] = open_file_caps()
    assert only.value == few_open_files
    registry = plugins.registry(plugins.FdHungryBackend, plugins.GoodBackend)
    jobs = plan(registry, "big", {"tasks": "1000"}, [("fdhungry", {}), ("good", {})])
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(repeat=1, warmup=0)).run(jobs)
    skipped, ran = read_records(tmp_path / "r.jsonl")
    assert skipped.status is Status.SKIPPED
    assert skipped.error is not None
    assert skipped.error.startswith(
        f"needs about 1,000 sockets (one per task), but RLIMIT_NOFILE (ulimit -n) is "
        f"{few_open_files:,}"
    )
    assert "raise it with `ulimit -n " in skipped.error
    assert ran.status is Status.OK
    assert open_files_problem(10) is None
