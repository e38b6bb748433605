"""The command line end to end: real worker processes, real result files."""

from __future__ import annotations

import dataclasses
import json
import resource
from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework.measure.registry import Registry
from support import plugins
from support.standing import standing


def test_list_shows_backends_with_availability_and_scenarios_with_parameters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name in ("asyncio", "uvloop", "trio", "threads", "seed", "seed-blocking", "fanout", "cpu"):
        assert name in out
    for name in ("requests", "bounded", "pipeline", "spawn", "timers", "mixed", "chain"):
        assert name in out
    assert "tasks=1000: an integer from 1 to 1e+07; number of concurrent tasks" in out
    assert "limit=10: an integer from 1 to 1e+06; most tasks running at once" in out
    assert "kind=sleep: one of 'sleep', 'cpu', 'io'" in out
    assert "workers=0" in out


def test_list_shows_clients_drivers_and_servers_and_why_one_is_missing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONCBENCH_POSTGRES_BIN", str(tmp_path))  # a real, empty directory
    assert main(["list"]) == 0
    out = " ".join(capsys.readouterr().out.split())  # table cells wrap
    for library in ("httpx", "aiohttp", "urllib3", "requests", "asyncpg", "psycopg_pool"):
        assert library in out
    assert "http client=httpx" in out
    assert "postgres driver=asyncpg" in out
    assert "PostgreSQL is not installed" in out
    assert "apt-get install postgresql" in out
    assert "run sweeps" in out


def test_run_sweeps_what_the_scenario_sweeps_unless_it_is_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jsonl"
    argv = ["run", "http", "-p", "tasks=2", "-p", "seconds=0", "-p", "client=raw", "-b", "asyncio"]
    argv += ["--repeat", "1", "--processes", "1", "--warmup", "0", "--out", str(out)]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    # client was given; keepalive was not, so both of its values ran
    assert sorted({(r["params"]["client"], r["params"]["keepalive"]) for r in records}) == [
        ("raw", False),
        ("raw", True),
    ]


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
        (
            ["run", "fanout", "-p", "tasks=10,,100"],
            "-p/--param: tasks='10,,100' has an empty value in its list",
        ),
        (
            ["run", "fanout", "-p", "tasks=10,x"],
            "parameter 'tasks' must be an integer from 1 to 1e+07, got 'x'",
        ),
        (["run", "fanout", "-p", "tasks=10,10"], "tasks='10,10' lists '10' more than once"),
        (["run", "seed", "--html", "."], "--html: '.' is a directory; give a file name"),
        (["compare", "--csv", "/"], "--csv: '/' is a directory; give a file name"),
        (["diff", "/nonexistent/a.jsonl", "/nonexistent/b.jsonl"], "no such result file"),
        (["diff", "a", "b", "--alpha", "2"], "--alpha must be between 0 and 1, got 2.0"),
        (["diff", "a", "b", "--markdown", "/"], "--markdown: '/' is a directory"),
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


@pytest.mark.timing
def test_run_measures_stores_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "seed.jsonl"
    argv = ["run", "seed", "-p", "scale=0.2", "--repeat", "2", "--processes", "1", "--warmup", "0"]
    argv += ["--out", str(out)]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ok = [r for r in records if r["status"] == "ok"]
    skipped = [r for r in records if r["status"] == "skipped"]
    runnable = {r["backend"] for r in ok}
    assert runnable >= {"asyncio", "threads"}  # the standard library's backends always run
    assert len([r for r in standing(out) if r["status"] == "ok"]) == 2 * len(runnable)
    assert len(skipped) == len({r["backend"] for r in skipped})  # one record says why
    for record in ok:
        assert record["serial_s"] == pytest.approx(0.5)
        assert record["ideal_s"] == pytest.approx(0.2)
        assert 0.99 * 0.2 <= record["wall_s"] < 0.6 * 0.5
        assert record["overhead_s"] == pytest.approx(record["wall_s"] - 0.2)
    env_ids = {r["env"] for r in records}
    [env] = [json.loads(line) for line in out.with_name("seed.env.jsonl").read_text().splitlines()]
    assert env_ids == {env["id"]}
    shown = capsys.readouterr().out
    assert "seed (scale=0.2)" in shown
    assert "where the overhead went" in shown
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
        "--processes",
        "1",
        "--warmup",
        "0",
        "--out",
        str(out),
    ]
    assert main(argv) == 0
    [record] = standing(out)
    assert record["options"] == {"workers": 5}
    assert record["wall_s"] >= 0.99 * 4 * 0.05  # 20 tasks through 5 workers: 4 rounds
    assert "threads(workers=5)" in capsys.readouterr().out


