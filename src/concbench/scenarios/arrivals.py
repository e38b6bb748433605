"""Requests that arrive over time (open loop): the load a server sees, and its tail latency.

Each request is a task released at its arrival time, whether or not earlier requests have
finished, and its latency counts from that intended arrival (docs/scenarios.md#arrivals):
a backend that falls behind is charged for every request it delays, as wrk2 charges a
server, instead of the load politely waiting for it.
"""

from __future__ import annotations

import random

from concbench.framework import ModelError, Param, Scenario, Step, Task, Workload, cpu, io, sleep

__all__ = ["arrivals", "build_arrivals", "release_times"]

MAX_ARRIVALS = 1_000_000


def release_times(rate: float, duration: float, arrival: str, seed: int) -> tuple[float, ...]:
    """When each request arrives, seconds after the run begins: every ``1/rate`` from 0
    (``even``), or a Poisson process of that rate drawn from ``seed`` (``poisson``), over
    ``[0, duration)``."""
    expected = rate * duration
    if expected > MAX_ARRIVALS:
        raise ModelError(
            f"`rate` x `duration` must be at most {MAX_ARRIVALS:,} requests, got {expected:,.0f}"
        )
    if arrival == "even":
        return tuple(index / rate for index in range(max(1, round(expected))))
    draw, now = random.Random(seed), 0.0
    times: list[float] = []
    while True:
        now += draw.expovariate(rate)
        if now >= duration:
            return tuple(times) or (0.0,)
        times.append(now)


def _work(kind: str, service: float) -> tuple[Step, ...]:
    if kind == "sleep":
        return (sleep(service),)
    if kind == "io":
        return (io(service),)
    if kind == "cpu":
        return (cpu(service),)
    return (cpu(service / 2), io(service / 2))  # mix: compute, then ask another server


def build_arrivals(
    *, rate: float, duration: float, arrival: str, seed: int, kind: str, service: float
) -> Workload:
    releases = release_times(rate, duration, arrival, seed)
    task = Task(steps=_work(kind, service))  # one shared object: 100,000 requests stay cheap
    return Workload(tasks=(task,) * len(releases), releases=releases)


arrivals = Scenario(
    name="arrivals",
    summary="`rate` requests per second for `duration` seconds (`arrival` even or poisson), "
    "each `kind` work of `service` seconds; latency from the intended arrival (ideal: the "
    "last arrival plus `service`)",
    params=(
        Param("rate", float, 1000.0, "requests per second offered", min=0.01, max=1_000_000.0),
        Param("duration", float, 2.0, "seconds of arrivals", min=0.001, max=3600.0),
        Param("arrival", str, "even", "spacing of arrivals", choices=("even", "poisson")),
        Param("seed", int, 0, "seed of the poisson arrivals", min=0, max=2**63 - 1),
        Param(
            "kind",
            str,
            "sleep",
            "each request's work: sleep, io (a request to the latency server), cpu, or mix "
            "(half cpu, then half io)",
            choices=("sleep", "io", "cpu", "mix"),
        ),
        Param("service", float, 0.01, "nominal seconds of work per request", min=0.0, max=60.0),
    ),
    build=build_arrivals,
    compare=(),
)
