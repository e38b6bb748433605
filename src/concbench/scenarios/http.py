"""Real HTTP clients against a real local server: what a client library costs per request.

``tasks`` concurrent tasks each make ``calls`` GET requests in a row through one client
stack, to concbench's HTTP server (``measure/httpserver.py``), which answers each after
``seconds``. The client is each ecosystem's usual library, written as a ``call`` step:

- ``httpx`` (an anyio function): asyncio, uvloop, trio, anyio;
- ``aiohttp`` (asyncio only): asyncio, uvloop, anyio on asyncio;
- ``urllib3`` and ``requests`` (sync): threads, processes, gevent, dask. They are not run
  inline on a loop, where they would block it and take the serial time;
- ``raw``: the framework's own ``io`` step against the latency server at the same
  latency, on every backend that has one: the baseline the others are read against
  (the report's "client cost" table, analysis/clientcost.py).

A call's nominal duration is its solo time (the request alone on that backend), so the
row's overhead is what concurrency adds; the client's own cost per request is in the
comparison with ``raw``.
"""

from __future__ import annotations

from concbench.framework import Library, Param, Scenario, Step, Task, Workload, call, io, resource

from . import _http_clients as clients

__all__ = ["CLIENTS", "http"]

_ASYNC_ANYIO, _ASYNC_ASYNCIO, _SYNC = "anyio", "asyncio", "sync"

CLIENTS: dict[str, tuple[str, Library | None]] = {
    "raw": ("", None),
    "httpx": (_ASYNC_ANYIO, Library("httpx", "http", "http client=httpx")),
    "aiohttp": (_ASYNC_ASYNCIO, Library("aiohttp", "http", "http client=aiohttp")),
    "urllib3": (_SYNC, Library("urllib3", "http", "http client=urllib3")),
    "requests": (_SYNC, Library("requests", "http", "http client=requests")),
}
"""Each client: how its function is written (which backends run it), and its library."""

_FUNCTIONS = {
    "httpx": (clients.httpx_client, clients.httpx_get),
    "aiohttp": (clients.aiohttp_session, clients.aiohttp_get),
    "urllib3": (clients.urllib3_pool, clients.urllib3_get),
    "requests": (clients.requests_session, clients.requests_get),
}


def _step(client: str, seconds: float, keepalive: bool) -> Step:
    if client == "raw":
        return io(seconds)
    variant, _ = CLIENTS[client]
    factory, function = _FUNCTIONS[client]
    shared = resource(client, **{variant: factory}, arg={"keepalive": keepalive})
    return call(
        f"{client} GET",
        **{variant: function},
        arg=f"/?seconds={seconds!r}",
        resource=shared,
        inline=False,
    )


def build_http(tasks: int, seconds: float, client: str, keepalive: bool, calls: int) -> Workload:
    step = _step(client, seconds, keepalive)
    task = Task(steps=(step,) * calls)  # one shared object: many tasks stay cheap
    if client == "raw":
        return Workload(tasks=(task,) * tasks)
    library = CLIENTS[client][1]
    return Workload(
        tasks=(task,) * tasks,
        services=(("http", tasks + 1),),  # a connection per task at most (calls in a row)
        requires=(library,) if library else (),
    )


http = Scenario(
    name="http",
    summary="`tasks` concurrent tasks, each `calls` GET requests in a row through a real HTTP "
    "client (httpx, aiohttp, urllib3, requests; `raw`: the io step) to a local server that "
    "answers after `seconds` (ideal: `calls` x the request's solo time)",
    params=(
        Param("tasks", int, 50, "number of concurrent tasks", min=1, max=100_000),
        Param("seconds", float, 0.05, "the server's latency per request", min=0.0, max=3600.0),
        Param("client", str, "httpx", "the client stack", choices=tuple(CLIENTS)),
        Param("keepalive", bool, True, "reuse connections (off: Connection: close)"),
        Param("calls", int, 2, "requests per task, one after another", min=1, max=1000),
    ),
    build=build_http,
    # urllib3 is requests' engine: its row is opt-in (-p client=...), to keep the default
    # sweep to a few minutes (docs/scenarios.md)
    sweeps={"client": "raw,httpx,aiohttp,requests", "keepalive": "on,off"},
    libraries=tuple(library for _, library in CLIENTS.values() if library),
)
