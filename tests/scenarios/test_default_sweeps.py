"""Every scenario's default sweep (``concbench run NAME``: no ``-p``, no ``-b``) stays a
few minutes on a quiet 2-core machine, so that a larger sweep is always the user's choice.

The estimate is made from the plan alone, with a cost model whose constants were
measured on this project's 2-core machine (docs/scenarios.md, "How long a default sweep
takes"). It is not a prediction to the second: it exists so that a default that grows by
an order of magnitude (a third swept parameter, 56,000 tree tasks, 200 connections
through httpx's pool) fails here instead of in a user's afternoon.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from concbench.cli import _parser, main
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Job, plan_sweep
from concbench.framework.model.sweep import expand
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import read_records

PROCESSES = _parser().parse_args(["run", "seed"]).processes
"""The CLI's default worker processes per job (top-ups may add as many again)."""
STARTUP_S = 0.8
"""A worker process: interpreter start, imports, the backend's set-up (0.35 s to 2 s here)."""
PER_TASK_S = 100e-6
"""Spawning, scheduling and joining one task (75-170 µs per tree task here, busy)."""
SOLO_S = 0.5
"""Solo timings of a workload's calls before its counted runs, with their resources."""
SERVICE_S = 1.0
"""Starting and stopping a workload's servers (PostgreSQL: 0.6-1 s)."""
BUDGET_S = 300.0
"""Five minutes for a default sweep on a quiet machine."""
MAX_CONNECTIONS = 100
"""Connections a default workload may open to a real server: a client stack's cost per
request can grow with its pool (httpx: 20-25 ms of CPU a request at 200 connections)."""


def default_plan(name: str) -> list[Job]:
    """The jobs ``concbench run NAME`` runs: its sweeps over the default matrix of backends
    (every one, less what a backend leaves out of the matrix or asks to be named for)."""
    registry = default_registry()
    sets = expand(dict(registry.scenario(name).sweeps), flag="-p/--param")
    backends: list[tuple[str, Mapping[str, object]]]
    backends = [(backend, {}) for backend in sorted(registry.backends)]
    jobs = plan_sweep(registry, name, sets, backends, matrix=True)
    return [j for j in jobs if not j.skip_reason and registry.backend(j.backend).compare]


def estimate_s(jobs: list[Job]) -> float:
    """Seconds for these jobs at the default processes, one warm-up run and one counted."""
    total = SERVICE_S * len({job.workload_key for job in jobs if job.services})
    for job in jobs:
        bookkeeping = job.tasks * PER_TASK_S
        run = max(job.ideal_s, job.machine_bound_s) + bookkeeping
        warmup = max(job.ideal_s, job.machine_bound_s) / 10 + bookkeeping
        total += PROCESSES * (STARTUP_S + warmup + run + (SOLO_S if job.uses_calls else 0))
    return total


SCENARIOS = sorted(default_registry().scenarios)


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_default_sweep_is_estimated_at_a_few_minutes(name: str) -> None:
    jobs = default_plan(name)
    assert jobs, f"the default sweep of {name} runs nothing here"
    assert estimate_s(jobs) <= BUDGET_S, (
        f"`concbench run {name}` is estimated at {estimate_s(jobs):.0f} s for "
        f"{len(jobs)} jobs; make the larger sweep opt-in"
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_default_workload_opens_few_connections_to_a_real_server(name: str) -> None:
    for job in default_plan(name):
        for service, connections in job.services:
            assert connections <= MAX_CONNECTIONS, (name, service, connections)


def test_the_estimate_refuses_the_defaults_that_took_forty_minutes() -> None:
    # the http default before: 200 tasks (httpx's pool at 200 connections), and tree's
    # pyperformance size of 6 x 6 (55,986 tasks); both must fail the checks above
    registry = default_registry()
    http = plan_sweep(registry, "http", [{"tasks": "200"}], [("asyncio", {})])
    assert max(n for job in http for _, n in job.services) > MAX_CONNECTIONS
    backends: list[tuple[str, Mapping[str, object]]]
    backends = [(b, {}) for b in sorted(registry.backends) if registry.backend(b).compare]
    tree = plan_sweep(registry, "tree", [{"levels": "6", "branches": "6"}], backends, matrix=True)
    assert estimate_s([job for job in tree if not job.skip_reason]) > BUDGET_S


def test_run_without_b_leaves_out_of_its_default_what_the_matrix_leaves_out(
    tmp_path: Path,
) -> None:
    # 50 sleeps of 50 ms per core: a pool of a process per core needs 2.5 s a run (its
    # pool bound), the others 50 ms
    cores = os.cpu_count() or 1
    out = tmp_path / "r.jsonl"
    argv = ["run", "fanout", "-p", f"tasks={50 * cores}", "-p", "seconds=0.05", "--processes", "1"]
    argv += ["--max-processes", "1", "--warmup", "0", "--retries-disturbed", "0"]
    argv += ["--out", str(out)]
    assert main(argv) == 0
    records = {r.backend: r for r in read_records(out)}
    processes, dask = records["processes"], records["dask"]
    assert processes.status is Status.SKIPPED
    assert f"left out of the default matrix: {cores} processes need at least 2.5 s" in (
        processes.error or ""
    )
    assert "`concbench run -b processes` measures it" in (processes.error or "")
    assert dask.status is Status.SKIPPED
    assert dask.error == "left out of the default matrix; `-b dask` runs it"
    assert records["asyncio"].status is Status.OK
    # named, it runs
    named = tmp_path / "named.jsonl"
    assert main([*argv[:-1], str(named), "-b", "processes"]) == 0
    [record] = read_records(named)
    assert record.status is Status.OK, record.error
    assert record.wall_s is not None
    assert record.wall_s >= 2.5
