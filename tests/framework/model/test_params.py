from __future__ import annotations

import pytest

from concbench.framework.model.params import Param, ParameterError, parse_assignments, resolve

SPECS = (
    Param("tasks", int, 10, "how many", min=1, max=1000),
    Param("seconds", float, 0.1, "how long", min=0.0),
    Param("mode", str, "fast", "which", choices=("fast", "slow")),
    Param("verbose", bool, False, "chatty"),
)


def test_defaults_fill_what_is_not_given() -> None:
    assert resolve(SPECS, {"tasks": "5"}, owner="scenario 'x'") == {
        "tasks": 5,
        "seconds": 0.1,
        "mode": "fast",
        "verbose": False,
    }


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("tasks", " 7", 7),
        ("seconds", "1e-3", 0.001),
        ("mode", "slow", "slow"),
        ("verbose", "yes", True),
        ("verbose", "0", False),
        ("tasks", 3.0, 3),
    ],
)
def test_strings_from_the_command_line_are_converted(
    name: str, text: object, value: object
) -> None:
    assert resolve(SPECS, {name: text}, owner="o")[name] == value


@pytest.mark.parametrize(
    ("name", "text", "allowed"),
    [
        ("tasks", "ten", "an integer from 1 to 1000"),
        ("tasks", "0", "an integer from 1 to 1000"),
        ("tasks", "1001", "an integer from 1 to 1000"),
        ("tasks", "2.5", "an integer from 1 to 1000"),
        ("seconds", "-1", "a number >= 0"),
        ("seconds", "nan", "a number >= 0"),
        ("seconds", "inf", "a number >= 0"),
        ("mode", "medium", "one of 'fast', 'slow'"),
        ("verbose", "maybe", "true or false"),
    ],
)
def test_bad_values_name_the_parameter_the_value_and_what_is_allowed(
    name: str, text: str, allowed: str
) -> None:
    with pytest.raises(ParameterError) as caught:
        resolve(SPECS, {name: text}, owner="scenario 'demo'")
    message = str(caught.value)
    assert "scenario 'demo'" in message
    assert repr(name) in message
    assert repr(text) in message
    assert allowed in message


def test_an_unknown_parameter_is_refused_with_a_suggestion_and_the_allowed_names() -> None:
    with pytest.raises(
        ParameterError,
        match=r"unknown parameter 'task' \(did you mean 'tasks'\?\); allowed: tasks, seconds",
    ):
        resolve(SPECS, {"task": "3"}, owner="o")


def test_a_bad_default_is_caught_when_the_parameter_is_declared() -> None:
    with pytest.raises(ParameterError, match="'n'"):
        Param("n", int, 0, "count", min=1)


def test_parse_assignments_splits_on_the_first_equals_sign() -> None:
    assert parse_assignments(["a=1", "b=x=y"], flag="-p") == {"a": "1", "b": "x=y"}


@pytest.mark.parametrize("item", ["tasks", "=3", ""])
def test_parse_assignments_refuses_items_without_a_name_and_equals(item: str) -> None:
    with pytest.raises(ParameterError, match="-p expects name=value"):
        parse_assignments([item], flag="-p")


def test_parse_assignments_refuses_a_name_given_twice() -> None:
    with pytest.raises(ParameterError, match="'a' given twice"):
        parse_assignments(["a=1", "a=2"], flag="-p")
