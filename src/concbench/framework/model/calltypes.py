"""What a ``call`` step names: the function's variants, its resource, and what each receives.

Plain frozen records of references and JSON text, never function objects, so that a call
step stays hashable and crosses every process boundary as JSON (model/calls.py says why).
Kept apart from the constructors that build them (model/callbuild.py) and from what a run
does with them (model/callrun.py), which both import these types.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from typing import Any

from .steps import ModelError

__all__ = ["ASYNC_VARIANTS", "Call", "CallContext", "CallVariant", "Resource", "ResourceContext"]


class CallVariant(str, enum.Enum):
    """How a call's function is written, which decides where it can run."""

    ANYIO = "anyio"
    """``async def fn(ctx)`` against anyio: asyncio, uvloop, trio, anyio."""
    ASYNCIO = "asyncio"
    """``async def fn(ctx)`` that needs asyncio: asyncio, uvloop, anyio on asyncio."""
    SYNC = "sync"
    """``def fn(ctx)``: threads, processes, gevent, dask; inline (blocking) on a loop."""


ASYNC_VARIANTS = frozenset({CallVariant.ANYIO, CallVariant.ASYNCIO})

_RESOURCE_FACTORIES: dict[CallVariant, tuple[str, ...]] = {
    CallVariant.ANYIO: ("anyio",),
    CallVariant.ASYNCIO: ("asyncio", "anyio"),  # an anyio context manager works on asyncio
    CallVariant.SYNC: ("sync",),
}
"""Which of a resource's factories serve a call of each variant, first found wins."""


@dataclass(frozen=True, slots=True)
class CallContext:
    """What a call's function receives: where it runs, and what the run shares."""

    task: int | None
    """The task's index, or ``None`` in the main routine."""
    step: int
    """The step's index within its task (or main)."""
    resource: Any
    """What the call's resource's context manager gave on entry; ``None`` without one."""
    arg: Any
    """The call's argument, decoded from its JSON."""


@dataclass(frozen=True, slots=True)
class ResourceContext:
    """What a resource's factory receives."""

    arg: Any
    """The resource's argument, decoded from its JSON."""
    tasks: int
    """Tasks in the workload: to size a pool of connections."""
    io_address: tuple[str, int] | None
    """The latency server's address, when the workload has ``io`` steps."""
    endpoints: tuple[tuple[str, str], ...] = ()
    """How to reach the servers the workload declared (``Workload.endpoints``)."""

    def endpoint(self, service: str) -> dict[str, Any]:
        """How to reach the ``service`` server (its JSON): ``{"url": ...}`` for ``http``,
        ``{"host", "port", "user", "dbname", "dsn", ...}`` for ``postgres``."""
        for name, info in self.endpoints:
            if name == service:
                found: dict[str, Any] = json.loads(info)
                return found
        raise ModelError(
            f"no endpoint for the {service!r} server: the workload must name it "
            "in `services` (the runner starts it and fills in `endpoints`)"
        )


@dataclass(frozen=True)
class Resource:
    """A per-run object the calls share, made by a factory named by reference.

    Each factory is called with a :class:`ResourceContext` and returns a context manager
    (``sync``) or an async context manager (``anyio``, ``asyncio``). Build one with
    :func:`resource`.
    """

    name: str
    anyio: str = ""
    asyncio: str = ""
    sync: str = ""
    arg: str = "null"
    """JSON text."""
    endpoints: tuple[tuple[str, str], ...] = ()
    """The workload's ``endpoints`` (how to reach its servers), set by :func:`bind`, so
    that they travel with the resource to wherever it is made (a pool process too)."""

    def factory(self, variant: CallVariant) -> str:
        """The reference of the factory that serves a call of ``variant``, or ``""``."""
        for attribute in _RESOURCE_FACTORIES[variant]:
            ref: str = getattr(self, attribute)
            if ref:
                return ref
        return ""


@dataclass(frozen=True)
class Call:
    """A function of the scenario's, in up to three variants, named by reference.

    Build one with :func:`call`, which returns the step. ``chosen`` is set when the
    workload is bound to a backend (:func:`bind`).
    """

    name: str
    """Names the call in reports; the solo times are keyed by it."""
    anyio: str = ""
    asyncio: str = ""
    sync: str = ""
    arg: str = "null"
    """JSON text."""
    resource: Resource | None = None
    chosen: CallVariant | None = None
    inline: bool = True
    """Whether the sync function may run inline on a loop (blocking it); ``False`` makes
    the job ``skipped`` there instead: a blocking HTTP client on asyncio would take the
    serial time, which measures nothing the ``block`` step does not."""

    def variants(self) -> tuple[CallVariant, ...]:
        return tuple(v for v in CallVariant if getattr(self, v.value))

    def function(self, variant: CallVariant) -> str:
        ref: str = getattr(self, variant.value)
        return ref

    @property
    def runs_async(self) -> bool:
        return self.chosen in ASYNC_VARIANTS
