"""Real PostgreSQL drivers against a server concbench started: what a driver costs per query.

``tasks`` tasks each make ``calls`` queries in a row through a pool of ``pool``
connections, at most ``pool`` tasks at once (the limit), against a cluster of
concbench's own (``measure/pgserver.py``). The drivers:

- ``asyncpg`` (asyncio only): asyncio, uvloop, anyio on asyncio;
- ``psycopg`` 3: its async pool on asyncio and uvloop (asyncio only: psycopg does not
  support trio), its sync pool on threads, processes and gevent (psycopg detects
  gevent's patching and waits cooperatively). It is not run inline on a loop.

The ideal is the schedule of ``pool`` slots over the tasks, each query taking its solo
time (the query alone on that backend): ⌈tasks / pool⌉ x calls x solo.
"""

from __future__ import annotations

import os

from concbench.framework import Library, Param, Scenario, Step, Task, Workload, call, resource

from . import _pg_drivers as drivers

__all__ = ["DRIVERS", "postgres"]

ROWS = 10_000
"""Rows in the lookup table; measure/pgserver.py creates exactly as many."""

DRIVERS: dict[str, tuple[Library, ...]] = {
    "asyncpg": (Library("asyncpg", "postgres", "postgres driver=asyncpg"),),
    "psycopg": (
        Library("psycopg", "postgres", "postgres driver=psycopg"),
        Library("psycopg_pool", "postgres", "postgres driver=psycopg (its pool)"),
    ),
}


def _call(driver: str, seconds: float, pool: int, query: str) -> Step:
    arg = {"query": query, "seconds": seconds, "rows": ROWS}
    if driver == "asyncpg":
        shared = resource("asyncpg pool", asyncio=drivers.asyncpg_pool, arg={"pool": pool})
        return call("asyncpg query", asyncio=drivers.asyncpg_query, arg=arg, resource=shared)
    shared = resource(
        "psycopg pool",
        asyncio=drivers.psycopg_async_pool,
        sync=drivers.psycopg_pool,
        arg={"pool": pool},
    )
    return call(
        "psycopg query",
        asyncio=drivers.psycopg_async_query,
        sync=drivers.psycopg_query,
        arg=arg,
        resource=shared,
        inline=False,
    )


def build_postgres(
    *, tasks: int, seconds: float, driver: str, pool: int, query: str, calls: int
) -> Workload:
    step = _call(driver, seconds, pool, query)
    # a pool per process: the processes backend runs one in each of its pool processes
    connections = pool * ((os.cpu_count() or 1) + 1)
    return Workload(
        tasks=(Task(steps=(step,) * calls),) * tasks,
        limit=pool if pool < tasks else None,
        services=(("postgres", connections),),
        requires=DRIVERS[driver],
    )


postgres = Scenario(
    name="postgres",
    summary="`tasks` tasks each making `calls` queries (`SELECT pg_sleep(seconds)`, or a "
    "primary-key lookup) through a real driver's pool of `pool` connections, against a "
    "PostgreSQL server concbench starts (ideal: ceil(tasks / pool) x calls x solo time)",
    params=(
        Param("tasks", int, 50, "number of tasks", min=1, max=10_000),
        Param("seconds", float, 0.05, "pg_sleep per query (query=sleep)", min=0.0, max=3600.0),
        Param("driver", str, "asyncpg", "the driver", choices=tuple(DRIVERS)),
        Param("pool", int, 10, "connections in the driver's pool", min=1, max=500),
        Param(
            "query", str, "sleep", "pg_sleep, or a primary-key lookup", choices=("sleep", "lookup")
        ),
        Param("calls", int, 1, "queries per task, one after another", min=1, max=1000),
    ),
    build=build_postgres,
    sweeps={"driver": ",".join(DRIVERS)},
    libraries=tuple(library for libraries in DRIVERS.values() for library in libraries),
)
