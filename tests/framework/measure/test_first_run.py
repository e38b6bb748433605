"""A worker's first counted run pays for nothing the runs after it do not: the figures a
run reads are computed before its measured region (issue 11: a first run of 10,000 empty
tasks counted 1% more instructions than the second)."""

from __future__ import annotations

import pytest

from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.worker import measure
from concbench.framework.model.recorder import Recorder
from concbench.framework.model.workload import Workload


@pytest.mark.parametrize(
    ("scenario", "params"),
    [("spawn", {"tasks": 200}), ("fanout", {"tasks": 50, "seconds": 0.001}),
     ("tree", {"levels": 2, "branches": 3})],
)  # fmt: skip
def test_a_run_computes_no_figure_of_its_workload_inside_the_measured_region(
    scenario: str, params: dict[str, object]
) -> None:
    registry = default_registry()
    found = registry.scenario(scenario)
    workload: Workload = found.build(**found.resolve(params))
    backend = registry.backend("asyncio")()
    try:
        workload.prepare_run()
        prepared = set(vars(workload))
        backend.execute(workload, Recorder(workload))  # the measured region of measure()
        assert set(vars(workload)) == prepared  # the run computed nothing of its own
        fresh = found.build(**found.resolve(params))
        measure(backend, fresh)  # a worker's measure() prepares before its region
        assert prepared <= set(vars(fresh))
    finally:
        backend.close()


def test_without_preparing_the_first_run_computes_the_figures_itself() -> None:
    """The control: a fresh workload run by the backend directly fills its cache in the run."""
    registry = default_registry()
    workload: Workload = registry.scenario("spawn").build(tasks=200)
    backend = registry.backend("asyncio")()
    try:
        assert "only_empty_tasks" not in vars(workload)
        backend.execute(workload, Recorder(workload))
        assert "only_empty_tasks" in vars(workload)
    finally:
        backend.close()
