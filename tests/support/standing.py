"""The runs of a store that stand: a disturbed attempt that was run again is not one."""

from __future__ import annotations

import os
from typing import Any

from concbench.framework.analysis.disturbance import replaced
from concbench.framework.store.records import RunRecord
from concbench.framework.store.resultstore import read_records


def standing_records(path: str | os.PathLike[str]) -> list[RunRecord]:
    """The store's records without the attempts that later attempts replaced."""
    records = read_records(path)
    gone = replaced(records)
    return [record for index, record in enumerate(records) if index not in gone]


def standing(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The store's records as dicts, without the attempts that later attempts replaced
    (on a busy machine the CLI runs a disturbed run again, and stores every attempt)."""
    records = read_records(path)
    gone = replaced(records)
    return [record.to_dict() for index, record in enumerate(records) if index not in gone]
