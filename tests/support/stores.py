"""Real result stores made by real runs in real worker processes, for the report tests.

Every report format is tested on these: the seed and seed-blocking on a coroutine backend
and on threads, and a fanout sweep whose larger run has more tasks than a timeline draws
as lanes. Durations are short; the shapes the tests look for do not depend on them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pytest

from concbench.backends.asyncio_backend import AsyncioBackend
from concbench.backends.threads_backend import ThreadsBackend
from concbench.framework import Backend
from concbench.framework.measure.registry import (
    BACKENDS_GROUP,
    SCENARIOS_GROUP,
    Registry,
    default_registry,
)
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.reports.outputs import load_traces
from concbench.framework.reports.timeline import MAX_LANES
from concbench.framework.store.records import RunRecord
from concbench.framework.store.resultstore import ResultStore, read_records
from concbench.framework.store.tracestore import StoredTrace
from support import plugins

SEED_SCALE = 0.1
FANOUT_TASKS = (5, MAX_LANES + 24)
BACKENDS: list[tuple[str, dict[str, object]]] = [("asyncio", {}), ("threads", {})]


@dataclass(frozen=True)
class Store:
    path: Path
    records: list[RunRecord]
    traces: dict[str, StoredTrace]

    def trace_of(self, scenario: str, backend: str, **params: object) -> StoredTrace:
        for record in self.records:
            if (
                record.scenario == scenario
                and record.backend == backend
                and record.trace_stored
                and all(record.params.get(k) == v for k, v in params.items())
            ):
                return self.traces[record.id]
        raise LookupError(f"no stored trace for {scenario} on {backend} {params}")


def load(path: Path) -> Store:
    return Store(path, read_records(path), load_traces([path]))


def make_store(path: Path) -> Store:
    registry = default_registry()
    jobs = plan(registry, "seed", {"scale": SEED_SCALE}, BACKENDS)
    jobs += plan(registry, "seed-blocking", {"scale": SEED_SCALE}, BACKENDS)
    for tasks in FANOUT_TASKS:
        jobs += plan(registry, "fanout", {"tasks": tasks, "seconds": 0.02}, BACKENDS)
    Runner(ResultStore(path), RunSettings(repeat=2, warmup=0)).run(jobs)
    return load(path)


def make_hostile_store(path: Path) -> Store:
    """A real run of plugins whose names, parameters and errors are markup everywhere."""
    backends = {cls.name: cls for cls in (plugins.HostileBackend, plugins.HostileFailingBackend)}
    scenario = plugins.hostile_scenario
    references = {
        (BACKENDS_GROUP, name): f"support.plugins:{cls.__name__}" for name, cls in backends.items()
    }
    references[(SCENARIOS_GROUP, scenario.name)] = "support.plugins:hostile_scenario"
    registry = Registry(
        backends=dict(backends), scenarios={scenario.name: scenario}, references=references
    )
    jobs = plan(registry, scenario.name, {}, [(name, {}) for name in backends])
    Runner(ResultStore(path), RunSettings(repeat=1, warmup=0)).run(jobs)
    return load(path)


GLANCE_SECONDS = 0.05
GLANCE_PROCESSES = 5
"""One more than the fewest a side for a difference to be called at all (``min_processes``)."""


def make_glance_store(path: Path) -> Store:
    """Every kind of cell the summary at a glance shows, from real runs: on ``tiny`` (two
    tasks of one sleep), threads and asyncio overlap the sleeps (one of them is fastest,
    the other tied with it), ``good`` runs them one after another (twice the ideal: behind,
    with 5 processes a side), ``raising`` fails and ``missing`` is skipped; on ``big``
    (instant tasks, an ideal of 0) the figure is the overhead per task."""
    backends: dict[str, type[Backend]] = {
        "threads": ThreadsBackend,
        "asyncio": AsyncioBackend,
        "good": plugins.GoodBackend,
        "raising": plugins.RaisingBackend,
        "missing": plugins.MissingLibraryBackend,
    }
    references = {
        (BACKENDS_GROUP, "threads"): "concbench.backends.threads_backend:ThreadsBackend",
        (BACKENDS_GROUP, "asyncio"): "concbench.backends.asyncio_backend:AsyncioBackend",
        (SCENARIOS_GROUP, "tiny"): "support.plugins:tiny",
        (SCENARIOS_GROUP, "big"): "support.plugins:big",
    }
    references |= {
        (BACKENDS_GROUP, name): f"support.plugins:{cls.__name__}"
        for name, cls in backends.items()
        if (BACKENDS_GROUP, name) not in references
    }
    registry = Registry(
        backends=backends, scenarios={"tiny": plugins.tiny, "big": plugins.big},
        references=references,
    )  # fmt: skip
    chosen: list[tuple[str, dict[str, object]]] = [(name, {}) for name in backends]
    jobs = plan(registry, "tiny", {"tasks": 2, "seconds": GLANCE_SECONDS}, chosen)
    jobs += plan(registry, "big", {"tasks": 10}, [("threads", {}), ("asyncio", {})])
    # every run counts, disturbed or not: what is tested is the rendering of a row the
    # statistics call slower, and on a loaded machine disturbed runs would leave rows short
    settings = RunSettings(repeat=1, warmup=0, processes=GLANCE_PROCESSES, keep_disturbed=True)
    Runner(ResultStore(path), settings).run(jobs)
    return load(path)


DIFF_SCALE = 0.1
SLOWDOWN = 1.3


def make_diff_stores(directory: Path) -> dict[str, Path]:
    """Three stores of seed on asyncio, 6 processes of one run each: ``base``; ``same``, the
    same code run again; ``slower``, the same code at a 30% larger scale, relabelled as the
    base's workload (params, serial and ideal): a regression of known size, honestly
    measured. Processes, not runs, are what the diff's test counts."""
    registry = default_registry()
    settings = RunSettings(repeat=1, warmup=1, processes=6, retries_disturbed=3)
    paths = {name: directory / f"{name}.jsonl" for name in ("base", "same", "slower")}
    for name in ("base", "same"):
        jobs = plan(registry, "seed", {"scale": DIFF_SCALE}, [("asyncio", {})])
        Runner(ResultStore(paths[name]), settings).run(jobs)
    longer = directory / "longer.jsonl"
    jobs = plan(registry, "seed", {"scale": DIFF_SCALE * SLOWDOWN}, [("asyncio", {})])
    Runner(ResultStore(longer), settings).run(jobs)
    [reference] = plan(registry, "seed", {"scale": DIFF_SCALE}, [("asyncio", {})])
    relabelled = ResultStore(paths["slower"])
    for record in read_records(longer):
        relabelled.append(
            dataclasses.replace(
                record,
                params=dict(reference.params),
                serial_s=reference.serial_s,
                ideal_s=reference.ideal_s,
                overhead_s=None if record.wall_s is None else record.wall_s - reference.ideal_s,
            )
        )
    return paths


# fixtures: registered for the whole suite by ``pytest_plugins`` in tests/conftest.py, made
# once per session and only when a test asks for them


@pytest.fixture(scope="session")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return make_store(tmp_path_factory.mktemp("reports") / "runs.jsonl")


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return make_hostile_store(tmp_path_factory.mktemp("hostile") / "runs.jsonl")


@pytest.fixture(scope="session")
def diff_stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_diff_stores(tmp_path_factory.mktemp("diff"))


@pytest.fixture(scope="session")
def glance_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return make_glance_store(tmp_path_factory.mktemp("glance") / "runs.jsonl")
