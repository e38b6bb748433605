from __future__ import annotations

import itertools

import pytest

from concbench.framework import Backend, Channel, StepKind, Workload
from concbench.framework.measure.registry import default_registry
from concbench.framework.model.cpuwork import calibrate
from concbench.scenarios.bounded import bounded_ideal
from concbench.scenarios.chain import chain_ideal
from concbench.scenarios.mixed import mixed_ideal
from concbench.scenarios.offload import offload_ideal
from concbench.scenarios.pipeline import pipeline_ideal
from concbench.scenarios.requests import requests_ideal
from concbench.scenarios.timers import timers_ideal
from support.backends import execute


def workload(name: str, **params: object):  # type: ignore[no-untyped-def]
    return default_registry().scenario(name).workload(params)


@pytest.mark.parametrize("name", ["seed", "seed-blocking"])
def test_the_teaching_example_figures(name: str) -> None:
    # the textbook's figures: 2.5 s one after another, 1 s concurrently
    w = workload(name)
    assert len(w.tasks) == 2
    assert w.serial_s == pytest.approx(2.5)
    assert w.ideal_s == pytest.approx(1.0)
    assert w.main_s == pytest.approx(0.5)


def test_seed_waits_cooperatively_and_seed_blocking_blocks() -> None:
    assert workload("seed").kinds == {StepKind.SLEEP}
    assert workload("seed-blocking").kinds == {StepKind.BLOCK}


@pytest.mark.parametrize("scale", [0.1, 2.0])
def test_scale_multiplies_every_duration(scale: float) -> None:
    w = workload("seed", scale=scale)
    assert w.serial_s == pytest.approx(2.5 * scale)
    assert w.ideal_s == pytest.approx(1.0 * scale)


def test_fanout_is_tasks_times_seconds() -> None:
    w = workload("fanout", tasks=10000, seconds=0.1)
    assert len(w.tasks) == 10000
    assert w.serial_s == pytest.approx(1000.0)
    assert w.ideal_s == pytest.approx(0.1)


def test_cpu_machine_bound_is_total_work_over_cores() -> None:
    w = workload("cpu", tasks=4, seconds=0.5)
    assert w.kinds == {StepKind.CPU}
    assert w.ideal_s == pytest.approx(0.5)
    assert w.machine_bound_s(2) == pytest.approx(1.0)


@pytest.mark.parametrize("name", ["seed", "seed-blocking", "fanout", "cpu", "requests", "tree"])
def test_every_builtin_scenario_is_in_the_compare_matrix_with_valid_params(name: str) -> None:
    scenario = default_registry().scenario(name)
    assert scenario.compare
    for params in scenario.compare:
        assert scenario.workload(params).tasks


def test_requests_wait_on_the_server_together() -> None:
    w = workload("requests", tasks=1000, seconds=0.05)
    assert w.kinds == {StepKind.IO}
    assert len(w.tasks) == 1000
    assert w.serial_s == pytest.approx(50.0)
    assert w.ideal_s == pytest.approx(0.05) == requests_ideal(1000, 0.05)
    assert w.io_connections == 1000


@pytest.mark.parametrize(
    ("tasks", "limit", "ideal"), [(100, 10, 0.5), (101, 10, 0.55), (5, 10, 0.05), (7, 1, 0.35)]
)
def test_bounded_states_ceil_n_over_l_rounds(tasks: int, limit: int, ideal: float) -> None:
    w = workload("bounded", tasks=tasks, seconds=0.05, limit=limit)
    assert w.limit == limit
    assert w.stated_ideal_s == pytest.approx(ideal) == bounded_ideal(tasks, 0.05, limit)
    assert w.ideal_s == pytest.approx(ideal)
    # the framework's own schedule of the same tasks agrees with the stated formula
    unstated = Workload(tasks=w.tasks, limit=w.limit)
    assert unstated.ideal_s == pytest.approx(ideal)
    assert w.serial_s == pytest.approx(tasks * 0.05)


def test_bounded_waits_on_sleeps_or_requests() -> None:
    assert workload("bounded").kinds == {StepKind.SLEEP}
    w = workload("bounded", wait="io", tasks=100, limit=10)
    assert w.kinds == {StepKind.IO}
    assert w.io_connections == 10  # never more requests open than the limit


def test_pipeline_ideal_by_hand() -> None:
    # 100 items, 4 consumers, 1 ms to make and 10 ms to handle each: the consumers are the
    # bottleneck. The last item (100) goes to consumer 4, whose first item is made at 4 ms;
    # it then handles 25 items back to back: 4 ms + 25 x 10 ms = 254 ms.
    w = workload("pipeline")
    assert w.ideal_s == pytest.approx(0.254)
    assert w.serial_s == pytest.approx(100 * (0.001 + 0.01))
    assert len(w.tasks) == 5
    assert w.channels == (Channel("items", 10),)
    # with a fast consumer side, the producer's pace sets it: 100 x 10 ms + 1 ms
    assert workload("pipeline", produce=0.01, work=0.001).ideal_s == pytest.approx(1.001)


@pytest.mark.parametrize("capacity", [0, 1, 3])
def test_pipeline_formula_agrees_with_the_simulated_run(capacity: int) -> None:
    grid = itertools.product([1, 2, 5, 7, 23], [1, 2, 3, 8], [0.0, 0.001, 0.03], [0.0, 0.01, 0.04])
    for items, consumers, produce, work in grid:
        w = workload(
            "pipeline",
            items=items,
            consumers=consumers,
            produce=produce,
            work=work,
            capacity=capacity,
        )
        assert w.stated_ideal_s is None  # the ideal is the framework's simulation ...
        expected = pipeline_ideal(items, consumers, produce, work)  # ... and the formula
        assert w.ideal_s == pytest.approx(expected), (items, consumers, produce, work)


