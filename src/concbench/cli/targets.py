"""Where a command writes: the ``--out`` store and the report files.

Every path is checked before anything runs, and no report file may overwrite a store the
command reads or appends to: a typo in ``--html`` must not cost the measured runs.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from ..framework.model.params import ParameterError
from ..framework.reports.outputs import Outputs, exporters
from ..framework.store.resultstore import check_store_target, kept_files

__all__ = ["checked_out", "out_path", "outputs"]


def outputs(args: argparse.Namespace, kept: Mapping[Path, str]) -> Outputs:
    """The report files asked for, checked against ``kept`` before anything runs."""
    paths = {exporter.name: getattr(args, f"export_{exporter.name}") for exporter in exporters()}
    checked = Outputs(paths, kept=kept)
    checked.check()
    return checked


def checked_out(args: argparse.Namespace, command: str) -> tuple[Path, Outputs]:
    """The ``--out`` store and the report files, every path checked before anything runs."""
    if args.resume and args.out is None:
        raise ParameterError("--resume needs --out FILE, the result store of the sweep to continue")
    out = out_path(args, command)
    check_store_target(out)
    return out, outputs(args, kept_files([out], "the --out store"))


def out_path(args: argparse.Namespace, command: str) -> Path:
    """``--out``, or ``results/<command>-<time>.jsonl``: by default each sweep has a store
    of its own, named for when it ran."""
    if args.out is not None:
        return Path(args.out)
    return Path("results") / f"{command}-{datetime.now():%Y%m%d-%H%M%S}.jsonl"
