"""The runner's paths through real worker processes: ok, failed, timeout, crashed, skipped."""

from __future__ import annotations

import dataclasses
import multiprocessing
import resource
from pathlib import Path

import pytest

from concbench.framework.measure.ioserver import FILES_MARGIN, OpenFileLimitError
from concbench.framework.measure.registry import BACKENDS_GROUP, SCENARIOS_GROUP, Registry
from concbench.framework.measure.runner import Job, Runner, RunSettings, plan
from concbench.framework.model.params import ParameterError
from concbench.framework.store.records import Status
from concbench.framework.store.resultstore import ResultStore, read_records
from support import plugins

BACKENDS = {
    cls.name: cls
    for cls in (
        plugins.GoodBackend,
        plugins.RaisingBackend,
        plugins.HangingBackend,
        plugins.ExitingBackend,
        plugins.ContractBreakingBackend,
        plugins.MissingLibraryBackend,
        plugins.SleepOnlyBackend,
        plugins.SequentialIoBackend,
    )
}


@pytest.fixture
def registry() -> Registry:
    references = {
        (BACKENDS_GROUP, name): f"support.plugins:{cls.__name__}" for name, cls in BACKENDS.items()
    }
    scenarios = {"tiny": plugins.tiny, "cpu-tiny": plugins.cpu_tiny, "io-tiny": plugins.io_tiny}
    references |= {
        (SCENARIOS_GROUP, "tiny"): "support.plugins:tiny",
        (SCENARIOS_GROUP, "cpu-tiny"): "support.plugins:cpu_tiny",
        (SCENARIOS_GROUP, "io-tiny"): "support.plugins:io_tiny",
    }
    return Registry(backends=dict(BACKENDS), scenarios=scenarios, references=references)


def run(registry: Registry, tmp_path: Path, *backends: str, **settings: float) -> list[Job]:
    jobs = plan(registry, "tiny", {}, [(name, {}) for name in backends])
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(warmup=0, **settings)).run(jobs)  # type: ignore[arg-type]
    return jobs


def stored(tmp_path: Path) -> list[tuple[str, Status, str]]:
    return [(r.backend, r.status, r.error or "") for r in read_records(tmp_path / "r.jsonl")]


def test_every_counted_run_is_stored_with_its_measurements(
    registry: Registry, tmp_path: Path
) -> None:
    run(registry, tmp_path, "good", repeat=3)
    records = read_records(tmp_path / "r.jsonl")
    assert [(r.status, r.run) for r in records] == [(Status.OK, 0), (Status.OK, 1), (Status.OK, 2)]
    for record in records:
        assert record.wall_s is not None
        assert record.wall_s >= 0.02
        assert record.overhead_s == pytest.approx(record.wall_s - record.ideal_s)
        assert record.cpu_s is not None
        assert record.peak_rss_kib
        assert record.serial_s == pytest.approx(0.02)
        assert record.ideal_s == pytest.approx(0.01)


def test_several_processes_each_contribute_runs(registry: Registry, tmp_path: Path) -> None:
    run(registry, tmp_path, "good", repeat=2, processes=2)
    records = read_records(tmp_path / "r.jsonl")
    assert [(r.process, r.run) for r in records] == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_faults_are_recorded_and_the_sweep_goes_on(registry: Registry, tmp_path: Path) -> None:
    run(
        registry,
        tmp_path,
        "raising",
        "hanging",
        "exiting",
        "liar",
        "missing",
        "good",
        repeat=1,
        timeout_s=1.0,
    )
    results = stored(tmp_path)
    assert [(backend, status) for backend, status, _ in results] == [
        ("raising", Status.FAILED),
        ("hanging", Status.TIMEOUT),
        ("exiting", Status.CRASHED),
        ("liar", Status.FAILED),
        ("missing", Status.SKIPPED),
        ("good", Status.OK),
    ]
    errors = {backend: error for backend, _, error in results}
    assert "ValueError: this backend always raises" in errors["raising"]
    assert "time limit of 1 s" in errors["hanging"]
    assert errors["exiting"] == "worker process exited with code 3 without reporting"
    assert "ContractError: task 0 never started" in errors["liar"]
    assert (
        errors["missing"] == "concbench_no_such_library is not installed: install concbench[nosuch]"
    )


def test_a_backend_that_cannot_express_the_workload_is_skipped_with_the_reason(
    registry: Registry, tmp_path: Path
) -> None:
    jobs = plan(registry, "cpu-tiny", {}, [("sleeponly", {})])
    assert jobs[0].skip_reason == "backend 'sleeponly' cannot run cpu steps"
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(warmup=0, repeat=1)).run(jobs)
    assert stored(tmp_path) == [
        ("sleeponly", Status.SKIPPED, "backend 'sleeponly' cannot run cpu steps")
    ]


def test_backend_options_are_checked_while_planning(registry: Registry) -> None:
    with pytest.raises(
        ParameterError,
        match=r"backend 'sleeponly': parameter 'depth' must be an integer from 1 to 4, got '9'",
    ):
        plan(registry, "tiny", {}, [("sleeponly", {"depth": "9"})])