@pytest.mark.timing
def test_requests_run_against_a_real_server_on_every_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "requests.jsonl"
    argv = ["run", "requests", "-p", "tasks=100", "-p", "seconds=0.05"]
    argv += ["--repeat", "1", "--processes", "1", "--warmup", "0", "--out", str(out)]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    ok = [r for r in records if r["status"] == "ok"]
    assert {r["backend"] for r in ok} >= {"asyncio", "threads"}
    assert not [r for r in records if r["status"] not in ("ok", "skipped")]
    for record in ok:
        assert record["ideal_s"] == pytest.approx(0.05)
        assert record["wall_s"] >= 0.05  # the server never answers early
        assert record["wall_s"] < 0.6 * record["serial_s"]  # 100 requests of 0.05 s overlap
    assert "requests (tasks=100, seconds=0.05)" in capsys.readouterr().out


def test_a_backend_that_cannot_run_the_pipeline_gives_a_skipped_row_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # processes runs no put/get steps; its note once built the pipeline without channels
    # and stopped the whole command with exit 2 before any backend ran
    out = tmp_path / "pipeline.jsonl"
    argv = ["run", "pipeline", "-p", "items=20", "-p", "produce=0.0005", "-p", "work=0.002"]
    argv += ["-b", "processes", "-b", "threads", "-b", "asyncio"]
    argv += ["--repeat", "1", "--processes", "1", "--warmup", "0", "--out", str(out)]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    status = {r["backend"]: r["status"] for r in records}
    assert status == {"processes": "skipped", "threads": "ok", "asyncio": "ok"}
    (skipped,) = [r for r in records if r["backend"] == "processes"]
    assert "cannot run get, put steps" in skipped["error"]
    assert "skipped" in capsys.readouterr().out


def test_more_requests_than_the_open_file_limit_allows_are_refused_up_front(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard >= 1_000_000:
        pytest.skip("the hard open-file limit is beyond what the scenario allows")
    out = tmp_path / "never.jsonl"
    assert main(["run", "requests", "-p", f"tasks={hard}", "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"the hard limit RLIMIT_NOFILE is {hard}: raise the hard limit" in err
    assert not out.exists()


def test_a_comma_list_runs_each_value_and_every_report_file_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sweep.jsonl"
    files = {"--html": "r.html", "--markdown": "r.md", "--csv": "r.csv", "--plots": "plots"}
    argv = ["run", "fanout", "-p", "tasks=3,6", "-p", "seconds=0.02", "-b", "asyncio"]
    argv += ["--repeat", "1", "--processes", "1", "--warmup", "0", "--out", str(out)]
    argv += ["--timeline"]
    for flag, name in files.items():
        argv += [flag, str(tmp_path / name)]
    assert main(argv) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["params"]["tasks"], r["status"]) for r in standing(out)] == [(3, "ok"), (6, "ok")]
    shown = capsys.readouterr().out
    for name in ("r.html", "r.md", "r.csv", "scaling.png", "scaling.svg"):
        assert name in shown
    assert "task 5" in shown
    assert "fanout (tasks=6, seconds=0.02) on asyncio" in shown
    assert (tmp_path / "plots" / "scaling.svg").exists()
    assert "<svg" in (tmp_path / "r.html").read_text()
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 1 + len(records)

    again = tmp_path / "again.html"
    assert main(["report", str(out), "--html", str(again)]) == 0
    assert again.read_text().count("<svg") == (tmp_path / "r.html").read_text().count("<svg")


def _relabel(source: Path, target: Path, scale: float, ideal_s: float, serial_s: float) -> None:
    """Records of one workload rewritten as another's: ``params``, ``ideal_s``, ``serial_s``."""
    lines = []
    for line in source.read_text().splitlines():
        record = json.loads(line)
        record.update(params={"scale": scale}, ideal_s=ideal_s, serial_s=serial_s)
        record["overhead_s"] = record["wall_s"] - ideal_s
        lines.append(json.dumps(record, sort_keys=True))
    target.write_text("\n".join(lines) + "\n")


@pytest.mark.timing
def test_diff_exits_nonzero_for_a_regression_and_zero_for_the_same_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(scale: float, name: str) -> Path:
        out = tmp_path / f"{name}.jsonl"
        argv = ["run", "seed", "-p", f"scale={scale}", "-b", "asyncio", "--repeat", "1"]
        argv += ["--processes", "6"]
        assert main([*argv, "--out", str(out)]) == 0
        return out

    base, same = run(0.1, "base"), run(0.1, "same")
    # the regression: the same code doing 30% more waiting, relabelled as the base's workload
    _relabel(run(0.13, "longer"), tmp_path / "slower.jsonl", 0.1, 0.1, 0.25)
    slower = tmp_path / "slower.jsonl"
    capsys.readouterr()

    assert main(["diff", str(base), str(same), "--fail-above", "10%"]) == 0
    assert "no regression beyond 10% was called" in capsys.readouterr().out

    md = tmp_path / "diff.md"
    assert main(["diff", str(base), str(slower), "--fail-above", "10%", "--markdown", str(md)]) == 1
    shown = " ".join(capsys.readouterr().out.split())
    assert "1 row(s) regressed beyond 10%: asyncio on seed (scale=0.1)" in shown
    assert "slower" in md.read_text()
    assert "| seed (scale=0.1) | asyncio |" in md.read_text()

    assert main(["diff", str(base), str(slower), "--fail-above", "50"]) == 0  # 30% < 50%
    assert main(["diff", str(base), str(slower)]) == 0  # no gate: report only


def test_diff_threshold_must_be_a_percentage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["diff", "a.jsonl", "b.jsonl", "--fail-above", "ten"])
    assert stop.value.code == 2
    assert "expected a percentage >= 0 such as 10%, got 'ten'" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["ten", "-1%", "150%", "nan"])
