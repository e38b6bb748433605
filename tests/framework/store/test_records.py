"""The record's schema: parts nested in schema 2, schema-1 stores still read, others refused."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from concbench.cli import main
from concbench.framework.analysis.summary import group_records
from concbench.framework.model.parts import Decomposition, Part
from concbench.framework.store.records import SCHEMA, RunRecord, SchemaError, Status
from concbench.framework.store.resultstore import ResultStore, StoreError, read_records

SCHEMA_1 = Path(__file__).parent / "schema1"
"""A store written by concbench at 9b5649b, with what that code read from it (README.md)."""


def record(**fields: Any) -> RunRecord:
    base: dict[str, Any] = {
        "scenario": "seed",
        "params": {"scale": 1.0},
        "backend": "asyncio",
        "status": Status.OK,
        "tasks": 2,
        "serial_s": 2.5,
        "ideal_s": 1.0,
        "python": "3.11.7",
        "wall_s": 1.003,
        "overhead_s": 0.003,
        "parts": Decomposition({Part.SPAWN: 0.001, Part.JOIN: 0.002}),
    }
    return RunRecord(**(base | fields))


def test_schema_2_nests_the_parts_in_part_order(tmp_path: Path) -> None:
    parts = Decomposition({part: 0.001 * index for index, part in enumerate(reversed(Part))})
    ResultStore(tmp_path / "r.jsonl").append(record(parts=parts))
    stored = json.loads((tmp_path / "r.jsonl").read_text())
    assert SCHEMA == 2
    assert stored["schema"] == 2
    assert list(stored["parts"]) == [part.value for part in Part]
    assert not [key for key in stored if key.startswith("part_")]
    (back,) = read_records(tmp_path / "r.jsonl")
    assert back.parts == parts
    assert back == record(parts=parts)


def test_the_schema_1_store_of_the_previous_version_reads_the_same_numbers() -> None:
    expected = json.loads((SCHEMA_1 / "expected.json").read_text())
    records = read_records(SCHEMA_1 / "store.jsonl")
    assert [json.loads(line)["schema"] for line in (SCHEMA_1 / "store.jsonl").open()] == [1] * 11
    assert len(records) == len(expected["records"]) == 11
    for got, want in zip(records, expected["records"], strict=True):
        assert (got.id, got.status.value, got.overhead_s) == (
            want["id"],
            want["status"],
            want["overhead_s"],
        )
        assert got.parts.to_json() == {k: v for k, v in want["parts"].items() if v is not None}
        assert got.schema == SCHEMA  # read into today's form
    assert {r.status for r in records} == {Status.OK, Status.SKIPPED}
    assert all(not r.parts for r in records if r.status is Status.SKIPPED)
    rows = [row for group in group_records(records) for row in group.rows]
    assert len(rows) == len(expected["rows"])
    for row, want in zip(rows, expected["rows"], strict=True):
        assert row.label == want["label"]
        assert {p.value: v for p, v in row.parts.items()} == {
            name: value for name, value in want["parts"].items() if value is not None
        }
        assert row.diagnosis == want["diagnosis"]


def _decomposition_tables(markdown: str) -> list[dict[str, dict[str, str]]]:
    """Each "where the overhead went" table: backend -> column -> cell."""
    tables = re.findall(r"Where the overhead went[^\n]*\n\n((?:\|[^\n]*\n)+)", markdown)
    parsed = []
    for table in tables:
        header, _, *rows = [
            [cell.strip() for cell in line.strip("|").split(" | ")] for line in table.splitlines()
        ]
        parsed.append({row[0]: dict(zip(header[1:], row[1:], strict=True)) for row in rows})
    return parsed


def test_the_schema_1_store_reports_the_same_decomposition(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("store.jsonl", "store.env.jsonl", "store.traces.jsonl"):
        shutil.copy(SCHEMA_1 / name, tmp_path / name)
    out = tmp_path / "report.md"
    assert main(["report", str(tmp_path / "store.jsonl"), "--markdown", str(out)]) == 0
    expected = _decomposition_tables((SCHEMA_1 / "expected.md").read_text())
    got = _decomposition_tables(out.read_text())
    assert [list(table) for table in got] == [list(table) for table in expected] != []
    for got_table, expected_table in zip(got, expected, strict=True):
        for backend, cells in expected_table.items():
            now = got_table[backend]
            assert {column: now[column] for column in cells} == cells  # the same numbers
            # a part added since schema 1 is missing in an old record, not 0
            assert {now[column] for column in now.keys() - cells.keys()} <= {"-"}
    assert "+75.29 ms" in capsys.readouterr().out  # asyncio's blocked part, in the terminal


def test_a_schema_1_line_and_a_schema_2_line_share_a_store(tmp_path: Path) -> None:
    # resuming a sweep of an old store appends records of the new schema to it
    path = tmp_path / "r.jsonl"
    old = (SCHEMA_1 / "store.jsonl").read_text().splitlines()[0]
    path.write_text(old + "\n")
    ResultStore(path).append(record())
    first, second = read_records(path)
    assert first.parts[Part.BLOCKED] == pytest.approx(0.07529372)
    assert second.parts == record().parts


def test_a_schema_1_record_missing_parts_of_later_versions_lacks_them() -> None:
    # early schema-1 stores had no pool or io_late part: missing, not 0
    data = record().to_dict()
    del data["parts"]
    data |= {"schema": 1, "part_spawn_s": 0.001, "part_rest_s": None}
    assert RunRecord.from_dict(data).parts == Decomposition({Part.SPAWN: 0.001})


@pytest.mark.parametrize("version", [3, 99, 0, "2", True, None, 2.0])
def test_any_schema_but_the_known_ones_is_refused(version: object) -> None:
    with pytest.raises(SchemaError, match="this concbench reads versions 1 to 2"):
        RunRecord.from_dict(record().to_dict() | {"schema": version})


def test_a_part_this_version_does_not_know_is_left_out() -> None:
    data = record().to_dict()
    data["parts"] = data["parts"] | {"gc": 0.5}  # from a newer concbench with a part more
    assert RunRecord.from_dict(data).parts == record().parts


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([0.1], "field 'parts' must be an object of seconds per part, got '\\[0.1\\]'"),
        ({"spawn": "fast"}, "field 'parts' part 'spawn' must be a number of seconds, got 'fast'"),
        ({"join": True}, "field 'parts' part 'join' must be a number of seconds, got 'True'"),
        ({"rest": math.nan}, "field 'parts' part 'rest' must be finite, got nan"),
        ({"rest": math.inf}, "field 'parts' part 'rest' must be finite, got inf"),
    ],
)
def test_a_malformed_decomposition_is_refused_naming_file_and_line(
    parts: object, message: str, tmp_path: Path
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(json.dumps(record().to_dict() | {"parts": parts}) + "\n")
    with pytest.raises(
        StoreError, match=f"r\\.jsonl:1: record is not a valid run record: {message}"
    ):
        read_records(path)


def test_a_malformed_schema_1_part_is_refused_too() -> None:
    data = record().to_dict()
    del data["parts"]
    with pytest.raises(SchemaError, match="part 'cpu' must be a number of seconds"):
        RunRecord.from_dict(data | {"schema": 1, "part_cpu_s": "lots"})
