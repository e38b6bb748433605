"""Concurrent requests to a server with latency: the API fan-out most async code is written for."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, io

__all__ = ["requests"]


def requests_ideal(tasks: int, seconds: float) -> float:
    """Every request waits on the server at the same time: one latency."""
    return seconds


def build_requests(tasks: int, seconds: float) -> Workload:
    task = Task(steps=(io(seconds),))  # one shared object: many tasks stay cheap
    return Workload(tasks=(task,) * tasks)


requests = Scenario(
    name="requests",
    summary="`tasks` concurrent requests, each a new connection to a loopback server that "
    "answers after `seconds` (ideal: `seconds`)",
    params=(
        Param("tasks", int, 1000, "number of concurrent requests", min=1, max=1_000_000),
        Param("seconds", float, 0.05, "the server's latency per request", min=0.0, max=3600.0),
    ),
    build=build_requests,
    # the figure is per request: 200 short ones leave time for five processes a row
    compare=({"tasks": 200, "seconds": 0.02},),
)
