"""The scenario contract: a named, parameterised recipe that builds a workload."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .libraries import Library
from .params import Param, resolve
from .workload import Workload

__all__ = ["Scenario"]


@dataclass(frozen=True)
class Scenario:
    """A recipe; plugins expose an instance under the ``concbench.scenarios`` entry point.

    ``build`` receives every declared parameter as a keyword argument, already converted
    and checked against its bounds, and returns the workload. ``compare`` lists the
    parameter sets that ``concbench compare`` runs by default (empty: not in the default
    matrix), so a plugin scenario can join the main job without touching the framework.
    """

    name: str
    summary: str
    params: tuple[Param, ...]
    build: Callable[..., Workload]
    compare: tuple[Mapping[str, object], ...] = ()
    sweeps: Mapping[str, str] = field(default_factory=dict)
    """Parameters that ``concbench run`` sweeps when they are not given, each with its
    comma list of values (``{"client": "httpx,aiohttp"}``): one row per value, as if the
    user had typed ``-p client=httpx,aiohttp``."""
    libraries: tuple[Library, ...] = ()
    """Every library its workloads may need (``Workload.requires``), for ``concbench list``."""

    @property
    def owner(self) -> str:
        return f"scenario {self.name!r}"

    def resolve(self, given: Mapping[str, object]) -> dict[str, Any]:
        """Declared parameters with defaults filled in; raises ParameterError on bad input."""
        return resolve(self.params, given, owner=self.owner)

    def workload(self, given: Mapping[str, object]) -> Workload:
        return self.build(**self.resolve(given))
