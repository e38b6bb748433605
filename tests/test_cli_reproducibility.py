"""The reproducibility options of `run` and `compare`, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from concbench.cli import main

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