def test_scenario_parameters_are_checked_while_planning(registry: Registry) -> None:
    with pytest.raises(
        ParameterError,
        match=r"scenario 'tiny': parameter 'tasks' must be an integer from 1 to 100, got '0'",
    ):
        plan(registry, "tiny", {"tasks": "0"}, [("good", {})])


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("repeat", 0, "--repeat must be an integer from 1 to 100000, got 0"),
        ("warmup", -1, "--warmup must be an integer from 0 to 100000, got -1"),
        ("processes", 0, "--processes must be an integer from 1 to 1000, got 0"),
        (
            "timeout_s",
            0.0,
            r"--timeout must be a number of seconds > 0 and <= 604800 \(a week\), got 0.0",
        ),
        ("timeout_s", float("inf"), "--timeout must be a number of seconds > 0 .*, got inf"),
        ("timeout_s", float("nan"), "--timeout must be a number of seconds > 0 .*, got nan"),
    ],
)
def test_run_settings_are_validated(field: str, value: float, message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        RunSettings(**{field: value})  # type: ignore[arg-type]


def latency_servers() -> list[multiprocessing.process.BaseProcess]:
    return [
        child
        for child in multiprocessing.active_children()
        if child.name == "concbench-latency-server"
    ]


def test_io_jobs_get_a_server_of_their_own_which_is_stopped_after_them(
    registry: Registry, tmp_path: Path
) -> None:
    before = latency_servers()  # the session's own server may be running
    jobs = plan(registry, "io-tiny", {"tasks": 3, "seconds": 0.05}, [("sequential-io", {})])
    assert jobs[0].io_connections == 3
    assert jobs[0].steps == 3
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(warmup=0, repeat=2)).run(jobs)
    records = read_records(tmp_path / "r.jsonl")
    assert [r.status for r in records] == [Status.OK, Status.OK]
    for record in records:
        assert record.wall_s is not None
        assert record.wall_s >= 3 * 0.05  # three real requests, one after another
        assert record.steps == 3
    assert latency_servers() == before


def test_jobs_without_io_start_no_server(registry: Registry, tmp_path: Path) -> None:
    [job] = run(registry, tmp_path, "good", repeat=1)
    assert job.io_connections == 0


def test_a_server_that_cannot_start_fails_the_job_and_the_sweep_goes_on(
    registry: Registry, tmp_path: Path
) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard limit on open files to exceed")
    [job] = plan(registry, "io-tiny", {}, [("sequential-io", {})])
    impossible = dataclasses.replace(job, io_connections=hard)  # planning would refuse this
    good = plan(registry, "tiny", {}, [("good", {})])
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(warmup=0, repeat=1)).run(
        [impossible, *good]
    )
    results = stored(tmp_path)
    assert [(backend, status) for backend, status, _ in results] == [
        ("sequential-io", Status.FAILED),
        ("good", Status.OK),
    ]
    assert "latency server:" in results[0][2]
    assert "RLIMIT_NOFILE" in results[0][2]


def test_more_concurrent_requests_than_the_hard_limit_allows_are_refused_while_planning(
    registry: Registry,
) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard limit on open files to exceed")
    tasks = hard - FILES_MARGIN + 1
    with pytest.raises(
        OpenFileLimitError,
        match=rf"scenario 'io-tiny' \(tasks={tasks}, seconds=0.02\) needs {hard + 1} open files "
        rf".* the hard limit RLIMIT_NOFILE is {hard}: raise the hard limit",
    ):
        plan(registry, "io-tiny", {"tasks": tasks}, [("sequential-io", {})])


def test_a_backend_that_cannot_make_requests_is_skipped_and_gets_no_server(
    registry: Registry, tmp_path: Path
) -> None:
    before = latency_servers()
    jobs = plan(registry, "io-tiny", {}, [("sleeponly", {})])
    assert jobs[0].skip_reason == "backend 'sleeponly' cannot run io steps"
    Runner(ResultStore(tmp_path / "r.jsonl"), RunSettings(warmup=0, repeat=1)).run(jobs)
    assert stored(tmp_path) == [
        ("sleeponly", Status.SKIPPED, "backend 'sleeponly' cannot run io steps")
    ]
    assert latency_servers() == before


def test_the_runner_module_still_offers_every_name_imported_from_it() -> None:
    """runner.py was split into modules with one job each; the CLI, tests, docs and
    plugins' scripts import these names from it, so each stays there."""
    from concbench.framework.measure import planner, runner, settings, spawning

    names = {"Job", "Observer", "Runner", "RunSettings", "plan", "plan_sweep"}
    names |= {"MAX_PROCESSES", "MAX_REPEAT", "MAX_RETRIES", "RETRIES_DISTURBED"}
    assert names <= set(runner.__all__)
    assert runner.plan is planner.plan
    assert runner.RunSettings is settings.RunSettings
    assert runner._main_script_hidden is spawning.main_script_hidden  # docs/reproducibility.md
