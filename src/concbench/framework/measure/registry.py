"""Discovery of backends and scenarios through entry points, built-ins included.

Built-ins register exactly as third-party plugins do, so the plugin path is exercised on
every run. Each plugin is checked as it loads; one that fails to import or breaks the
contract is kept aside with its reason, and everything else keeps working.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, TypeVar

from ..model.backend import Backend
from ..model.errors import UserError
from ..model.params import Param, did_you_mean, shown
from ..model.scenario import Scenario
from ..model.workload import StepKind

__all__ = [
    "BACKENDS_GROUP",
    "SCENARIOS_GROUP",
    "BrokenPlugin",
    "Registry",
    "UnknownNameError",
    "backend_warning",
    "default_registry",
    "load_registry",
]

T = TypeVar("T")

BACKENDS_GROUP = "concbench.backends"
SCENARIOS_GROUP = "concbench.scenarios"


class UnknownNameError(UserError, LookupError):
    """A backend or scenario name that is not registered (or is registered but broken)."""


@dataclass(frozen=True)
class BrokenPlugin:
    """A plugin that could not be used, and why."""

    group: str
    name: str
    value: str
    reason: str


@dataclass(frozen=True)
class Registry:
    backends: dict[str, type[Backend]] = field(default_factory=dict)
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    broken: tuple[BrokenPlugin, ...] = ()
    references: dict[tuple[str, str], str] = field(default_factory=dict)
    """``(group, name)`` to the entry point's ``module:attr``: how a worker process finds it."""
    warnings: dict[str, str] = field(default_factory=dict)
    """Backend name to what its declarations leave unsaid (:func:`backend_warning`): it
    loads and runs, but a report may explain its numbers wrongly."""

    def reference(self, group: str, name: str) -> str:
        return self.references[(group, name)]

    def backend(self, name: str) -> type[Backend]:
        return self._lookup("backend", BACKENDS_GROUP, self.backends, name)

    def scenario(self, name: str) -> Scenario:
        return self._lookup("scenario", SCENARIOS_GROUP, self.scenarios, name)

    def _lookup(self, kind: str, group: str, table: dict[str, T], name: str) -> T:
        if name in table:
            return table[name]
        for plugin in self.broken:
            if plugin.group == group and plugin.name == name:
                raise UnknownNameError(
                    f"{kind} {shown(name)} is installed but broken: {plugin.reason}"
                )
        known = ", ".join(sorted(table)) or "none"
        raise UnknownNameError(
            f"unknown {kind} {shown(name)}{did_you_mean(name, table)}; known: {known}"
        )


EntryPointSource = Callable[[str], Iterable[EntryPoint]]


def _installed(group: str) -> Iterable[EntryPoint]:
    return entry_points(group=group)


def load_registry(source: EntryPointSource = _installed) -> Registry:
    """Load and check every plugin that ``source`` lists for the two groups."""
    broken: list[BrokenPlugin] = []
    references: dict[tuple[str, str], str] = {}
    backends = _load(BACKENDS_GROUP, source, check_backend, broken, references)
    scenarios = _load(SCENARIOS_GROUP, source, check_scenario, broken, references)
    warnings = {name: text for name, cls in backends.items() if (text := backend_warning(cls))}
    return Registry(backends, scenarios, tuple(broken), references, warnings)


@cache
def default_registry() -> Registry:
    """The installed plugins, loaded once per process."""
    return load_registry()


