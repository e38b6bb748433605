from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from concbench.framework.records import SCHEMA, RunRecord, Status
from concbench.framework.store import ResultStore, StoreError, read_records


def record(run: int = 0, **fields: object) -> RunRecord:
    base: dict[str, object] = {
        "scenario": "seed",
        "params": {"scale": 1.0},
        "backend": "asyncio",
        "status": Status.OK,
        "tasks": 2,
        "serial_s": 2.5,
        "ideal_s": 1.0,
        "python": "3.11.7",
        "wall_s": 1.001,
        "overhead_s": 0.001,
        "run": run,
    }
    base.update(fields)
    return RunRecord(**base)  # type: ignore[arg-type]


def test_records_round_trip_with_the_required_field_names(tmp_path: Path) -> None:
    store = ResultStore(tmp_path / "r.jsonl")
    store.append(record(0))
    store.append(record(1, status=Status.FAILED, wall_s=None, overhead_s=None, error="boom"))
    lines = (tmp_path / "r.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    required = {
        "schema",
        "scenario",
        "params",
        "backend",
        "python",
        "status",
        "tasks",
        "serial_s",
        "ideal_s",
        "wall_s",
        "overhead_s",
        "error",
    }
    assert required <= first.keys()
    assert first["schema"] == SCHEMA
    assert first["status"] == "ok"
    assert read_records(tmp_path / "r.jsonl") == [
        record(0),
        record(1, status=Status.FAILED, wall_s=None, overhead_s=None, error="boom"),
    ]


def test_a_truncated_last_line_is_skipped_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    ResultStore(path).append(record(0))
    with path.open("a") as handle:
        handle.write('{"schema": 1, "scenario": "se')
    with pytest.warns(UserWarning, match="truncated last line"):
        records = read_records(path)
    assert [r.run for r in records] == [0]


def test_a_corrupt_line_in_the_middle_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    ResultStore(path).append(record(0))
    with path.open("a") as handle:
        handle.write("not json\n")
    ResultStore(path).append(record(1))
    with pytest.raises(StoreError, match=rf"{path.name}:2: not a JSON record"):
        read_records(path)


def test_an_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    data = record().to_dict() | {"schema": 99}
    path.write_text(json.dumps(data) + "\n")
    with pytest.raises(
        StoreError, match=r":1: record has schema version 99; this concbench reads version 1"
    ):
        read_records(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such result file"):
        read_records(tmp_path / "absent.jsonl")


def _append_many(path: str, writer: int) -> None:
    store = ResultStore(path)
    for run in range(200):
        store.append(record(run, backend=f"writer{writer}", error="x" * 5000))


def test_concurrent_writers_never_interleave_lines(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_append_many, args=(str(path), n)) for n in range(3)]
    for process in writers:
        process.start()
    for process in writers:
        process.join()
    records = read_records(path)
    assert len(records) == 600
    for writer in range(3):
        assert sorted(r.run for r in records if r.backend == f"writer{writer}") == list(range(200))
