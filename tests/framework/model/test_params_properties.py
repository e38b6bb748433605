"""Properties of the parameter parser for every input, found by hypothesis.

Whatever a user types or a plugin declares, conversion either gives a value of the
declared type within its bounds, or a ParameterError naming the owner, the parameter, the
value and what is allowed: never another exception, never a silent default.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from concbench.framework.model.params import (
    Param,
    ParameterError,
    _shown,
    parse_assignments,
    resolve,
    shown,
)

OWNER = "scenario 'demo'"
anything = st.one_of(
    st.text(),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)


def refused(param: Param, value: object) -> str:
    with pytest.raises(ParameterError) as caught:
        resolve((param,), {param.name: value}, owner=OWNER)
    message = str(caught.value)
    assert (
        message
        == f"{OWNER}: parameter {param.name!r} must be {param.allowed()}, got {_shown(value)}"
    )
    return message


@settings(max_examples=300, deadline=None)
@given(st.integers(), st.integers(-1000, 1000), st.integers(0, 2000))
def test_an_integer_is_accepted_exactly_within_its_bounds(value: int, low: int, span: int) -> None:
    param = Param("n", int, low, "h", min=low, max=low + span)
    if low <= value <= low + span:
        assert resolve((param,), {"n": str(value)}, owner=OWNER) == {"n": value}
        assert resolve((param,), {"n": f"  {value} "}, owner=OWNER) == {"n": value}
    else:
        refused(param, str(value))


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False), st.floats(-1e6, 1e6))
def test_a_float_round_trips_through_its_text(value: float, low: float) -> None:
    param = Param("n", float, low, "h", min=low)
    if value >= low:
        assert resolve((param,), {"n": repr(value)}, owner=OWNER) == {"n": value}
    else:
        refused(param, repr(value))


@settings(max_examples=500, deadline=None)
@given(st.sampled_from([int, float, bool, str]), anything)
@example(float, 10**400)  # an int beyond any float: raised OverflowError before
@example(int, 10**400)
@example(int, "9" * 5000)  # beyond Python's limit on digits in int()
@example(int, math.inf)
def test_any_value_converts_to_the_declared_type_or_is_refused_clearly(
    kind: type, value: Any
) -> None:
    param = Param("n", kind, None, "h", min=0 if kind in (int, float) else None)
    try:
        converted: Any = resolve((param,), {"n": value}, owner=OWNER)["n"]
    except ParameterError:
        refused(param, value)
        return
    assert type(converted) is kind
    if isinstance(converted, float):
        assert math.isfinite(converted)
    if isinstance(converted, (int, float)) and kind is not bool:
        assert converted >= 0


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1), st.sets(st.text(min_size=1), max_size=4))
def test_an_unknown_name_is_refused_never_defaulted(name: str, known: set[str]) -> None:
    assume(name not in known)
    specs = tuple(Param(k, str, "", "h") for k in sorted(known))
    with pytest.raises(ParameterError, match="unknown parameter") as caught:
        resolve(specs, {name: "x"}, owner=OWNER)
    assert shown(name) in str(caught.value)
    assert ("allowed: " + (", ".join(sorted(known)) or "none")) in str(caught.value)


names = st.text(min_size=1).map(str.strip).filter(lambda s: s and "=" not in s)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(names, st.text(), max_size=5))
def test_assignments_round_trip(assignments: dict[str, str]) -> None:
    items = [f"{name}={value}" for name, value in assignments.items()]
    assert parse_assignments(items, flag="-p") == assignments


@settings(max_examples=200, deadline=None)
@given(names, st.text(), st.text())
def test_a_name_given_twice_is_refused(name: str, first: str, second: str) -> None:
    with pytest.raises(ParameterError, match="given twice"):
        parse_assignments([f"{name}={first}", f" {name} ={second}"], flag="-p")
