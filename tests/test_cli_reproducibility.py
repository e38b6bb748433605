"""The reproducibility options of `run` and `compare`, end to end through the CLI."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework.measure.calibration import Calibration
from concbench.framework.measure.environment import env_path
from concbench.framework.measure.registry import default_registry
from concbench.framework.measure.runner import Runner, RunSettings, plan
from concbench.framework.store.resultstore import ResultStore

CPU = ["run", "cpu", "-p", "tasks=1", "-p", "seconds=0.02", "-b", "asyncio", "--warmup", "0",
       "--processes", "1"]  # fmt: skip


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("missing.jsonl", "--calibration: {tmp}/missing.jsonl does not exist"),
        ("empty.jsonl", "--calibration: {tmp}/empty.jsonl holds no CPU calibration"),
    ],
)
def test_a_bad_calibration_store_fails_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], given: str, message: str
) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    out = tmp_path / "out.jsonl"
    argv = [*CPU, "--out", str(out), "--calibration", str(tmp_path / given)]
    assert main(argv) == 2
    assert message.format(tmp=tmp_path) in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


def test_retries_must_be_a_count(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([*CPU, "--retries-disturbed", "-1"])
    assert "must be an integer from 0 to 100, got '-1'" in capsys.readouterr().err


def test_a_second_sweep_reuses_the_first_ones_calibration_and_reports_its_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert main([*CPU, "--repeat", "1", "--out", str(first)]) == 0
    assert "during the sweep (canary" in capsys.readouterr().out
    argv = [*CPU, "--repeat", "1", "--out", str(second), "--calibration", str(first)]
    assert main([*argv, "--keep-disturbed", "--order-seed", "3"]) == 0
    rates = [
        {json.loads(line)["calibration_rate"] for line in path.read_text().splitlines()}
        for path in (first, second)
    ]
    assert rates[0] == rates[1]
    assert len(rates[0]) == 1
    [env] = [json.loads(line) for line in second.with_name("second.env.jsonl").open()]
    assert env["calibration"]["source"] == str(first)
    assert env["order_seed"] == 3
    records = [json.loads(line) for line in second.read_text().splitlines()]
    assert [(r["attempt"], r["counted"]) for r in records] == [(0, True)]  # kept, not re-run
    assert main(["report", str(second)]) == 0
    assert "during the sweep (canary" in capsys.readouterr().out
    markdown = tmp_path / "diff.md"
    assert main(["diff", str(first), str(second), "--markdown", str(markdown)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "the canary from BASE to NEW (" in out
    assert "the canary from BASE to NEW (" in markdown.read_text()
    # a sweep log that is not a file is context lost, not a failed diff
    log = second.with_name("second.sweep.jsonl")
    log.unlink()
    log.mkdir()
    assert main(["diff", str(first), str(second)]) == 0
    assert "the canary from BASE" not in capsys.readouterr().out


def test_the_sweeps_drift_line_is_in_every_report_file(tmp_path: Path) -> None:
    store = tmp_path / "s.jsonl"
    assert main([*CPU, "--repeat", "1", "--out", str(store)]) == 0
    html, md, summary = tmp_path / "r.html", tmp_path / "r.md", tmp_path / "r.json"
    argv = ["report", str(store), "--html", str(html), "--markdown", str(md)]
    assert main([*argv, "--json", str(summary)]) == 0
    assert "during the sweep (canary" in html.read_text()
    assert "during the sweep (canary" in md.read_text()
    [note] = json.loads(summary.read_text())["notes"]
    assert "during the sweep (canary" in note


@pytest.fixture(scope="module")
def cpu_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny real cpu run at a known rate, its store to copy and damage."""
    store = tmp_path_factory.mktemp("calibrated") / "cpu.jsonl"
    jobs = plan(default_registry(), "cpu", {"tasks": 1, "seconds": 0.005}, [("asyncio", {})])
    settings = RunSettings(repeat=1, warmup=0)
    calibration = Calibration(2e7)
    runner = Runner(ResultStore(store), settings, environment={"x": 1}, calibration=calibration)
    runner.run(jobs)
    return store


