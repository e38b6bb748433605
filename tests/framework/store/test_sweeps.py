"""The sweep log read back from hostile files: an impossible number is dropped, so the
drift line of every report stays readable, and a log that cannot be read is a warning."""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Iterator
from html import escape
from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework.analysis.drift import sweep_notes
from concbench.framework.measure.calibration import Calibration
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.resultstore import ResultStore, read_records
from concbench.framework.store.sweeps import read_sweeps, sweep_path

GOOD: dict[str, object] = {"at_s": 0.0, "seq": 0, "spin_s": 0.005, "fanout_s": 0.002,
                           "spin_noise": 0.01, "fanout_noise": 0.02}  # fmt: skip
LATER = GOOD | {"at_s": 4.0, "spin_s": 0.0055}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real store of one tiny run, its sweep log to be replaced by each test."""
    path = tmp_path_factory.mktemp("swept") / "s.jsonl"
    jobs = plan(default_registry(), "cpu", {"tasks": 1, "seconds": 0.001}, [("asyncio", {})])
    settings = RunSettings(repeat=1, warmup=0)
    Runner(ResultStore(path), settings, environment={"x": 1}, calibration=Calibration(2e7)).run(
        jobs
    )
    return path


def _log(store: Path, *lines: str) -> Path:
    sweep_path(store).unlink(missing_ok=True)
    sweep_path(store).write_text("".join(line + "\n" for line in lines))
    return store


HOSTILE: dict[str, list[dict[str, object]]] = {
    "a noise of 1e308 (printed inf%)": [
        {**GOOD, "spin_noise": 1e308}, {**LATER, "spin_noise": 1e308}
    ],
    "a tiny and a huge timing (a 300-digit drift)": [
        {**GOOD, "spin_s": 1e-308}, {**LATER, "spin_s": 1e308}
    ],
    "infinite timings": [{**GOOD, "spin_s": "Infinity"}, {**LATER, "spin_s": "Infinity"}],
    "NaN everywhere": [{**GOOD, "at_s": "NaN", "fanout_noise": "NaN"}, {**LATER, "spin_s": "NaN"}],
    "a time of 1e308 (a 310-digit duration)": [GOOD, {**LATER, "at_s": 1e308}],
    "booleans for numbers": [{**GOOD, "spin_s": True}, {**LATER, "spin_noise": False}],
}  # fmt: skip
CALIBRATIONS = [
    {"rate": 2e7, "change": 1e300},
    {"rate": 2e7, "change": "NaN"},
    {"rate": 2e7, "change": True},  # read as +100% before
    {"rate": -1, "rate_after": "Infinity", "change": -5},
]


def _line(samples: list[dict[str, object]], calibration: object = None) -> str:
    sweep: dict[str, object] = {"canary": samples}
    if calibration is not None:
        sweep["calibration"] = calibration
    # NaN and Infinity as JSON's extension writes them: json.loads reads them back
    return re.sub(r'"(NaN|Infinity)"', r"\1", json.dumps(sweep))


def _readable(note: str) -> None:
    assert "inf" not in note
    assert "nan" not in note
    assert not re.search(r"\d{8}", note), note  # no number of 8 digits or more


@pytest.mark.parametrize("name", list(HOSTILE))
def test_an_impossible_canary_number_is_dropped_and_the_drift_line_stays_readable(
    store: Path, name: str
) -> None:
    _log(store, _line(HOSTILE[name]))
    [note] = sweep_notes(read_sweeps(store))
    _readable(note)


@pytest.mark.parametrize("calibration", CALIBRATIONS)
def test_an_impossible_calibration_change_is_dropped(
    store: Path, calibration: dict[str, object]
) -> None:
    _log(store, _line([GOOD, LATER], calibration))
    [sweep] = read_sweeps(store)
    [note] = sweep_notes([sweep])
    _readable(note)
    assert "CPU rate after the last job" not in note
    assert "change" not in sweep["calibration"]


def test_possible_numbers_and_other_fields_are_kept(store: Path) -> None:
    line = {"env": "e", "finished": True, "processes": 5, "canary": [GOOD, LATER],
            "calibration": {"rate": 2e7, "source": "measured", "rate_after": 2.1e7,
                            "change": 0.05}}  # fmt: skip
    _log(store, json.dumps(line))
    assert read_sweeps(store) == [line]


def test_every_report_format_shows_a_readable_drift_line(store: Path, tmp_path: Path) -> None:
    _log(store, *(_line(samples, CALIBRATIONS[0]) for samples in HOSTILE.values()))
    html, md, summary = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "r.json"
    argv = ["report", str(store), "--html", str(html), "--markdown", str(md)]
    assert main([*argv, "--json", str(summary)]) == 0
    notes = json.loads(summary.read_text())["notes"]
    assert len(notes) == len(HOSTILE)
    for note in notes:
        _readable(note)
        assert escape(note) in html.read_text()
    lines = [line for line in md.read_text().splitlines() if "during the sweep" in line]
    assert len(lines) == len(HOSTILE)  # Markdown escapes its own characters in them
    for line in lines:
        _readable(line)


@pytest.fixture
def deadline() -> Iterator[None]:
    """A read that blocks (a FIFO without a writer) fails the test instead of hanging it."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError("the read blocked")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(10)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_sweep_log_that_cannot_be_read_is_a_warning_and_the_report_goes_on(
    store: Path, kind: str, deadline: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, a directory was an ``IsADirectoryError`` traceback from ``report``, and a
    FIFO blocked it forever."""
    sweep_path(store).unlink(missing_ok=True)
    if kind == "directory":
        sweep_path(store).mkdir()
    else:
        os.mkfifo(sweep_path(store))
    try:
        with pytest.warns(UserWarning, match="cannot read the sweep log"):
            assert read_sweeps(store) == []
        assert main(["report", str(store)]) == 0
        assert "cannot read the sweep log" in capsys.readouterr().err
    finally:
        if kind == "directory":
            sweep_path(store).rmdir()
        else:
            sweep_path(store).unlink()


@pytest.mark.parametrize("kind", ["sweep", "env", "traces"])
def test_a_new_stores_side_file_that_is_a_directory_is_refused_before_anything_runs(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, a directory where a new store's sweep log goes failed the sweep after its
    last run (and one where its traces go dropped every trace)."""
    out = tmp_path / "new.jsonl"
    beside = tmp_path / f"new.{kind}.jsonl"
    beside.mkdir()
    argv = ["run", "fanout", "-p", "tasks=2", "-p", "seconds=0.001", "-b", "asyncio"]
    assert main([*argv, "--processes", "1", "--warmup", "0", "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"its {kind} file {beside} is a directory" in err
    assert not out.exists() or read_records(out) == []
