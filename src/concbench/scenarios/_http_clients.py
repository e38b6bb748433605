"""The HTTP client stacks of the ``http`` scenario: one resource factory and one call each.

Every function here is named by reference in a ``call`` step and imported in the worker
(model/calls.py), so the client libraries are imported inside the functions: this module
imports without them, and a missing one makes its rows ``skipped`` at plan time
(``Workload.requires``), never an import error.

Each resource is the client as a program would keep it (a session, a pool manager, an
``AsyncClient``), made before the measured region and closed after it, sized so that
every task can hold a connection at once (a pool that makes tasks wait would measure the
pool, not the client). ``keepalive`` off sends ``Connection: close`` and keeps no idle
connection, so each request pays its connect. Proxies from the environment are ignored:
the requests must reach the local server. A call checks the status and the body, so a
request that did not happen fails the run.

httpx's kept connections never expire within a run (``keepalive_expiry=None``): with
hundreds of kept connections its pool spends seconds per run looking through them, so a
connection can sit idle past the default 5 s, and on trio httpcore then closes one that
a request was just given ("this socket was already closed"; seen here with 200 tasks).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from concbench.framework import CallContext, ResourceContext

__all__ = [
    "aiohttp_get",
    "aiohttp_session",
    "httpx_client",
    "httpx_get",
    "requests_get",
    "requests_session",
    "urllib3_get",
    "urllib3_pool",
]

_BODY = b"ok"


def _check(status: int, body: bytes) -> None:
    if status != 200 or body != _BODY:
        raise ConnectionError(f"the HTTP server answered {status} {body[:100]!r}, not 200 'ok'")


def _headers(ctx: ResourceContext) -> dict[str, str]:
    return {} if ctx.arg["keepalive"] else {"Connection": "close"}


def _url(ctx: ResourceContext) -> str:
    url: str = ctx.endpoint("http")["url"]
    return url


@asynccontextmanager
async def httpx_client(ctx: ResourceContext) -> AsyncIterator[Any]:
    import httpx

    keepalive = bool(ctx.arg["keepalive"])
    limits = httpx.Limits(
        max_connections=None,
        max_keepalive_connections=None if keepalive else 0,
        keepalive_expiry=None,  # see the module docstring
    )
    async with httpx.AsyncClient(
        base_url=_url(ctx), limits=limits, headers=_headers(ctx), timeout=None, trust_env=False
    ) as client:
        yield client


async def httpx_get(ctx: CallContext) -> None:
    response = await ctx.resource.get(ctx.arg)
    _check(response.status_code, response.content)


@asynccontextmanager
async def aiohttp_session(ctx: ResourceContext) -> AsyncIterator[Any]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=0, force_close=not ctx.arg["keepalive"])
    async with aiohttp.ClientSession(
        base_url=_url(ctx),
        connector=connector,
        headers=_headers(ctx),
        timeout=aiohttp.ClientTimeout(total=None),
    ) as session:
        yield session


async def aiohttp_get(ctx: CallContext) -> None:
    async with ctx.resource.get(ctx.arg) as response:
        _check(response.status, await response.read())


@contextmanager
def urllib3_pool(ctx: ResourceContext) -> Iterator[tuple[Any, str]]:
    import urllib3

    with urllib3.PoolManager(maxsize=max(ctx.tasks, 1), headers=_headers(ctx)) as pool:
        yield pool, _url(ctx)


def urllib3_get(ctx: CallContext) -> None:
    pool, url = ctx.resource
    response = pool.request("GET", url + ctx.arg, retries=False)
    _check(response.status, response.data)


@contextmanager
def requests_session(ctx: ResourceContext) -> Iterator[tuple[Any, str]]:
    import requests
    from requests.adapters import HTTPAdapter

    with requests.Session() as session:
        session.trust_env = False
        session.headers.update(_headers(ctx))
        session.mount("http://", HTTPAdapter(pool_maxsize=max(ctx.tasks, 1)))
        yield session, _url(ctx)


def requests_get(ctx: CallContext) -> None:
    session, url = ctx.resource
    response = session.get(url + ctx.arg)
    _check(response.status_code, response.content)
