"""The PostgreSQL drivers of the ``postgres`` scenario: one pool factory and one query each.

As for the HTTP clients (``_http_clients``), every function is named by reference and the
drivers are imported inside them. Each resource is a pool of ``pool`` connections, all
opened before the measured region (a pool that connects lazily would bill its connects to
the first queries) and closed after it. The scenario's limit keeps at most ``pool`` tasks
querying at once, so a task never waits for a connection: the wait for a slot is the
ideal schedule's, and what the pool adds is its hand-over.

A query is ``SELECT pg_sleep($1)`` (mode ``sleep``) or a primary-key lookup in the table
``items`` that concbench created (mode ``lookup``; the key depends on the task, so the
lookups spread over the table). asyncpg and psycopg prepare statements as drivers do by
default (asyncpg at once, psycopg from the fifth execution of a query).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from concbench.framework import CallContext, ResourceContext

__all__ = [
    "asyncpg_pool",
    "asyncpg_query",
    "psycopg_async_pool",
    "psycopg_async_query",
    "psycopg_pool",
    "psycopg_query",
]

_SQL = {
    "sleep": ("SELECT pg_sleep($1)", "SELECT pg_sleep(%s)"),
    "lookup": ("SELECT value FROM items WHERE id = $1", "SELECT value FROM items WHERE id = %s"),
}
"""Each mode's query, in asyncpg's placeholders and in psycopg's."""


def _value(ctx: CallContext) -> float | int:
    """The query's parameter: the sleep's length, or a key (the rows are 1..rows)."""
    if ctx.arg["query"] == "sleep":
        seconds: float = ctx.arg["seconds"]
        return seconds
    task = 0 if ctx.task is None else ctx.task
    rows: int = ctx.arg["rows"]
    return (task * 7919 + ctx.step) % rows + 1


def _size(ctx: ResourceContext) -> int:
    size: int = ctx.arg["pool"]
    return size


@asynccontextmanager
async def asyncpg_pool(ctx: ResourceContext) -> AsyncIterator[Any]:
    import asyncpg

    where = ctx.endpoint("postgres")
    pool = await asyncpg.create_pool(
        host=where["host"],
        port=where["port"],
        user=where["user"],
        database=where["dbname"],
        min_size=_size(ctx),
        max_size=_size(ctx),
    )
    try:
        yield pool
    finally:
        await pool.close()


async def asyncpg_query(ctx: CallContext) -> None:
    await ctx.resource.fetchval(_SQL[ctx.arg["query"]][0], _value(ctx))


@asynccontextmanager
async def psycopg_async_pool(ctx: ResourceContext) -> AsyncIterator[Any]:
    from psycopg_pool import AsyncConnectionPool

    size = _size(ctx)
    conninfo = ctx.endpoint("postgres")["dsn"]
    async with AsyncConnectionPool(conninfo, min_size=size, max_size=size, open=False) as pool:
        await pool.open(wait=True)
        yield pool


async def psycopg_async_query(ctx: CallContext) -> None:
    async with ctx.resource.connection() as connection:
        cursor = await connection.execute(_SQL[ctx.arg["query"]][1], (_value(ctx),))
        await cursor.fetchone()


@contextmanager
def psycopg_pool(ctx: ResourceContext) -> Iterator[Any]:
    from psycopg_pool import ConnectionPool

    size = _size(ctx)
    conninfo = ctx.endpoint("postgres")["dsn"]
    with ConnectionPool(conninfo, min_size=size, max_size=size, open=False) as pool:
        pool.open(wait=True)
        yield pool


def psycopg_query(ctx: CallContext) -> None:
    with ctx.resource.connection() as connection:
        connection.execute(_SQL[ctx.arg["query"]][1], (_value(ctx),)).fetchone()