def _load(
    group: str,
    source: EntryPointSource,
    check: Callable[[str, Any], str | None],
    broken: list[BrokenPlugin],
    references: dict[tuple[str, str], str],
) -> dict[str, Any]:
    loaded: dict[str, Any] = {}

    # concbench's own entry points first on a name clash: a plugin is reported as the
    # duplicate, never silently put in place of a built-in
    def order(point: EntryPoint) -> tuple[str, bool, str]:
        return point.name, not point.value.startswith("concbench."), point.value

    for point in sorted(source(group), key=order):

        def fail(reason: str, point: EntryPoint = point) -> None:
            broken.append(BrokenPlugin(group, point.name, point.value, reason))

        if point.name in loaded:
            fail(f"duplicate name: {references[(group, point.name)]} already provides it")
            continue
        try:
            obj = point.load()
        except Exception as exc:  # a plugin's import error must not take down the rest
            if _interrupt_inside(exc):  # Ctrl-C, not the plugin: never swallowed
                raise KeyboardInterrupt from exc
            fail(f"failed to import {point.value}: {type(exc).__name__}: {exc}")
            continue
        problem = check(point.name, obj)
        if problem:
            fail(problem)
            continue
        loaded[point.name] = obj
        references[(group, point.name)] = point.value
    return loaded


def _interrupt_inside(exc: BaseException) -> bool:
    """Whether a ``KeyboardInterrupt`` is along ``exc``'s chain of causes: Python 3.11 wraps
    one raised while a class is made (``__set_name__``, which dataclasses use) in a
    ``RuntimeError``. Taken for a broken plugin, a Ctrl-C while the plugins load was lost
    and the sweep ran to its end."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def check_backend(name: str, obj: Any) -> str | None:
    if not (inspect.isclass(obj) and issubclass(obj, Backend)):
        return f"{obj!r} is not a subclass of concbench.framework.Backend"
    if inspect.isabstract(obj):
        missing = ", ".join(sorted(getattr(obj, "__abstractmethods__", ())))
        return f"{obj.__qualname__} does not implement {missing}"
    if getattr(obj, "name", None) != name:
        return f"{obj.__qualname__}.name is {getattr(obj, 'name', None)!r}, expected {name!r}"
    if not (
        isinstance(obj.supports, frozenset) and all(isinstance(k, StepKind) for k in obj.supports)
    ):
        return f"{obj.__qualname__}.supports must be a frozenset of StepKind"
    if not all(isinstance(option, Param) for option in obj.options):
        return f"{obj.__qualname__}.options must be a tuple of Param"
    try:
        for options in obj.compare:
            obj.resolve_options(options)
    except (TypeError, ValueError) as exc:
        return f"{obj.__qualname__}.compare must list valid option sets: {exc}"
    return None


def backend_warning(cls: type[Backend]) -> str | None:
    """What a backend that runs ``block`` steps should declare and does not, or ``None``.

    Whether a ``block`` step (``time.sleep``) stops the backend's other tasks cannot be
    seen from outside: it does on an event loop, where it runs inline in a coroutine, and
    does not on threads. Without the declaration, ``seed-blocking`` on an event loop is
    diagnosed as "steps overran their nominal time" instead of "loop blocked". So the rule
    is that a backend supporting ``block`` says which steps stop its scheduler, in its own
    class or a parent's other than :class:`Backend`; ``frozenset()`` is an answer too.
    """
    if StepKind.BLOCK not in cls.supports:
        return None
    declared = any(
        "blocks_scheduler" in vars(klass) for klass in cls.__mro__ if klass is not Backend
    )
    if declared:
        return None
    return (
        f"{cls.__qualname__} runs block steps but does not declare blocks_scheduler: set "
        "frozenset({StepKind.BLOCK, StepKind.CPU}) if they stop its other tasks (coroutines "
        "on one loop), or frozenset() if not (threads); until then a blocked loop is "
        "reported as steps that overran"
    )


def check_scenario(name: str, obj: Any) -> str | None:
    if not isinstance(obj, Scenario):
        return f"{obj!r} is not a concbench.framework.Scenario"
    if obj.name != name:
        return f"scenario object is named {obj.name!r}, but registered as {name!r}"
    try:
        for params in ({}, *obj.compare):
            obj.resolve(params)
    except ValueError as exc:
        return f"invalid defaults or compare parameters: {exc}"
    return None
