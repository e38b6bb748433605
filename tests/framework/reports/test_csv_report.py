from __future__ import annotations

import csv
import io
import json

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
