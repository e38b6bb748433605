"""One test per diagnosis rule, on records with known figures."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from concbench.framework.analysis.diagnosis import diagnose
from concbench.framework.model.parts import Decomposition, Part
from concbench.framework.store.records import RunRecord, Status


def runs(
    ideal: float = 1.0,
    wall: float = 1.0,
    n: int = 3,
    parts: Mapping[Part, float] | None = None,
    **fields: Any,
) -> list[RunRecord]:
    """``n`` ok runs whose parts are 0 but for ``parts``."""
    decomposition = Decomposition(dict.fromkeys(Part, 0.0) | dict(parts or {}))
    return [
        RunRecord(
            scenario="s",
            params={},
            backend="b",
            status=Status.OK,
            tasks=4,
            serial_s=4.0,
            ideal_s=ideal,
            python="3.11",
            wall_s=wall,
            overhead_s=wall - ideal,
            cores=2,
            parts=decomposition,
            **fields,
        )
        for _ in range(n)
    ]


def test_a_tiny_overhead_is_at_the_ideal() -> None:
    assert diagnose(runs(wall=1.0009)) == "at the ideal: overhead +900.00 µs"


def test_blocking_names_the_blocked_time_in_tasks_and_main() -> None:
    text = diagnose(
        runs(
            wall=2.5,
            blocked_steps=3,
            blocked_tasks_s=2.0,
            blocked_main_s=0.5,
            parts={Part.BLOCKED: 1.5},
        )
    )
    assert text == (
        "loop blocked by 3 non-yielding steps (2.000 s in tasks, 500.00 ms in main): "
        "1.500 s of the overhead"
    )


def test_serialised_cpu_work_on_several_cores_is_the_gil() -> None:
    text = diagnose(runs(ideal=0.5, wall=1.95, cpu_s=1.96, parts={Part.CPU: 1.45}))
    assert text == "CPU work serialised by the GIL: 3.9x the ideal, 1.0 of 2 cores busy"


def test_parallel_cpu_work_beyond_the_cores_is_the_machine_bound() -> None:
    text = diagnose(
        runs(ideal=0.5, wall=1.0, cpu_s=1.98, machine_bound_s=1.0, parts={Part.CPU: 0.5})
    )
    assert text == "CPU work exceeds 2 cores: machine bound 1.000 s"


def test_late_timers_name_the_mean_lateness() -> None:
    text = diagnose(
        runs(
            ideal=1.0,
            wall=2.1,
            sleep_late_mean_s=0.0011,
            sleep_late_p99_s=0.002,
            parts={Part.SLEEP_LATE: 1.1},
        )
    )
    assert text == "each sleep woke 1.10 ms late on average (p99 2.00 ms: timer rounding and slack)"


def test_spawn_cost_is_given_per_task() -> None:
    assert (
        diagnose(runs(wall=1.2, parts={Part.SPAWN: 0.2}))
        == "spawning took 200.00 ms (50.00 ms per task)"
    )


def test_a_busy_scheduler_names_the_start_latency() -> None:
    text = diagnose(runs(wall=1.1, start_latency_median_s=0.05, parts={Part.START: 0.1}))
    assert text == (
        "the last task waited 100.00 ms for a busy scheduler (median start latency 50.00 ms)"
    )


def test_join_steps_and_rest_have_their_own_sentences() -> None:
    assert (
        diagnose(runs(wall=1.1, parts={Part.JOIN: 0.1}))
        == "gathering took 100.00 ms after the last task ended"
    )
    assert (
        diagnose(runs(wall=1.1, parts={Part.STEPS: 0.1}))
        == "steps overran their nominal time by 100.00 ms"
    )
    assert (
        diagnose(runs(wall=1.1, parts={Part.REST: 0.1})) == "100.00 ms not explained by the trace"
    )


def test_a_strong_second_cause_is_named_too() -> None:
    text = diagnose(
        runs(wall=1.1, start_latency_median_s=0.03, parts={Part.START: 0.06, Part.SPAWN: 0.04})
    )
    assert text.startswith("the last task waited 60.00 ms")
    assert text.endswith("; spawning took 40.00 ms (10.00 ms per task)")
    weak = diagnose(
        runs(wall=1.1, start_latency_median_s=0.03, parts={Part.START: 0.09, Part.SPAWN: 0.01})
    )
    assert "spawning" not in weak


def test_no_ok_run_means_no_diagnosis() -> None:
    failed = [r.__class__(**{**r.to_dict(), "status": Status.FAILED}) for r in runs()]
    assert diagnose(failed) == ""


def test_cpu_excess_in_a_pool_is_not_blamed_on_the_gil() -> None:
    text = diagnose(runs(ideal=0.5, wall=0.56, cpu_s=0.01, parts={Part.CPU: 0.06}))
    assert text == (
        "CPU work took 60.00 ms longer than calibrated, in other processes "
        "(this one used 0.0 of 2 cores)"
    )


def test_a_part_larger_than_the_overhead_is_quoted_as_the_whole_overhead() -> None:
    # blocked 2.0 s, but the lane was 0.5 s shorter than the critical path: overhead 1.5 s
    text = diagnose(
        runs(
            wall=2.5,
            blocked_steps=3,
            blocked_tasks_s=2.0,
            blocked_main_s=0.5,
            parts={Part.BLOCKED: 2.0, Part.REST: -0.5},
        )
    )
    assert text.endswith(": 1.500 s of the overhead")


def test_late_requests_name_the_mean_extra_time_per_request() -> None:
    text = diagnose(
        runs(
            ideal=0.05,
            wall=0.15,
            io_late_mean_s=0.06,
            io_late_p99_s=0.09,
            parts={Part.IO_LATE: 0.1},
        )
    )
    assert text == (
        "each request took 60.00 ms longer than the server's latency on average "
        "(p99 90.00 ms: connecting, syscalls, waking up to the answer)"
    )


def test_a_pool_bound_names_the_queueing() -> None:
    text = diagnose(runs(ideal=0.1, wall=0.5, parts={Part.POOL: 0.4}))
    assert text == "the last task queued 400.00 ms for a free worker of the pool"


def test_every_part_has_a_sentence_whose_figures_all_exist() -> None:
    # a placeholder naming no record field (a typo in Part.cause) raises here, not in a report
    sentences = {part: diagnose(runs(wall=1.5, cpu_s=0.9, parts={part: 0.5})) for part in Part}
    assert all(text and "{" not in text for text in sentences.values()), sentences
    assert len(set(sentences.values())) == len(Part)  # each names its own cause
