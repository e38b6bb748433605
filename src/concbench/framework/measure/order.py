"""The order in time of a sweep's worker processes: interleaved, shuffled, recorded.

Running one backend's processes after another's lets a slow minute of the machine land
on one backend and read as its cost. Interleaving spreads it: round ``k`` runs the
``k``-th process of every job of a workload, in an order shuffled afresh for each round
after the first from the sweep's seed (kept in its environment record). Every record
carries its process's ``seq``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from .resume import Todo

__all__ = ["interleave"]

J = TypeVar("J")


def interleave(
    todo: Sequence[tuple[J, Todo]], rng: random.Random
) -> list[tuple[J, int, Sequence[int]]]:
    """Each job's worker processes (index and runs), round-robin over the jobs; every
    round after the first in a shuffled order.

    The first round keeps the planned order: reports list a workload's rows in the order
    their runs first appear, so the rows keep the order the user asked for (``-b``, or
    the backends' names) instead of a new one every sweep.
    """
    order: list[tuple[J, int, Sequence[int]]] = []
    rounds = max((len(processes) for _, processes in todo), default=0)
    for k in range(rounds):
        this_round = [(job, *processes[k]) for job, processes in todo if k < len(processes)]
        if k:
            rng.shuffle(this_round)
        order += this_round
    return order