def test_diff_noise_must_be_a_percentage_up_to_100(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["diff", "a.jsonl", "b.jsonl", f"--noise={value}"])
    assert stop.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert (
        f"argument --noise: expected a percentage from 0% to 100% such as 10%, got {value!r}" in err
    )


def test_doctor_prints_a_verdict_for_every_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    shown = capsys.readouterr().out
    for name in ("load", "busy processes", "cores", "SMT siblings", "VM steal", "timer slack"):
        assert name in shown


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--repeat", "abc"], "argument --repeat: must be an integer from 1 to 100000, got 'abc'"),
        (["--repeat", "0"], "argument --repeat: must be an integer from 1 to 100000, got '0'"),
        (["--warmup", "-1"], "argument --warmup: must be an integer from 0 to 100000, got '-1'"),
        (
            ["--processes", "2.5"],
            "argument --processes: must be an integer from 1 to 1000, got '2.5'",
        ),
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


def _impossible_registry() -> Registry:
    registry = plugins.registry(plugins.GoodBackend)
    return dataclasses.replace(registry, scenarios={"impossible": plugins.impossible})


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["run", "fanout", "-p", "tasks=-3", "--out", "{tmp}/never.jsonl"],
            "parameter 'tasks' must be an integer from 1 to 1e+07, got '-3'",
        ),
        (
            ["run", "fanuot", "--out", "{tmp}/never.jsonl"],
            "unknown scenario 'fanuot' (did you mean 'fanout'?)",
        ),
        (
            ["run", "impossible", "-p", "after=1", "-b", "good", "--out", "{tmp}/never.jsonl"],
            "task 1 depends on itself",
        ),
        (
            ["report", "{tmp}/" + "a-long-directory-name/" * 8 + "absent.jsonl"],
            "absent.jsonl: no such result file",
        ),
        (  # a SchemaError reaches the command line as the StoreError naming file and line
            ["report", "{tmp}/future.jsonl"],
            "future.jsonl:1: record has schema version 99; this concbench reads versions 1 to 2",
        ),
    ],
    ids=["ParameterError", "UnknownNameError", "ModelError", "StoreError", "SchemaError"],
)
def test_each_user_error_is_one_line_and_exit_status_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if "impossible" in argv:  # a plugin scenario whose build refuses some parameters
        monkeypatch.setattr("concbench.cli.default_registry", _impossible_registry)
    future = {"schema": 99, "scenario": "from a later concbench"}
    (tmp_path / "future.jsonl").write_text(json.dumps(future) + "\n")
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line, however long: rich must not wrap it
    assert err.startswith("concbench: error: ")
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "never.jsonl").exists()


def test_a_replaced_default_registry_reaches_list_and_compare(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command modules look ``concbench.cli.default_registry`` up when they run
    (cli/registry.py), so a copy bound at import in one of them cannot slip past the test's
    plugins. ``tiny`` and ``good`` exist only in the replacement; ``run`` is shown in
    tests/framework/measure/test_registry.py."""
    monkeypatch.setattr(
        "concbench.cli.default_registry", lambda: plugins.registry(plugins.GoodBackend)
    )
    assert main(["list"]) == 0
    assert "a few short sleeps" in capsys.readouterr().out
    never = str(tmp_path / "never.jsonl")
    assert main(["compare", "-s", "tiny", "-b", "good", "--out", never]) == 2  # no compare sets
    assert "no scenario in the compare matrix matches --scenario" in capsys.readouterr().err
    assert not (tmp_path / "never.jsonl").exists()


@pytest.mark.parametrize("value", ["inf", "inf%", "1e400%", "nan%"])
def test_fail_above_must_be_a_finite_percentage(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An infinite threshold turned the gate off while it looked set: it was accepted."""
    with pytest.raises(SystemExit) as exited:
        main(
            ["diff", str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl"), f"--fail-above={value}"]
        )
    assert exited.value.code == 2
    assert f"expected a percentage >= 0 such as 10%, got {value!r}" in capsys.readouterr().err
