"""Every run is counted once: two resumes of one store never both run the missing runs,
a store given twice to ``report`` is read once, and a sweep never lists one workload
twice under two spellings (``10,010``, ``0,-0``)."""

from __future__ import annotations

import csv
import dataclasses
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from concbench.cli import main
from concbench.framework.analysis.summary import group_records
from concbench.framework.model.params import Param
from concbench.framework.store.resultstore import (
    ResultStore,
    StoreError,
    read_records,
    read_stores,
    sweep_lock,
)
from support.standing import standing
from support.stores import Store


def resume(out: Path) -> list[str]:
    return [sys.executable, "-m", "concbench", "run", "seed", "-b", "asyncio", "-p",
            "scale=0.05", "--repeat", "3", "--processes", "2", "--warmup", "0",
            "--out", str(out), "--resume"]  # fmt: skip


def test_two_concurrent_resumes_of_one_store_run_each_missing_run_once(tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    first = subprocess.Popen(resume(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = subprocess.Popen(resume(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    results = [(process.wait(120), process.stderr) for process in (first, second)]
    codes = sorted(code for code, _ in results)
    errors = b"".join(stream.read() for _, stream in results if stream).decode()
    # on a busy machine a disturbed run is run again: count the attempts that stand
    runs = Counter((r["process"], r["run"]) for r in standing(out) if r["status"] == "ok")
    assert runs == Counter({(p, r): 1 for p in range(2) for r in range(3)})
    assert codes in ([0, 0], [0, 2])  # the second waits its turn or is refused, clearly
    if codes == [0, 2]:
        assert "another concbench is resuming this store" in " ".join(errors.split())
    assert "Traceback" not in errors


def test_the_sweep_lock_refuses_a_second_holder_but_not_appenders(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    with sweep_lock(path):
        refused = pytest.raises(StoreError, match="another concbench is resuming this store")
        with refused, sweep_lock(path):
            pass
        child = "from concbench.framework.store.resultstore import append_line; "
        child += f"append_line(__import__('pathlib').Path({str(path)!r}), '{{}}')"
        subprocess.run([sys.executable, "-c", child], check=True, timeout=60)
    with sweep_lock(path):  # released
        pass
    assert path.read_text() == "{}\n"


def test_a_store_given_several_times_is_read_once(
    store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(store.path.parent)
    name = store.path.name
    with pytest.warns(UserWarning, match=f"{name} is the same file as {name}; read once"):
        assert len(read_stores([Path(name), Path(name), Path(f"./{name}")])) == len(store.records)
    out = tmp_path / "runs.csv"
    assert main(["report", name, name, f"./{name}", "--csv", str(out)]) == 0
    assert "concbench: warning:" in capsys.readouterr().err  # the CLI prints it as one line
    assert len(list(csv.reader(out.open()))) == 1 + len(store.records)


def test_a_copy_of_a_store_adds_no_run_twice(store: Store, tmp_path: Path) -> None:
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(store.path.read_bytes())
    with pytest.warns(UserWarning, match=f"{copy}: skipped {len(store.records)} records"):
        assert read_stores([store.path, copy]) == store.records


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("scale=1,01", "-p/--param: scale='1' and scale='01' are the same value (1.0)"),
        ("scale=0,-0", "-p/--param: scale='0' and scale='-0' are the same value (0.0)"),
        ("scale=0.5,0.50,1", "-p/--param: scale='0.5' and scale='0.50' are the same value (0.5)"),
    ],
)
def test_one_workload_spelt_twice_in_a_sweep_is_refused(
    values: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "never.jsonl"
    assert main(["run", "seed", "-b", "asyncio", "-p", values, "--out", str(out)]) == 2
    assert message in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


def test_minus_zero_is_zero() -> None:
    value = Param("scale", float, 1.0, "", min=0.0).convert("-0", owner="seed")
    assert str(value) == "0.0"


def test_a_minus_zero_stored_by_an_older_version_joins_the_zero_row(
    store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "old.jsonl"
    writer = ResultStore(path)
    seed = [r for r in store.records if r.scenario == "seed"]
    for record, scale in zip(seed, (0.0, -0.0, 0.0, -0.0), strict=False):
        writer.append(dataclasses.replace(record, params={"scale": scale}))
    groups = group_records(read_records(path))
    assert [group.title for group in groups] == ["seed (scale=0.0)"]
