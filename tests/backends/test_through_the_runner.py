"""The new backends end to end, in real worker processes as `concbench run` starts them:
what each one adds to a record and to the report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from concbench.cli import main
from concbench.framework.analysis.summary import group_records
from concbench.framework.measure.registry import default_registry
from concbench.framework.store.resultstore import read_records
from support.cores import check_parallel, two_cores_busy
from support.standing import standing

pytestmark = pytest.mark.timing  # real runs, asserted against the clock


def available(name: str) -> pytest.MarkDecorator:
    reason = default_registry().backend(name).unavailable_reason()
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def run(tmp_path: Path, *argv: str) -> list[dict[str, Any]]:
    out = tmp_path / "r.jsonl"
    assert main([*argv, "--processes", "1", "--warmup", "0", "--out", str(out)]) == 0
    return standing(out)


def test_processes_run_cpu_work_in_parallel_and_report_their_start_up_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    busy_before = two_cores_busy()
    records = run(
        tmp_path, "run", "cpu", "-p", "tasks=2", "-p", "seconds=0.3", "-b", "processes",
        "--repeat", "3",
    )  # fmt: skip
    assert [r["status"] for r in records] == ["ok", "ok", "ok"]
    for record in records:
        assert record["figures"]["pool_startup_s"] > 0.01  # spawning is not free
    [group] = group_records(read_records(tmp_path / "r.jsonl"))
    assert "pool startup" in group.rows[0].note  # the note the report prints beside the row
    assert "startup" in capsys.readouterr().out  # (the table may wrap it onto two lines)
    # two cores, no shared GIL, when no other program takes one; the best run, since other
    # load on the machine only slows runs
    best = min(r["wall_s"] for r in records)
    check_parallel(best, 0.75 * records[0]["serial_s"], busy_before)


@available("gevent")
def test_gevent_makes_blocking_steps_cooperative_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = run(
        tmp_path, "run", "seed-blocking", "-p", "scale=0.2", "-b", "gevent", "-b", "asyncio",
        "--repeat", "1",
    )  # fmt: skip
    walls = {r["backend"]: r["wall_s"] for r in records}
    assert walls["gevent"] < 0.6 * 0.5  # near the 0.2 s ideal: time.sleep yields
    assert walls["asyncio"] >= 0.9 * 0.5  # the same steps stall an asyncio loop
    gevent = next(r for r in records if r["backend"] == "gevent")
    assert "time.sleep yields to gevent's hub" in gevent["note"]
    assert "overlap" in capsys.readouterr().out  # the note, printed (perhaps wrapped) in its row


@available("dask")
def test_dask_runs_fanout_on_its_own_local_cluster(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    records = run(
        tmp_path, "run", "fanout", "-p", "tasks=40", "-p", "seconds=0.05", "-b", "dask",
        "--repeat", "2",
    )  # fmt: skip
    assert [r["status"] for r in records] == ["ok", "ok"]
    for record in records:
        assert 0.99 * 0.05 <= record["wall_s"] < 0.25 * record["serial_s"]  # 2 s serial
        assert record["figures"]["cluster_startup_s"] > 0.05
    [group] = group_records(read_records(tmp_path / "r.jsonl"))
    assert "cluster startup" in group.rows[0].note
    assert "startup" in capsys.readouterr().out  # (the table may wrap it onto two lines)


def test_a_bad_dask_address_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.jsonl"
    argv = ["run", "seed", "-b", "dask", "-o", "address=localhost:8786", "--out", str(out)]
    assert main(argv) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "parameter 'address' must be empty (a LocalCluster) or a scheduler address" in err
    assert "got 'localhost:8786'" in err
    assert not out.exists()


@available("anyio")
def test_compare_runs_the_variants_a_backend_lists_and_o_applies_on_top(tmp_path: Path) -> None:
    records = run(
        tmp_path, "compare", "-s", "seed", "-b", "anyio", "-b", "asyncio", "--repeat", "1"
    )
    labels = [(r["backend"], r["options"], r["status"]) for r in records]
    assert labels == [("anyio", {}, "ok"), ("asyncio", {}, "ok")]  # anyio lists asyncio only
    on_trio = run(
        tmp_path / "trio",
        "compare",
        "-s",
        "seed",
        "-b",
        "anyio",
        "-o",
        "backend=trio",
        "--repeat",
        "1",
    )
    trio = "ok" if default_registry().backend("trio").unavailable_reason() is None else "skipped"
    assert [(r["backend"], r["options"], r["status"]) for r in on_trio] == [
        ("anyio", {"backend": "trio"}, trio)
    ]


def test_compare_leaves_out_a_job_a_pool_would_take_minutes_over(tmp_path: Path) -> None:
    records = run(tmp_path, "compare", "-s", "fanout", "-b", "processes", "--repeat", "1")
    by_tasks = {r["params"]["tasks"]: r for r in records}
    assert by_tasks[10]["status"] == "ok"  # 10 sleeps on 2 processes: well inside the budget
    record = by_tasks[1000]
    assert record["status"] == "skipped"
    assert "left out of the default matrix" in record["error"]
    assert "`concbench run -b processes` measures it" in record["error"]
