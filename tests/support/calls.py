"""Real functions for ``call`` steps, and scenarios that use them, for tests.

Workers, pool processes and dask workers import these by ``module:qualname``, so they
live in an importable module. Each function and resource writes one JSON line per event
to the file named in its argument (``log``), with a ``perf_counter_ns`` stamp (the clock
is system-wide, so stamps from pool processes compare with the trace's): the tests read
where and when each call ran, and when each resource was made and closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio

from concbench.framework import (
    CallContext,
    Param,
    ResourceContext,
    Scenario,
    Task,
    Workload,
    call,
    resource,
    sleep,
)


def log(path: str, **event: Any) -> None:
    """One line, written in one ``write`` on an O_APPEND descriptor: lines from threads and
    processes never interleave."""
    if not path:
        return
    line = json.dumps(event | {"ns": time.perf_counter_ns(), "pid": os.getpid()}) + "\n"
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def read_log(path: str) -> list[dict[str, Any]]:
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def _event(ctx: CallContext, variant: str) -> dict[str, Any]:
    held = ctx.resource
    return {
        "event": "call",
        "variant": variant,
        "task": ctx.task,
        "step": ctx.step,
        "resource": None if held is None else held["id"],
        "thread": threading.get_ident(),
    }


async def nap_anyio(ctx: CallContext) -> None:
    """Written against anyio: runs on any loop anyio supports."""
    await anyio.sleep(ctx.arg["seconds"])
    log(ctx.arg.get("log", ""), **_event(ctx, "anyio"))


async def nap_asyncio(ctx: CallContext) -> None:
    """Needs asyncio."""
    await asyncio.sleep(ctx.arg["seconds"])
    log(ctx.arg.get("log", ""), **_event(ctx, "asyncio"))


def nap_sync(ctx: CallContext) -> None:
    """Blocks its thread (or, inline, the loop)."""
    time.sleep(ctx.arg["seconds"])
    log(ctx.arg.get("log", ""), **_event(ctx, "sync"))


def digest(ctx: CallContext) -> str:
    """Real CPU work: SHA-256 over ``size`` bytes, ``rounds`` times."""
    data = b"x" * ctx.arg["size"]
    for _ in range(ctx.arg["rounds"]):
        data = hashlib.sha256(data).digest() * (ctx.arg["size"] // 32)
    return str(data[:8].hex())


def boom(ctx: CallContext) -> None:
    raise ValueError(f"boom in task {ctx.task}, step {ctx.step}")


class Stubborn(Exception):
    """Pickles, but cannot be unpickled: its __init__ wants two arguments."""

    def __init__(self, first: str, second: str) -> None:
        super().__init__(f"{first} {second}")


def stubborn(ctx: CallContext) -> None:
    raise Stubborn("stubborn", "failure")


async def boom_async(ctx: CallContext) -> None:
    await anyio.sleep(0)
    raise ValueError(f"async boom in task {ctx.task}")


@contextlib.contextmanager
def sync_resource(rctx: ResourceContext) -> Iterator[dict[str, Any]]:
    ident = f"sync-{os.getpid()}-{time.perf_counter_ns()}"
    log(rctx.arg.get("log", ""), event="open", id=ident, tasks=rctx.tasks)
    try:
        yield {"id": ident}
    finally:
        log(rctx.arg.get("log", ""), event="close", id=ident)


@contextlib.asynccontextmanager
async def async_resource(rctx: ResourceContext) -> AsyncIterator[dict[str, Any]]:
    ident = f"async-{os.getpid()}-{time.perf_counter_ns()}"
    await anyio.sleep(0)  # a real await: it runs inside the loop
    log(rctx.arg.get("log", ""), event="open", id=ident, tasks=rctx.tasks)
    try:
        yield {"id": ident}
    finally:
        log(rctx.arg.get("log", ""), event="close", id=ident)


def naps(log_path: str, seconds: float = 0.02, *, variants: str = "anyio,sync") -> Any:
    """A call step with the variants named, each napping ``seconds``, sharing a resource."""
    chosen = set(variants.split(","))
    functions: dict[str, Any] = {"anyio": nap_anyio, "asyncio": nap_asyncio, "sync": nap_sync}
    factories = {"anyio": async_resource, "asyncio": async_resource, "sync": sync_resource}
    held = resource(
        "held",
        arg={"log": log_path},
        **{key: factories[key] for key in ("anyio", "asyncio", "sync") if key in chosen},
    )
    return call(
        "nap",
        arg={"log": log_path, "seconds": seconds},
        resource=held,
        **{key: functions[key] for key in ("anyio", "asyncio", "sync") if key in chosen},
    )


def _build_naps(tasks: int, seconds: float, variants: str, log: str) -> Workload:
    step = naps(log, seconds, variants=variants)
    return Workload(tasks=(Task((step, step)),) * tasks, main=(sleep(seconds / 2),))


call_naps = Scenario(
    name="call-naps",
    summary="`tasks` tasks of two naps each, through call steps of the named variants",
    params=(
        Param("tasks", int, 3, "tasks", min=1, max=100),
        Param("seconds", float, 0.02, "each nap", min=0.0, max=1.0),
        Param("variants", str, "anyio,sync", "which variants the call has"),
        Param("log", str, "", "where the calls and resources log"),
    ),
    build=_build_naps,
)


def _build_raising(where: str) -> Workload:
    functions: dict[str, dict[str, Any]] = {
        "sync": {"sync": boom},
        "async": {"anyio": boom_async, "sync": boom},
        "stubborn": {"sync": stubborn},
    }
    step = call("boom", **functions[where])
    return Workload(tasks=(Task((sleep(0.001), step)),) * 2)


call_raising = Scenario(
    name="call-raising",
    summary="two tasks whose call raises",
    params=(Param("where", str, "sync", "sync, async or stubborn"),),
    build=_build_raising,
)


def _build_unimportable(ref: str) -> Workload:
    return Workload(tasks=(Task((call("ghost", sync=ref),)),))


call_unimportable = Scenario(
    name="call-unimportable",
    summary="a call whose function cannot be imported",
    params=(Param("ref", str, "support.nowhere:ghost", "the function's reference"),),
    build=_build_unimportable,
)
