"""Every error concbench raises descends from one root, and the user's branch is the CLI's."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import concbench
import concbench.framework
from concbench.framework import (
    ConcbenchError,
    ContractError,
    ModelError,
    ParameterError,
    PluginError,
    UserError,
)
from concbench.framework.measure.interrupt import Interrupted
from concbench.framework.measure.ioserver import OpenFileLimitError, ServerError
from concbench.framework.measure.registry import UnknownNameError
from concbench.framework.store.records import SchemaError
from concbench.framework.store.resultstore import StoreError
from concbench.testing import IsolatedRunError


def _exceptions_defined_in_concbench() -> set[type[BaseException]]:
    found = set()
    for module in pkgutil.walk_packages(concbench.__path__, "concbench."):
        if module.name == "concbench.__main__":
            continue  # runs the command line on import
        loaded = importlib.import_module(module.name)
        for _, obj in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.name:
                found.add(obj)
    return found


def test_every_exception_concbench_defines_has_the_one_root() -> None:
    defined = _exceptions_defined_in_concbench()
    assert {ParameterError, StoreError, ServerError, IsolatedRunError} <= defined  # it looks
    assert [
        cls.__qualname__ for cls in defined - {Interrupted} if not issubclass(cls, ConcbenchError)
    ] == []


def test_interrupted_is_a_stop_not_an_error() -> None:
    # it must pass every `except Exception` between the runner and the command line
    assert issubclass(Interrupted, KeyboardInterrupt)
    assert not issubclass(Interrupted, Exception)


@pytest.mark.parametrize(
    ("error", "branch", "builtin"),
    [
        (ParameterError, UserError, ValueError),
        (OpenFileLimitError, ParameterError, ValueError),
        (ModelError, UserError, ValueError),
        (UnknownNameError, UserError, LookupError),
        (StoreError, UserError, ValueError),
        (ContractError, PluginError, RuntimeError),
        (SchemaError, ConcbenchError, ValueError),
        (ServerError, ConcbenchError, RuntimeError),
        (IsolatedRunError, ConcbenchError, RuntimeError),
    ],
)
def test_each_error_has_its_branch_and_keeps_its_old_base(
    error: type[Exception], branch: type[Exception], builtin: type[Exception]
) -> None:
    assert issubclass(error, branch)
    assert issubclass(error, builtin)  # `except ValueError` written before the root still works


def test_only_input_errors_are_user_errors() -> None:
    for error in (PluginError, ContractError, SchemaError, ServerError, IsolatedRunError):
        assert not issubclass(error, UserError), error


def test_the_roots_are_public() -> None:
    for name in ("ConcbenchError", "UserError", "PluginError"):
        assert name in concbench.framework.__all__
        assert getattr(concbench.framework, name).__module__ == "concbench.framework.model.errors"