def test_pipeline_capacity_zero_is_unbounded_and_consumers_share_items() -> None:
    w = workload("pipeline", items=10, consumers=4, capacity=0)
    assert w.channels == (Channel("items", None),)
    gets = [sum(step.kind is StepKind.GET for step in task.steps) for task in w.tasks[1:]]
    assert gets == [3, 3, 2, 2]
    assert workload("pipeline", kind="cpu").kinds == {StepKind.CPU, StepKind.PUT, StepKind.GET}


def test_spawn_has_nothing_to_wait_for() -> None:
    w = workload("spawn", tasks=100_000)
    assert len(w.tasks) == 100_000
    assert w.serial_s == 0
    assert w.ideal_s == 0
    assert w.task_steps == 0


def test_timers_are_one_task_of_sleeps_in_sequence() -> None:
    w = workload("timers", sleeps=1000, seconds=0.001)
    assert len(w.tasks) == 1
    assert w.task_steps == 1000
    assert w.ideal_s == pytest.approx(1.0) == pytest.approx(timers_ideal(1000, 0.001))
    assert w.serial_s == pytest.approx(1.0)


def test_mixed_ideal_and_machine_bound() -> None:
    w = workload("mixed", requests=100, seconds=0.05, cpu_tasks=4, cpu_seconds=0.1, slices=5)
    assert w.ideal_s == pytest.approx(0.1) == mixed_ideal(100, 0.05, 4, 0.1)
    assert w.cpu_work_s == pytest.approx(0.4)  # slicing keeps the total work
    assert w.machine_bound_s(2) == pytest.approx(0.2)
    assert w.kinds == {StepKind.IO, StepKind.CPU, StepKind.CHECKPOINT}
    assert w.io_connections == 100
    assert workload("mixed", cpu_tasks=0).ideal_s == pytest.approx(0.05)
    assert workload("mixed", slices=1).kinds == {StepKind.IO, StepKind.CPU}


def test_chain_critical_path_is_longer_than_any_single_task() -> None:
    w = workload("chain", stages=4, width=3, seconds=0.05, long=0.15)
    longest_task = max(task.duration_s for task in w.tasks)
    assert longest_task == pytest.approx(0.15)
    assert w.ideal_s == pytest.approx(0.2) == chain_ideal(4, 0.05, 0.15)
    assert w.ideal_s > longest_task
    assert w.serial_s == pytest.approx(4 * 3 * 0.05 + 0.15)
    assert w.tasks[0].after == ()
    assert w.tasks[1].after == ()  # the first stage starts at once
    assert w.tasks[4].after == (1, 2, 3)  # each stage waits for all of the previous one
    assert w.tasks[12].after == (7, 8, 9)


def test_chain_long_task_wins_when_it_is_longer_than_the_stages() -> None:
    w = workload("chain", stages=2, width=5, seconds=0.05, long=0.3)
    assert w.ideal_s == pytest.approx(0.3) == chain_ideal(2, 0.05, 0.3)


@pytest.mark.parametrize(
    ("how", "kind"), [("offload", StepKind.OFFLOAD), ("block", StepKind.BLOCK)]
)
def test_offload_is_the_same_blocking_calls_handed_to_threads_or_made_on_the_loop(
    how: str, kind: StepKind
) -> None:
    w = workload("offload", tasks=4, calls=5, seconds=0.01, how=how)
    assert w.kinds == {kind}
    assert w.ideal_s == pytest.approx(0.05) == pytest.approx(offload_ideal(5, 0.01))
    assert w.serial_s == pytest.approx(0.2)


SMALL: dict[str, dict[str, object]] = {
    "seed": {"scale": 0.05},
    "seed-blocking": {"scale": 0.05},
    "fanout": {"tasks": 20, "seconds": 0.02},
    "cpu": {"tasks": 2, "seconds": 0.02},
    "requests": {"tasks": 50, "seconds": 0.02},
    "bounded": {"tasks": 12, "seconds": 0.02, "limit": 4},
    "pipeline": {"items": 12, "consumers": 3, "produce": 0.001, "work": 0.01, "capacity": 2},
    "spawn": {"tasks": 200},
    "timers": {"sleeps": 20, "seconds": 0.002},
    "mixed": {"requests": 20, "seconds": 0.02, "cpu_tasks": 2, "cpu_seconds": 0.01, "slices": 2},
    "chain": {"stages": 3, "width": 3, "seconds": 0.01, "long": 0.02},
    "arrivals": {"rate": 200, "duration": 0.1, "kind": "mix", "service": 0.004},
    "offload": {"tasks": 3, "calls": 2, "seconds": 0.01},
    "tree": {"levels": 3, "branches": 3, "kind": "cpu_io_mixed", "seconds": 0.02},
}


SERVED = {"http", "postgres"}
"""Scenarios whose workloads need servers the runner starts (and solo times): their small
runs go through the runner, in tests/scenarios/test_http.py and test_postgres.py."""


def test_every_builtin_scenario_has_a_small_size() -> None:
    assert set(SMALL) | SERVED == set(default_registry().scenarios)
    assert not SERVED & set(SMALL)


@pytest.fixture(scope="module")
def _calibrated() -> None:
    calibrate()


@pytest.mark.usefixtures("_calibrated")
@pytest.mark.parametrize("name", sorted(SMALL))
def test_a_small_run_of_every_scenario_on_every_backend(
    name: str, backend_cls: type[Backend], io_address: tuple[str, int]
) -> None:
    w = workload(name, **SMALL[name])
    trace = execute(backend_cls, w, io_address)  # checked against the contract
    assert trace.wall_s >= 0.9 * w.ideal_s