def _copy_with(store: Path, target: Path, *, rate: object = None, env_rate: object = None) -> Path:
    """``store`` copied to ``target``, its records' rate (``rate``) or its environment's
    (``env_rate``, the records then keep none, as older stores do) replaced."""
    records = [json.loads(line) for line in store.read_text().splitlines()]
    for record in records:
        if rate is not None or env_rate is not None:
            record.pop("calibration_rate")
        if rate is not None:
            record["calibration_rate"] = rate
    target.write_text("".join(json.dumps(record) + "\n" for record in records))
    envs = [json.loads(line) for line in env_path(store).read_text().splitlines()]
    for env in envs:
        if env_rate is not None:
            env["calibration"]["rate"] = env_rate
    env_path(target).write_text("".join(json.dumps(env) + "\n" for env in envs))
    return target


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ({"rate": -5}, "a CPU calibration of -5 iterations/s"),
        ({"rate": 0}, "a CPU calibration of 0 iterations/s"),
        ({"rate": 1}, "a CPU calibration of 1 iterations/s"),
        # from the environment file: 1e308 made every cpu step run until its timeout
        ({"env_rate": 1e308}, "a CPU calibration of 1e+308 iterations/s"),
    ],
)
def test_a_store_with_an_impossible_calibration_is_refused_before_anything_runs(
    cpu_store: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: dict[str, object],
    message: str,
) -> None:
    bad = _copy_with(cpu_store, tmp_path / "bad.jsonl", **damage)
    out = tmp_path / "out.jsonl"
    assert main([*CPU, "--out", str(out), "--calibration", str(bad)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"--calibration: {message} ({bad}) is not possible" in err
    assert "from 10000 to 1e+11" in err
    assert not out.exists()


def test_resuming_a_store_with_an_impossible_calibration_is_refused(
    cpu_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _copy_with(cpu_store, tmp_path / "bad.jsonl", env_rate=1e308)
    before = bad.read_text()
    assert main([*CPU, "--out", str(bad), "--resume", "--repeat", "2"]) == 2
    assert "a CPU calibration of 1e+308 iterations/s" in capsys.readouterr().err
    assert bad.read_text() == before


def test_a_directory_or_a_store_without_cpu_work_is_named_for_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.jsonl"
    assert main([*CPU, "--out", str(out), "--calibration", str(tmp_path)]) == 2
    assert f"--calibration: {tmp_path} is a directory" in capsys.readouterr().err
    fanout = tmp_path / "fanout.jsonl"
    argv = ["run", "fanout", "-p", "tasks=2", "-p", "seconds=0.001", "-b", "asyncio"]
    assert main([*argv, "--processes", "1", "--warmup", "0", "--out", str(fanout)]) == 0
    capsys.readouterr()
    assert main([*CPU, "--out", str(out), "--calibration", str(fanout)]) == 2
    assert "its sweeps ran no cpu work" in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


def test_a_store_of_several_calibrations_says_which_one_it_lends(
    cpu_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two sweeps appended to one store, each at its own rate: the last one's is used,
    and the warning says so instead of picking one in silence."""
    first = _copy_with(cpu_store, tmp_path / "first.jsonl", rate=3e7)
    second = _copy_with(cpu_store, tmp_path / "second.jsonl", rate=4e7)
    both = tmp_path / "both.jsonl"
    both.write_text(first.read_text() + second.read_text().replace('"id": "', '"id": "2'))
    env_path(both).write_text(env_path(first).read_text())
    out = tmp_path / "out.jsonl"
    assert main([*CPU, "--out", str(out), "--calibration", str(both), "--keep-disturbed"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "holds 2 CPU calibrations" in err
    assert "using its last sweep's, 4e+07 iterations/s (the others: 3e+07)" in err
    assert {json.loads(line)["calibration_rate"] for line in out.read_text().splitlines()} == {4e7}


def test_retries_with_keep_disturbed_are_refused_rather_than_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The runner runs nothing again when disturbed runs are kept: an explicit retry count
    beside --keep-disturbed was dropped in silence."""
    out = tmp_path / "out.jsonl"
    argv = [*CPU, "--out", str(out), "--keep-disturbed", "--retries-disturbed", "2"]
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--retries-disturbed 2 does nothing with --keep-disturbed" in err
    assert not out.exists()
    assert main([*CPU, "--out", str(out), "--keep-disturbed", "--retries-disturbed", "0"]) == 0


def test_a_diff_that_compares_nothing_says_so_and_fails_a_gate(
    cpu_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Stores with no row in common (a renamed workload, the wrong file): before, the
    table listed 'only in base' and 'only in new', and --fail-above passed with 0."""
    other = tmp_path / "other.jsonl"
    other.write_text(cpu_store.read_text().replace('"tasks": 1,', '"tasks": 3,'))
    assert main(["diff", str(cpu_store), str(other)]) == 0
    assert "nothing was compared" in " ".join(capsys.readouterr().out.split())
    assert main(["diff", str(cpu_store), str(other), "--fail-above", "10"]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "--fail-above: nothing was compared, so nothing passed the gate" in out
    assert main(["diff", str(cpu_store), str(cpu_store), "--fail-above", "10"]) == 0


@pytest.mark.parametrize(
    ("given", "shown"), [("1e308", "1e+308%"), ("0.5%", "0.5%"), ("10", "10%")]
)
def test_the_gate_is_shown_as_given_never_in_300_digits(
    cpu_store: Path, capsys: pytest.CaptureFixture[str], given: str, shown: str
) -> None:
    assert main(["diff", str(cpu_store), str(cpu_store), "--fail-above", given]) == 0
    out = capsys.readouterr().out
    assert f"no regression beyond {shown} was called" in out
    assert not re.search(r"\d{20}", out)


def test_a_resume_refuses_a_calibration_other_than_the_one_its_sweep_began_with(
    cpu_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, --resume --calibration OTHER ran the missing runs at OTHER's rate beside
    the stored ones: one row of two amounts of work, in silence."""
    resumed = _copy_with(cpu_store, tmp_path / "resumed.jsonl")  # began at 2e7
    other = _copy_with(cpu_store, tmp_path / "other.jsonl", rate=3e7)
    before = resumed.read_text()
    argv = [*CPU, "--out", str(resumed), "--resume", "--repeat", "2", "--keep-disturbed"]
    assert main([*argv, "--calibration", str(other)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "has a CPU rate of 3e+07 iterations/s, but the sweep in" in err
    assert f"{resumed} began with 2e+07" in err
    assert resumed.read_text() == before
    same = _copy_with(cpu_store, tmp_path / "same.jsonl")
    assert main([*argv, "--calibration", str(same)]) == 0  # the same rate: fine
    rates = {json.loads(line)["calibration_rate"] for line in resumed.read_text().splitlines()}
    assert rates == {2e7}
