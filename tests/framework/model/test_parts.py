"""The parts of the overhead: each defined once, and the immutable split that holds them."""

from __future__ import annotations

import copy
import pickle

import pytest

from concbench.framework.model.parts import Decomposition, Part


def test_each_part_has_a_stored_key_a_heading_and_a_sentence() -> None:
    assert [part.value for part in Part][:3] == ["spawn", "pool", "start"]  # report order
    assert Part.REST.value == "rest"
    assert Part.REST.label == "unexplained"
    assert Part.SLEEP_LATE.label == "sleep late"
    assert len({part.label for part in Part}) == len(Part)
    assert all("{" in part.cause for part in Part)  # every sentence quotes a figure
    assert list(Decomposition.from_json({"io_late": 1.0})) == [Part.IO_LATE]  # stored key


def test_a_decomposition_is_immutable_ordered_and_keyed_by_part() -> None:
    parts = Decomposition({Part.REST: 0.25, Part.SPAWN: 0.5})
    assert list(parts) == [Part.SPAWN, Part.REST]
    assert parts.total == 0.75
    assert parts == Decomposition(parts.items())
    assert hash(parts) == hash(Decomposition(dict(parts)))
    with pytest.raises(AttributeError, match="immutable"):
        parts._seconds = {}
    with pytest.raises(TypeError):
        parts[Part.JOIN] = 1.0  # type: ignore[index]
    assert pickle.loads(pickle.dumps(parts)) == parts
    assert copy.copy(parts) == copy.deepcopy(parts) == parts
    with pytest.raises(TypeError, match="keyed by Part, got 'spawn'"):
        Decomposition({"spawn": 1.0})  # type: ignore[arg-type]
