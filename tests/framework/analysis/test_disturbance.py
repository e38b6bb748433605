"""Disturbed runs: shown and noted, left out of the statistics, replaced attempts never used."""

from __future__ import annotations

import math
from typing import Any

import pytest

from concbench.framework.analysis.disturbance import disturbance_notes, replaced, used_runs
from concbench.framework.analysis.drift import between_stores, drift_of, sweep_notes
from concbench.framework.analysis.summary import group_records
from concbench.framework.store.records import RunRecord, Status


def record(wall_s: float, run: int = 0, **fields: Any) -> RunRecord:
    defaults: dict[str, Any] = {"seq": 0, "process": 0, "env": "e1"}
    return RunRecord(
        scenario="cpu",
        params={"tasks": 2},
        backend="asyncio",
        status=Status.OK,
        tasks=2,
        serial_s=0.5,
        ideal_s=0.5,
        python="3.11.7",
        wall_s=wall_s,
        run=run,
        **(defaults | fields),
    )


def test_disturbed_runs_are_left_out_of_the_median_and_noted() -> None:
    records = [
        record(0.50, 0),
        record(0.52, 1),
        record(0.90, 2, disturbed=True, counted=False),
    ]
    [group] = group_records(records)
    [row] = group.rows
    assert row.wall is not None
    assert row.wall.n == 2
    assert row.wall.maximum == 0.52
    assert "1 of 3 runs disturbed (not counted)" in row.note
    assert len(row.records) == 3  # still shown


def test_kept_disturbed_runs_count() -> None:
    records = [record(0.50, 0), record(0.90, 1, disturbed=True, counted=True)]
    [row] = group_records(records)[0].rows
    assert row.wall is not None
    assert row.wall.n == 2
    assert "1 of 2 runs disturbed (counted, as asked)" in row.note


def test_a_replaced_attempt_is_never_used_and_the_notes_count_it() -> None:
    first = record(0.90, 0, disturbed=True, counted=False, attempt=0)
    second = record(0.51, 0, attempt=1)
    records = [first, second, record(0.50, 1)]
    assert replaced(records) == {0}
    assert used_runs(records) == [second, records[2]]
    assert disturbance_notes(records) == ["1 disturbed runs replaced by a re-run"]


def test_when_every_run_is_disturbed_the_standing_ones_give_figures_and_say_so() -> None:
    records = [
        record(0.90, 0, disturbed=True, counted=False, attempt=0),
        record(0.80, 0, disturbed=True, counted=False, attempt=1),
        record(0.85, 1, disturbed=True, counted=False),
    ]
    assert used_runs(records) == records[1:]
    [row] = group_records(records)[0].rows
    assert row.wall is not None
    assert row.wall.n == 2
    assert "all 2 runs disturbed by other programs: figures unreliable" in row.note


def test_older_records_are_never_taken_for_replaced_attempts() -> None:
    """Stores from before re-runs have no seq: two sweeps appended to one store repeat
    (process, run) and both count."""
    records = [record(0.5, 0, seq=None, env=""), record(0.6, 0, seq=None, env="")]
    assert replaced(records) == set()
    assert used_runs(records) == records
    assert disturbance_notes(records) == []


def test_a_worker_whose_check_disagrees_is_noted() -> None:
    records = [
        record(0.5, 0, calibration_drift=0.02),
        record(0.5, 0, seq=1, calibration_drift=-0.3),
    ]
    assert disturbance_notes(records) == [
        "1 worker(s) measured a CPU rate more than 10% off the sweep's calibration"
    ]


def test_the_canary_trend_is_the_drift_line() -> None:
    """The later half's median against the earlier half's, beyond the samples' own
    jitter: a step that stays (the cpu loop from 10 to 12 ms) is drift."""
    sweep = {
        "canary": [
            {"at_s": 0.0, "spin_s": 0.010, "fanout_s": 0.005},
            {"at_s": 20.0, "spin_s": 0.010, "fanout_s": 0.0050},
            {"at_s": 30.0, "spin_s": 0.010, "fanout_s": 0.0051},
            {"at_s": 40.0, "spin_s": 0.012, "fanout_s": 0.0050},
            {"at_s": 60.0, "spin_s": 0.012, "fanout_s": 0.0050},
        ],
        "calibration": {"rate": 1e7, "change": -0.03},
    }
    drift = drift_of(sweep)
    assert drift is not None
    assert abs(drift.spreads["spin_s"] - 0.2) < 1e-9  # halves: 2 and 2, the middle in neither
    assert abs(drift.spreads["fanout_s"] - 0.0) < 1e-9
    assert drift.duration_s == 60.0
    # successive steps 0, 0, +20%, 0: one sample's sd sqrt(0.04 / 4 / 2); halves of two
    assert abs(drift.own_noise["spin_s"] - 1.96 * math.sqrt(0.04 / 8)) < 1e-3
    [line] = sweep_notes([sweep])
    assert line.startswith("the machine drifted 20% during the sweep (canary, 5 samples over 60 s")
    assert "cpu loop +20% (beyond its own noise of 14%)" in line
    assert "asyncio fan-out +0% (within its own noise of" in line
    assert "CPU rate after the last job -3%" in line
    assert "beyond the noise threshold of 5%" in drift.note(noise=0.05)
    assert "noise threshold" not in drift.note(noise=0.3)


def test_a_spike_is_the_canarys_jitter_not_drift() -> None:
    """One slow sample (30 ms among 10 ms ones) moves the halves little and the steps
    between samples a lot: within the canary's own noise, as a range would not be."""
    spiky = {"canary": [{"at_s": s, "spin_s": v, "fanout_s": 0.005} for s, v in
                        enumerate([0.010, 0.010, 0.030, 0.0101, 0.010, 0.030, 0.010])]}  # fmt: skip
    drift = drift_of(spiky)
    assert drift is not None
    assert drift.own_noise["spin_s"] > 0.5
    assert drift.largest == 0.0
    assert drift.note().startswith("no drift beyond the canary's own noise")


