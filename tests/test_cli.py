"""The command line end to end: real worker processes, real result files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concbench.cli import main


def test_list_shows_backends_with_availability_and_scenarios_with_parameters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("asyncio", "uvloop", "trio", "threads", "seed", "seed-blocking", "fanout", "cpu"):
        assert name in out
    assert "tasks=1000: an integer from 1 to 1e+07; number of concurrent tasks" in out
    assert "workers=0" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", "fanout", "-p", "tasks=-3"],
            "parameter 'tasks' must be an integer from 1 to 1e+07, got '-3'",
        ),
        (["run", "fanout", "-p", "task=3"], "unknown parameter 'task' (did you mean 'tasks'?)"),
        (["run", "fanout", "-p", "tasks"], "-p/--param expects name=value, got 'tasks'"),
        (["run", "fanuot"], "unknown scenario 'fanuot' (did you mean 'fanout'?)"),
        (["run", "seed", "-b", "tiro"], "unknown backend 'tiro' (did you mean 'trio'?)"),
        (
            ["run", "seed", "-b", "threads", "-o", "workers=-1"],
            "parameter 'workers' must be an integer from 0 to",
        ),
        (
            ["run", "seed", "-b", "asyncio", "-o", "workers=4"],
            "no selected backend has option 'workers'",
        ),
        (["compare", "-s", "sead"], "unknown scenario 'sead' (did you mean 'seed'?)"),
        (["compare", "-b", "asyncoi"], "unknown backend 'asyncoi' (did you mean 'asyncio'?)"),
        (
            ["run", "seed", "-b", "threads", "-o", "worker=4"],
            "no selected backend has option 'worker' (did you mean 'workers'?)",
        ),
        (["report", "/nonexistent/file.jsonl"], "no such result file"),
        (["report", "/"], "cannot read (Is a directory)"),
        (["run", "seed", "--resume"], "--resume needs --out FILE"),
        (["run", "seed", "--retry-faults"], "--retry-faults only applies with --resume"),
    ],
)
def test_bad_input_is_refused_before_anything_runs(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.jsonl"
    given_out = argv[0] in ("run", "compare") and "--resume" not in argv
    extra = ["--out", str(out)] if given_out else []
    assert main(argv + extra) == 2
    err = " ".join(capsys.readouterr().err.split())  # undo rich's line wrapping
    assert message in err
    assert not out.exists()


def test_run_measures_stores_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "seed.jsonl"
    argv = ["run", "seed", "-p", "scale=0.2", "--repeat", "2", "--warmup", "0", "--out", str(out)]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ok = [r for r in records if r["status"] == "ok"]
    skipped = [r for r in records if r["status"] == "skipped"]
    runnable = {r["backend"] for r in ok}
    assert runnable >= {"asyncio", "threads"}  # the standard library's backends always run
    assert len(ok) == 2 * len(runnable)  # two counted runs each; warm-ups are not stored
    assert len(skipped) == len({r["backend"] for r in skipped})  # one record says why
    for record in ok:
        assert record["serial_s"] == pytest.approx(0.5)
        assert record["ideal_s"] == pytest.approx(0.2)
        assert 0.99 * 0.2 <= record["wall_s"] < 0.6 * 0.5
        assert record["overhead_s"] == pytest.approx(record["wall_s"] - 0.2)
    shown = capsys.readouterr().out
    assert "seed (scale=0.2)" in shown
    assert str(out.name) in shown

    assert main(["report", str(out)]) == 0
    again = capsys.readouterr().out
    for backend in {r["backend"] for r in ok}:
        assert backend in again


def test_threads_options_make_their_own_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "pool.jsonl"
    argv = [
        "run",
        "fanout",
        "-p",
        "tasks=20",
        "-p",
        "seconds=0.05",
        "-b",
        "threads",
        "-o",
        "workers=5",
        "--repeat",
        "1",
        "--warmup",
        "0",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    [record] = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["options"] == {"workers": 5}
    assert record["wall_s"] >= 0.99 * 4 * 0.05  # 20 tasks through 5 workers: 4 rounds
    assert "threads(workers=5)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--repeat", "abc"], "argument --repeat: must be an integer >= 1, got 'abc'"),
        (["--repeat", "0"], "argument --repeat: must be an integer >= 1, got '0'"),
        (["--warmup", "-1"], "argument --warmup: must be an integer >= 0, got '-1'"),
        (["--processes", "2.5"], "argument --processes: must be an integer >= 1, got '2.5'"),
        (["--timeout", "-1"], "argument --timeout: must be a number of seconds > 0, got '-1'"),
        (["--timeout", "nan"], "argument --timeout: must be a number of seconds > 0, got 'nan'"),
        (["--timeout", "inf"], "argument --timeout: must be a number of seconds > 0, got 'inf'"),
        (["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_bad_settings_are_refused_by_the_argument_parser_with_what_is_allowed(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.jsonl"
    with pytest.raises(SystemExit) as exit_:
        main(["run", "seed", "--out", str(out), *argv])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_timeout_beyond_a_week_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "seed", "--timeout", "1e9", "--out", str(tmp_path / "r.jsonl")]) == 2
    assert "--timeout must be a number of seconds > 0 and <= 604800" in capsys.readouterr().err


def test_an_unwritable_store_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "seed", "--out", str(tmp_path)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{tmp_path}: cannot write results here (Is a directory)" in err


def test_resuming_a_corrupt_store_is_refused_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text("not json\n{}\n")
    assert main(["run", "seed", "--out", str(out), "--resume"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "r.jsonl:1: not a JSON record" in err
    assert out.read_text() == "not json\n{}\n"  # left as it was
