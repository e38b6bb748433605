"""``--resume``: what the store in ``--out`` already holds, and what is left to do.

The store is read before the first worker starts, so a damaged line fails while nothing
has run, and a resumed sweep runs only the runs its store lacks.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..framework.measure.resume import Stored
from ..framework.measure.runner import Job
from ..framework.model.params import ParameterError
from ..framework.store.resultstore import read_records

__all__ = ["already_stored", "left_to_do"]


def already_stored(args: argparse.Namespace) -> Stored | None:
    """With ``--resume``, what the store in ``--out`` already holds; read before anything runs."""
    if args.retry_faults and not args.resume:
        raise ParameterError("--retry-faults only applies with --resume")
    if not args.resume:
        return None
    if args.out is None:
        raise ParameterError("--resume needs --out FILE, the result store of the sweep to continue")
    if not Path(args.out).exists():
        return Stored()  # interrupted before its first record: nothing is done yet
    return Stored.of(read_records(args.out), retry_faults=args.retry_faults, measure=args.measure)


def left_to_do(jobs: list[Job], stored: Stored, earlier: int, todo: int) -> str:
    """One line for the start of a resumed sweep, naming the jobs it will not run again."""
    faulted = sum(job.key in stored.faulted for job in jobs)
    line = f"{earlier} records of this sweep are stored, "
    line += f"{todo} runs to do" if todo else "nothing left to do"
    if faulted:
        line += f"; {faulted} jobs ended in a fault and are not run again (--retry-faults does)"
    return line
