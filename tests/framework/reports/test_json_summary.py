"""The JSON summary: the rows every other format shows, as numbers a script can read."""

from __future__ import annotations

import json
import math
from pathlib import Path

from concbench.framework.analysis.summary import group_records
from concbench.framework.reports.outputs import Outputs
from support.stores import Store


def test_each_row_is_one_object_with_the_reports_numbers(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "summary.json"
    written = Outputs(json=target).write(store.records, store.traces, [str(store.path)])
    assert written == [("JSON summary", target)]
    data = json.loads(target.read_text())
    assert data["format"] == "concbench-summary"
    assert data["sources"] == [str(store.path)]
    rows = [(group, row) for group in group_records(store.records) for row in group.rows]
    assert len(data["rows"]) == len(rows)
    for shown, (group, row) in zip(data["rows"], rows, strict=True):
        assert (shown["workload"], shown["label"]) == (group.title, row.label)
        assert shown["params"] == dict(row.records[0].params)
        assert shown["tasks"] == row.tasks
        assert sum(shown["runs"].values()) == len(row.records)
        if row.wall is None:
            assert shown["wall_s"] is None
        else:
            assert shown["wall_s"]["median"] == row.wall.median
            assert shown["wall_s"]["ci_low"] <= shown["wall_s"]["median"]
            assert shown["overhead_s"] == row.overhead_s


def test_hostile_text_stays_json_and_nothing_is_not_finite(
    hostile_store: Store, tmp_path: Path
) -> None:
    target = tmp_path / "summary.json"
    Outputs(json=target).write(hostile_store.records, hostile_store.traces)
    text = target.read_text()
    assert text.isascii()  # every control, bidi or other character escaped by JSON itself
    assert "\x1b" not in text

    def numbers(value: object) -> list[float]:
        if isinstance(value, dict):
            return [n for item in value.values() for n in numbers(item)]
        if isinstance(value, list):
            return [n for item in value for n in numbers(item)]
        return [value] if isinstance(value, float) else []

    assert all(math.isfinite(n) for n in numbers(json.loads(text)))