def test_a_change_within_the_canarys_own_noise_is_not_called_drift() -> None:
    """Each sample keeps how far its second-fastest timing was from its fastest: a change
    of the halves inside that is the canary's noise, not the machine's drift."""
    samples = [
        (0.010, 0.30, 0.0050, 0.01),
        (0.010, 0.25, 0.0050, 0.01),
        (0.012, 0.35, 0.0060, 0.01),
        (0.012, 0.30, 0.0060, 0.01),
    ]
    sweep = {
        "canary": [
            {"at_s": 10.0 * i, "spin_s": s, "spin_noise": sn, "fanout_s": f, "fanout_noise": fn}
            for i, (s, sn, f, fn) in enumerate(samples)
        ]
    }
    drift = drift_of(sweep)
    assert drift is not None
    between = 1.96 * math.sqrt(0.04 / 3 / 2)  # steps 0, +20%, 0; halves of two samples
    assert drift.own_noise["spin_s"] == 0.30  # its samples' own noise is the larger
    assert abs(drift.own_noise["fanout_s"] - between) < 1e-3  # the jitter between samples is
    assert abs(drift.largest - 0.2) < 1e-9  # the fan-out's +20% passed its 16% noise
    line = drift.note()
    assert line.startswith("the machine drifted 20% during the sweep")
    assert "cpu loop +20% (within its own noise of 30%)" in line
    assert "asyncio fan-out +20% (beyond its own noise of 16%)" in line
    for sample in sweep["canary"]:
        sample["fanout_noise"] = 0.5
    quiet = drift_of(sweep)
    assert quiet is not None
    assert quiet.largest == 0.0
    assert quiet.note().startswith("no drift beyond the canary's own noise during the sweep")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0, 0.0, "fast", True, None])
def test_a_damaged_canary_value_is_left_out_of_the_line(bad: object) -> None:
    samples = [{"at_s": i, "spin_s": 0.010, "fanout_s": 0.005, "spin_noise": 0.01,
                "fanout_noise": 0.01} for i in range(4)]  # fmt: skip
    samples[1]["spin_s"] = bad  # type: ignore[assignment]
    samples[2]["fanout_noise"] = bad  # type: ignore[assignment]
    drift = drift_of({"canary": samples})
    assert drift is not None
    line = drift.note(noise=0.1)
    assert "nan" not in line
    assert "inf" not in line
    assert drift.spreads == {"spin_s": 0.0, "fanout_s": 0.0}


def test_an_absurd_canary_figure_is_shown_as_such_not_as_a_311_digit_percentage() -> None:
    samples = [{"at_s": i, "spin_s": 0.010 if i < 2 else 1e300, "fanout_s": 0.005,
                "spin_noise": 1e308, "fanout_noise": 0.01} for i in range(4)]  # fmt: skip
    drift = drift_of({"canary": samples})
    assert drift is not None
    line = drift.note(noise=0.1)
    assert "inf" not in line
    assert len(line) < 400
    assert "over +1000%" in line


def test_a_sweep_with_too_few_canary_samples_gives_no_line() -> None:
    assert drift_of({"canary": [{"at_s": 0, "spin_s": 0.01, "fanout_s": 0.01}]}) is None
    assert drift_of({}) is None
    assert sweep_notes([{"canary": "garbage"}]) == []


def _sweep_of(spins: list[float]) -> dict[str, Any]:
    return {"canary": [{"at_s": i, "spin_s": v, "fanout_s": 0.005} for i, v in enumerate(spins)]}


def test_the_canary_between_two_stores_names_the_machines_move() -> None:
    """Steady samples within each store, 10% slower in the new one: beyond the jitter."""
    base = [_sweep_of([0.0100, 0.0101, 0.0100, 0.0099]), _sweep_of([0.0100, 0.0100, 0.0101])]
    new = [_sweep_of([0.0110, 0.0111, 0.0110, 0.0109])]
    line = between_stores(base, new)
    assert line is not None
    assert line.startswith("the canary from BASE to NEW (7 samples against 4)")
    assert "cpu loop +10% (beyond its own noise of 1%)" in line
    assert "asyncio fan-out +0% (within" in line
    assert "may have moved with the machine" in line


def test_a_jittery_canary_does_not_name_a_move_between_stores() -> None:
    base = [_sweep_of([0.010, 0.014, 0.010, 0.013])]
    new = [_sweep_of([0.011, 0.015, 0.011, 0.014])]
    line = between_stores(base, new)
    assert line is not None
    assert "cpu loop +" in line
    assert "(within its own noise of" in line
    assert line.endswith("the machine did not move beyond the canary's own noise")


def test_no_canary_on_a_side_gives_no_line_between_stores() -> None:
    assert between_stores([], [_sweep_of([0.01, 0.01])]) is None
    assert between_stores([{"canary": "garbage"}], [_sweep_of([0.01])]) is None
    damaged = {"canary": [{"at_s": 0, "spin_s": math.nan, "fanout_s": "fast"}]}
    assert between_stores([damaged], [_sweep_of([0.01])]) is None


def test_a_sample_without_its_time_leaves_the_duration_out_not_zero() -> None:
    samples = [
        {"at_s": 0.0, "spin_s": 0.01, "fanout_s": 0.005},
        {"spin_s": 0.01, "fanout_s": 0.005},
    ]
    drift = drift_of({"canary": samples})
    assert drift is not None
    assert "(canary, 2 samples, second half" in drift.note()
