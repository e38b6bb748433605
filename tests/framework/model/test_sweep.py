from __future__ import annotations

import pytest

from concbench.framework.model.params import ParameterError
from concbench.framework.model.sweep import expand


def test_a_single_value_is_one_parameter_set() -> None:
    assert expand({"tasks": "10", "seconds": "0.1"}, flag="-p") == [
        {"tasks": "10", "seconds": "0.1"}
    ]


def test_a_list_runs_each_value_in_order() -> None:
    assert expand({"tasks": "10,100, 1000"}, flag="-p") == [
        {"tasks": "10"},
        {"tasks": "100"},
        {"tasks": "1000"},
    ]


def test_several_lists_give_every_combination_first_name_slowest() -> None:
    sets = expand({"tasks": "1,2", "seconds": "0.1,0.2"}, flag="-p")
    assert [(s["tasks"], s["seconds"]) for s in sets] == [
        ("1", "0.1"),
        ("1", "0.2"),
        ("2", "0.1"),
        ("2", "0.2"),
    ]


def test_no_assignments_is_one_empty_set() -> None:
    assert expand({}, flag="-p") == [{}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10,,100", "-p: tasks='10,,100' has an empty value in its list"),
        ("10,", "-p: tasks='10,' has an empty value in its list"),
        (",", "has an empty value in its list; give values separated by commas, e.g. tasks=10"),
        ("10,100,10", "-p: tasks='10,100,10' lists '10' more than once"),
    ],
)
def test_bad_lists_are_refused_naming_the_parameter_and_value(text: str, message: str) -> None:
    with pytest.raises(ParameterError) as error:
        expand({"tasks": text}, flag="-p")
    assert message in str(error.value)
