"""A producer feeding consumers through a queue or channel of the backend's own kind."""

from __future__ import annotations

import math

from concbench.framework import Channel, Param, Scenario, Step, Task, Workload, cpu, get, io, put
from concbench.framework import sleep as sleep_step

__all__ = ["pipeline"]

CHANNEL = "items"
_WORK = {"sleep": sleep_step, "cpu": cpu, "io": io}


def pipeline_ideal(items: int, consumers: int, produce: float, work: float) -> float:
    """The makespan of the perfect run, derived from the dependencies.

    The producer makes item j at j x produce. Consumers take items in turn, so consumer
    k gets items k+1, k+1+K, ... and item j starts at max(j x produce, start of item
    j-K + work). Unrolled, the last item starts at the larger end of a linear chain:
    either the producer's pace (items x produce) or a consumer working back to back
    from its first item (r x produce + (ceil(items/K) - 1) x work, with r = ((items-1)
    mod K) + 1 the position of the last item's consumer). The channel's capacity does
    not enter: with equal items a consumer never waits for a producer held back by a
    full channel (the framework's simulation, which models capacity, agrees; tested).
    """
    rounds = math.ceil(items / consumers)
    last_first = (items - 1) % consumers + 1
    return max(items * produce + work, last_first * produce + rounds * work)


def build_pipeline(
    *, items: int, consumers: int, produce: float, work: float, capacity: int, kind: str
) -> Workload:
    make = _WORK[kind]
    producer = Task(steps=(make(produce), put(CHANNEL)) * items)
    per_item: tuple[Step, ...] = (get(CHANNEL), make(work))
    # consumers take items in turn, so the first (items mod K) consumers take one more
    shares = [math.ceil((items - k) / consumers) for k in range(consumers)]
    return Workload(
        tasks=(producer, *(Task(steps=per_item * share) for share in shares)),
        channels=(Channel(CHANNEL, capacity or None),),
    )


pipeline = Scenario(
    name="pipeline",
    summary="a producer makes `items` items (`produce` s each) into a channel of `capacity`; "
    "`consumers` consumers take them (`work` s each) (ideal: max(items x produce + work, "
    "r x produce + ceil(items / consumers) x work), r = ((items - 1) mod consumers) + 1)",
    params=(
        Param("items", int, 100, "items the producer makes", min=1, max=1_000_000),
        Param("consumers", int, 4, "consumer tasks sharing the channel", min=1, max=100_000),
        Param("produce", float, 0.001, "seconds to make one item", min=0.0, max=3600.0),
        Param("work", float, 0.01, "seconds a consumer spends on one item", min=0.0, max=3600.0),
        Param(
            "capacity",
            int,
            10,
            "items the channel holds before the producer waits; 0: unbounded",
            min=0,
            max=1_000_000,
        ),
        Param(
            "kind",
            str,
            "sleep",
            "what making and handling an item is: a sleep, CPU work or a request",
            choices=tuple(_WORK),
        ),
    ),
    build=build_pipeline,
)
