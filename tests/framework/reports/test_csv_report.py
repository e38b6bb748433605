from __future__ import annotations

import csv
import io
import json

import pytest

from concbench.framework.model.parts import Part
from concbench.framework.reports.csv import csv_report
from support.stores import Store


def test_every_run_is_one_row_with_flattened_parameters(store: Store) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_report(store.records))))
    assert len(rows) == len(store.records)
    for row, record in zip(rows, store.records, strict=True):
        assert row["id"] == record.id
        assert row["scenario"] == record.scenario
        assert row["backend"] == record.backend
        assert row["status"] == record.status.value
        assert float(row["wall_s"]) == record.wall_s  # repr round-trips exactly
        assert json.loads(row["params"]) == dict(record.params)
        for name, value in record.params.items():
            assert row[f"param.{name}"] == str(value)
    tasks_column = {row["param.tasks"] for row in rows if row["scenario"] == "fanout"}
    assert tasks_column == {"5", "40"}
    assert all(row["param.tasks"] == "" for row in rows if row["scenario"] == "seed")


def test_hostile_text_stays_inside_its_cell(hostile_store: Store) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_report(hostile_store.records))))
    assert len(rows) == len(hostile_store.records) == 2
    failed = next(row for row in rows if row["status"] == "failed")
    assert "| injected | row |" in failed["error"]
    assert "\n" in failed["error"]


def test_every_part_has_a_column_that_sums_to_the_overhead(store: Store) -> None:
    rows = list(csv.DictReader(io.StringIO(csv_report(store.records))))
    part_columns = [name for name in rows[0] if name.startswith("part.")]
    assert part_columns == [f"part.{part.value}" for part in Part]
    for row in rows:
        if row["status"] == "ok":
            total = sum(float(row[name]) for name in part_columns)
            assert total == pytest.approx(float(row["overhead_s"]), abs=1e-9)
            assert json.loads(row["parts"]) == {
                name.removeprefix("part."): float(row[name]) for name in part_columns
            }
