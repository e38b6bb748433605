"""The arrivals scenario: when requests arrive, what each does, and what a run keeps."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework import ParameterError, StepKind, UserError, Workload
from concbench.framework.measure.registry import default_registry
from concbench.scenarios.arrivals import release_times


def workload(**params: object) -> Workload:
    return default_registry().scenario("arrivals").workload(params)


def test_even_arrivals_are_one_over_the_rate_apart() -> None:
    w = workload(rate=100, duration=0.5, service=0.002)
    assert len(w.tasks) == 50
    assert w.releases == pytest.approx(tuple(i / 100 for i in range(50)))
    assert w.ideal_s == pytest.approx(0.49 + 0.002)
    assert w.serial_s == pytest.approx(50 * 0.002)


def test_poisson_arrivals_follow_the_seed_and_the_rate() -> None:
    first = release_times(1000.0, 5.0, "poisson", 1)
    assert first == release_times(1000.0, 5.0, "poisson", 1)
    assert first != release_times(1000.0, 5.0, "poisson", 2)
    assert 4700 < len(first) < 5300  # 5,000 expected, sd about 71
    assert all(0 <= a <= b < 5.0 for a, b in itertools.pairwise(first))


@pytest.mark.parametrize(
    ("kind", "kinds"),
    [
        ("sleep", [StepKind.SLEEP]),
        ("io", [StepKind.IO]),
        ("cpu", [StepKind.CPU]),
        ("mix", [StepKind.CPU, StepKind.IO]),
    ],
)
def test_each_kind_of_work_takes_the_service_time(kind: str, kinds: list[StepKind]) -> None:
    steps = workload(rate=10, duration=0.2, kind=kind, service=0.004).tasks[0].steps
    assert [step.kind for step in steps] == kinds
    assert sum(step.seconds for step in steps) == pytest.approx(0.004)


def test_too_many_arrivals_and_bad_values_are_refused() -> None:
    with pytest.raises(UserError, match="at most 1,000,000 requests"):
        workload(rate=1_000_000, duration=2)
    with pytest.raises(ParameterError, match="kind"):
        workload(kind="tea")
    with pytest.raises(ParameterError, match="rate"):
        workload(rate=0)


@pytest.mark.slow
def test_a_hundred_thousand_arrivals_keep_a_small_record_and_memory(tmp_path: Path) -> None:
    out = tmp_path / "big.jsonl"
    argv = ["run", "arrivals", "-p", "rate=50000", "-p", "duration=2", "-b", "asyncio"]
    argv += ["--repeat", "1", "--processes", "1", "--warmup", "0", "--out", str(out)]
    argv += ["--retries-disturbed", "0"]
    assert main(argv) == 0
    lines = out.read_bytes().splitlines()
    assert lines
    for line in lines:
        record = json.loads(line)
        assert record["status"] == "ok", record["error"]
        assert record["tasks"] == 100_000
        assert len(line) < 64 * 1024  # a histogram, not 100,000 latencies
        assert record["peak_rss_kib"] < 1024 * 1024  # 1 GiB
        assert record["latency"]["count"] == 100_000
