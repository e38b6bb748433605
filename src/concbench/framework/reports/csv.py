"""Every run as one CSV row, for pandas and spreadsheets; the JSON Lines store stays the source.

The columns are the record's fields in their documented order (``params``, ``options``
and ``parts`` as JSON text), followed by one ``param.NAME`` column per scenario parameter
and one ``option.NAME`` column per backend option seen in the records, and one
``part.NAME`` column per part of the overhead, so that ``pandas.read_csv(path)`` gives a
frame that can be filtered by parameter and summed by part directly.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from collections.abc import Iterable
from typing import Any

from ..model.parts import Part
from ..store.records import RunRecord
from ..store.sanitize import visible

__all__ = ["csv_report"]


def csv_report(records: Iterable[RunRecord]) -> str:
    records = list(records)
    fields = [field.name for field in dataclasses.fields(RunRecord)]
    params = list(dict.fromkeys(name for record in records for name in record.params))
    options = list(dict.fromkeys(name for record in records for name in record.options))
    header = fields + [f"param.{name}" for name in params] + [f"option.{name}" for name in options]
    header += [f"part.{part.value}" for part in Part]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([visible(name) for name in header])
    for record in records:
        data = record.to_dict()
        row = [_cell(data[name]) for name in fields]
        row += [_cell(record.params.get(name)) for name in params]
        row += [_cell(record.options.get(name)) for name in options]
        row += [_cell(record.parts.get(part)) for part in Part]
        writer.writerow(row)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """Numbers stay numbers, missing stays empty, structures become JSON text (ASCII, so
    nothing hides in it), and texts are made visible: a CSV is also read with ``cat``."""
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return visible(value) if isinstance(value, str) else value
