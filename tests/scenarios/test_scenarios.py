from __future__ import annotations

import pytest

from concbench.framework import StepKind
from concbench.framework.registry import default_registry


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


@pytest.mark.parametrize("name", ["seed", "seed-blocking", "fanout", "cpu"])
def test_every_builtin_scenario_is_in_the_compare_matrix_with_valid_params(name: str) -> None:
    scenario = default_registry().scenario(name)
    assert scenario.compare
    for params in scenario.compare:
        assert scenario.workload(params).tasks
