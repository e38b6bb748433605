from __future__ import annotations

import json
import multiprocessing
import pickle
from pathlib import Path

import pytest

from concbench.framework.store.records import SCHEMA, RunRecord, Status
from concbench.framework.store.resultstore import ResultStore, StoreError, read_records, side_file


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
        StoreError,
        match=r":1: record has schema version 99; this concbench reads versions 1 to 2 "
        r"\(upgrade concbench to read newer stores\)",
    ):
        read_records(path)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no such result file"):
        read_records(tmp_path / "absent.jsonl")


@pytest.mark.parametrize(("kind", "holds"), [("env", "environments"), ("traces", "full traces")])
def test_a_side_file_given_as_a_store_names_its_store(
    tmp_path: Path, kind: str, holds: str
) -> None:
    store = tmp_path / "compare-3.11.jsonl"
    side = side_file(store, kind)
    assert side.name == f"compare-3.11.{kind}.jsonl"
    side.write_text('{"id": "x"}\n')
    with pytest.raises(StoreError, match=f"holds the {holds}.* beside the result store {store}"):
        read_records(side)


def _append_many(path: str, writer: int) -> None:
    for run in range(200):
        # a store is opened again and again (each open repairs a killed writer's tail)
        # while the others write large records: opening must never cut another's record
        ResultStore(path).append(record(run, backend=f"writer{writer}", error="x" * 100_000))


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


def test_appending_after_a_killed_writer_drops_its_fragment_and_keeps_the_file_readable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.jsonl"
    ResultStore(path).append(record(0))
    with path.open("a") as handle:
        handle.write('{"schema": 1, "scenario": "se')  # the writer died mid-line
    with pytest.warns(UserWarning, match=r"dropping a truncated last line \(29 bytes\)"):
        store = ResultStore(path)  # a resumed sweep opens the same store
    store.append(record(1))
    assert [r.run for r in read_records(path)] == [0, 1]


def test_a_whole_last_record_without_its_newline_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record(0).to_dict()))
    ResultStore(path).append(record(1))
    assert [r.run for r in read_records(path)] == [0, 1]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"\xff\xfe not utf-8", r":2: not a JSON record \('utf-8' codec can't decode"),
        (b"[" * 100_000, r":2: not a JSON record"),  # nested too deep for the parser
        (b"[1, 2]", r":2: expected a JSON object, got list"),
        (
            b'{"schema": 1}',
            r":2: record is not a valid run record: missing scenario, params, backend, status",
        ),
    ],
    ids=["not-utf8", "deep-nesting", "not-an-object", "missing-fields"],
)
def test_every_kind_of_bad_line_is_an_error_naming_file_and_line(
    line: bytes, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.jsonl"
    ResultStore(path).append(record(0))
    with path.open("ab") as handle:
        handle.write(line + b"\n")
    with pytest.raises(StoreError, match=rf"{path.name}{message}"):
        read_records(path)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tasks", "two", "field 'tasks' must be int, got 'two'"),
        ("wall_s", "fast", "field 'wall_s' must be float | None, got 'fast'"),
        ("run", True, "field 'run' must be int, got True"),
        ("params", [1], r"field 'params' must be Mapping\[str, Any\], got '\[1\]'"),
        ("status", "exploded", "'exploded' is not a valid Status"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_when_read(
    field: str, value: object, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record(0).to_dict() | {field: value}) + "\n")
    with pytest.raises(
        StoreError, match=rf"r\.jsonl:1: record is not a valid run record: {message}"
    ):
        read_records(path)


class _Exploit:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (Path.touch, (str(self.marker),))


def test_a_store_is_read_as_json_only_so_a_pickle_in_it_does_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    marker = tmp_path / "executed"
    path.write_bytes(pickle.dumps(_Exploit(marker)) + b"\n")
    with pytest.raises(StoreError, match=r"r\.jsonl:1: not a JSON record"):
        read_records(path)
    assert not marker.exists()


def test_a_store_that_cannot_be_written_is_refused_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot write results here \(Is a directory\)"):
        ResultStore(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="cannot write results here"):
        ResultStore(tmp_path / "file" / "r.jsonl")


def test_a_directory_given_as_a_store_to_read_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"cannot read \(Is a directory\)"):
        read_records(tmp_path)
