"""Rows of a report: the runs of one backend on one workload, reduced to what is compared.

Pure functions over run records, shared by every output format, so that the terminal,
Markdown and HTML reports can never disagree about a number.
"""

from __future__ import annotations

import dataclasses
import json
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..model.parts import Decomposition, Part
from ..store.records import RunRecord, Status
from .diagnosis import diagnose, median_parts
from .disturbance import disturbance_notes, replaced, used_runs
from .latency import Arrivals, row_arrivals
from .stats import Comparison, Summary, compare, stability_warnings, summarize
from .units import fmt_seconds

__all__ = ["Group", "Row", "group_records", "interpreter_label", "process_samples"]


@dataclass(frozen=True)
class Row:
    """One backend (with its options) on one workload."""

    label: str
    records: tuple[RunRecord, ...]
    serial_s: float
    ideal_s: float
    machine_bound_s: float
    tasks: int
    steps: int | None
    wall: Summary | None
    statuses: dict[Status, int]
    note: str
    diagnosis: str = ""
    parts: Decomposition = dataclasses.field(default_factory=Decomposition)
    """Median of each overhead part (model/parts.py) over the ok runs that have it."""
    warnings: tuple[str, ...] = ()
    vs_best: Comparison | None = None
    """Against the fastest row of the group: change of the median, and its significance."""
    python: str = ""
    """The interpreter, when the rows of a report come from more than one."""
    instructions_per_task: float | None = None
    """Median instructions of the counted runs over the tasks (``--measure instructions``)."""
    arrivals: Arrivals | None = None
    """Latency percentiles, release lag and throughput of an open-loop workload (tasks with
    release times), from every used run's histograms merged; None for any other."""

    @property
    def ok_runs(self) -> int:
        """The runs behind the figures: those the statistics use, or the counted ones."""
        if self.wall is not None:
            return self.wall.n
        return sum(1 for record in self.records if record.status is Status.OK)

    @property
    def overhead_s(self) -> float | None:
        return None if self.wall is None else self.wall.median - self.ideal_s

    @property
    def overhead_per_task_s(self) -> float | None:
        overhead = self.overhead_s
        return None if overhead is None or not self.tasks else overhead / self.tasks

    @property
    def overhead_per_step_s(self) -> float | None:
        """Overhead over the tasks' steps: for one task of M sleeps, the lateness per sleep."""
        overhead = self.overhead_s
        return None if overhead is None or not self.steps else overhead / self.steps

    @property
    def overhead_pct(self) -> float | None:
        overhead = self.overhead_s
        return None if overhead is None or not self.ideal_s else 100 * overhead / self.ideal_s

    @property
    def efficiency(self) -> float | None:
        """ideal / measured: 1.0 is a perfect backend; the seed on a blocked loop gets 0.4.

        None when the ideal is 0 (nothing to wait for): every backend would score 0, so the
        cost per task says more.
        """
        if self.wall is None or not self.wall.median or not self.ideal_s:
            return None
        return self.ideal_s / self.wall.median

    @property
    def speedup(self) -> float | None:
        return (
            None if self.wall is None or not self.wall.median else self.serial_s / self.wall.median
        )


@dataclass(frozen=True)
class Group:
    """All rows for one scenario with one set of parameters."""

    scenario: str
    params_label: str
    rows: tuple[Row, ...]

    @property
    def title(self) -> str:
        return f"{self.scenario} ({self.params_label})" if self.params_label else self.scenario

    @property
    def reference(self) -> str:
        """ "serial S, ideal I" for the table's caption; for ``call`` steps, whose nominal
        times are each backend's solo times, the range of the rows' figures, saying that
        the ideal is per row wherever it varies within the table."""
        first = self.rows[0]
        solo = [row for row in self.rows if any(record.solo_s for record in row.records)]
        if not solo:
            return f"serial {fmt_seconds(first.serial_s)}, ideal {fmt_seconds(first.ideal_s)}"
        ideals = [row.ideal_s for row in solo]
        serials = [row.serial_s for row in solo]
        if max(ideals) <= min(ideals) * (1 + _SAME_REFERENCE):
            return (
                f"serial {fmt_seconds(statistics.median(serials))}, "
                f"ideal {fmt_seconds(statistics.median(ideals))} (from solo times)"
            )
        return (
            f"serial {fmt_seconds(min(serials))}-{fmt_seconds(max(serials))}, ideal "
            f"{fmt_seconds(min(ideals))}-{fmt_seconds(max(ideals))}: ideal per row (the calls' "
            "solo times differ per backend)"
        )


_SAME_REFERENCE = 0.01
"""Rows whose ideals differ by less than this fraction share one ideal in the caption."""


def group_records(records: Iterable[RunRecord], *, keep_disturbed: bool = False) -> list[Group]:
    """Group by workload, then by backend label, keeping first-seen order.

    Parameters are compared whatever their order: a store keeps them sorted by name, a
    fresh run in declaration order, and a resumed sweep reports both together. When the
    records come from more than one interpreter (stores of several Pythons merged), each
    backend gets a row per interpreter. Runs marked ``disturbed`` stay out of the
    statistics unless ``keep_disturbed``.
    """
    records = list(records)
    several = len({interpreter_label(record) for record in records}) > 1
    workloads: dict[tuple[str, str], dict[tuple[str, str], list[RunRecord]]] = {}
    titles: dict[tuple[str, str], str] = {}
    for record in records:
        key = (record.scenario, json.dumps(dict(record.params), sort_keys=True, default=str))
        titles.setdefault(key, record.params_label)
        backends = workloads.setdefault(key, {})
        row_key = (_label(record), interpreter_label(record) if several else "")
        backends.setdefault(row_key, []).append(record)
    return [
        Group(
            key[0],
            titles[key],
            _against_best(
                _paths_noted(
                    [_row(row_key, rows[row_key], keep_disturbed) for row_key in _ordered(rows)]
                )
            ),
        )
        for key, rows in workloads.items()
    ]


_PATHS = {
    "plain fan-out": "the plain fan-out fast path",
    "empty tasks": "the empty-task fast path",
    "general": "the general path",
    "": "the backend's own routine",
}


def _task_path(row: Row) -> str | None:
    """The task path of the row's ok runs (see ``Recorder.task_path``), or None when they
    do not say: an older store, which recorded neither the path nor the GIL."""
    paths = {
        _PATHS.get(run.task_path, run.task_path)
        for run in row.records
        if run.status is Status.OK and (run.task_path or run.gil_enabled is not None)
    }
    return " and ".join(sorted(paths)) if paths else None


def _paths_noted(rows: list[Row]) -> list[Row]:
    """Rows whose tasks took different paths through the skeleton say so: on a plain
    fan-out or empty tasks the built-ins take a fast path, and a backend that writes its
    own routine pays other bookkeeping per task (docs/plugins.md, "Fast paths")."""
    paths = {id(row): path for row in rows if (path := _task_path(row)) is not None}
    if len(set(paths.values())) < 2:
        return rows
    noted = []
    for row in rows:
        mine = paths.get(id(row))
        if mine is None:
            noted.append(row)
            continue
        others = sorted({path for path in paths.values() if path != mine})
        note = f"tasks took {mine}, other rows {' or '.join(others)}: bookkeeping differs"
        noted.append(dataclasses.replace(row, note="; ".join(filter(None, (row.note, note)))))
    return noted


def _ordered(keys: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Labels in first-seen order, each label's interpreters together, in first-seen order:
    the rows of one backend on several Pythons sit one under the other."""
    keys = list(keys)
    labels = {label: index for index, (label, _) in reversed(list(enumerate(keys)))}
    pythons = {python: index for index, (_, python) in reversed(list(enumerate(keys)))}
    return sorted(keys, key=lambda key: (labels[key[0]], pythons[key[1]]))


def _label(record: RunRecord) -> str:
    """Counted runs get rows of their own: their wall times never mix with timed runs."""
    return f"{record.label} [instructions]" if _instruction_mode(record) else record.label


def _instruction_mode(record: RunRecord) -> bool:
    return record.measure == "instructions"


def interpreter_label(record: RunRecord) -> str:
    """The interpreter's label; a free-threaded build's says whether the GIL was on, as the
    worker found it (``sys._is_gil_enabled()``), since the build alone does not decide."""
    name = record.implementation or record.python
    if "free-threaded" in name and record.gil_enabled is not None:
        return f"{name} (GIL {'on' if record.gil_enabled else 'off'})"
    return name


def _against_best(rows: list[Row]) -> tuple[Row, ...]:
    measured = [row for row in rows if row.wall is not None]
    if len(measured) < 2:
        return tuple(rows)
    best = min(measured, key=lambda row: row.wall.median if row.wall else 0.0)
    best_samples = best.wall.samples if best.wall else ()
    return tuple(
        dataclasses.replace(row, vs_best=compare(best_samples, row.wall.samples))
        if row.wall is not None and row is not best
        else row
        for row in rows
    )


def _processes_run(runs: Sequence[RunRecord]) -> int:
    """Worker processes that measured the row (``ok`` runs, disturbed or not)."""
    return len({(r.env, r.seq, r.process) for r in runs if r.status is Status.OK})


def _standing(records: Sequence[RunRecord], keep_disturbed: bool) -> list[RunRecord]:
    """The ok runs the statistics use (``used_runs``), or with ``keep_disturbed`` every run
    that a re-run did not replace, disturbed or not."""
    if not keep_disturbed:
        return used_runs(records)
    gone = replaced(records)
    return [
        r
        for i, r in enumerate(records)
        if i not in gone and r.status is Status.OK and r.wall_s is not None
    ]


def process_samples(
    records: Sequence[RunRecord], *, keep_disturbed: bool = False
) -> list[list[float]]:
    """The wall times the statistics use (:func:`_standing`), grouped by the worker process
    that measured them, in store order.

    A process is the record's ``process`` index within its environment and its sweep
    position (``seq``, absent in older stores); a run index that does not grow starts
    another process of the same index (a second sweep in a merged report, or a resumed
    one), so that two processes are never taken for one.
    """
    groups: list[list[float]] = []
    current: dict[tuple[object, ...], tuple[int, int]] = {}  # key -> (group, last run)
    for record in _standing(records, keep_disturbed):
        assert record.wall_s is not None  # _standing keeps measured runs only
        key = (record.env, record.seq, record.process)
        found = current.get(key)
        if found is None or record.run <= found[1]:
            groups.append([])
            found = (len(groups) - 1, record.run)
        groups[found[0]].append(record.wall_s)
        current[key] = (found[0], record.run)
    return groups


def _row(key: tuple[str, str], runs: Sequence[RunRecord], keep_disturbed: bool = False) -> Row:
    label, python = key
    first = runs[0]
    timed = [run for run in runs if not _instruction_mode(run)]
    samples = process_samples(timed, keep_disturbed=keep_disturbed)
    statuses = Counter(run.status for run in runs)
    serial_s, ideal_s, machine_bound_s = _reference(runs)
    parts = median_parts(used_runs(timed))
    # nominal step time, which no faster or slower machine changes: the ideal, and the
    # time the critical lane waited behind steps holding the scheduler (a blocking sleep)
    steady = ideal_s + max(parts.get(Part.BLOCKED, 0.0), 0.0)
    wall = summarize(samples, steady=steady) if samples else None
    return Row(
        label=label,
        records=tuple(runs),
        serial_s=serial_s,
        ideal_s=ideal_s,
        machine_bound_s=machine_bound_s,
        tasks=first.tasks,
        steps=first.steps,
        wall=wall,
        statuses=dict(statuses),
        note=_note(runs, statuses, diagnosis := diagnose(used_runs(timed))),
        diagnosis=diagnosis,
        parts=parts,
        warnings=tuple(stability_warnings(wall, _processes_run(timed))) if wall else (),
        python=python,
        instructions_per_task=_instructions_per_task(runs),
        arrivals=row_arrivals(_standing(timed, keep_disturbed)),
    )


def _reference(runs: Sequence[RunRecord]) -> tuple[float, float, float]:
    """Serial, ideal and machine bound of a row: the plan's, or, for a workload of
    ``call`` steps, the medians over the ok runs of what each worker derived from its
    solo times (they differ per backend, and a little per process)."""
    solo = [run for run in runs if run.status is Status.OK and run.solo_s]
    if not solo:
        first = runs[0]
        bound = first.machine_bound_s if first.machine_bound_s is not None else first.ideal_s
        return first.serial_s, first.ideal_s, bound
    return (
        statistics.median(run.serial_s for run in solo),
        statistics.median(run.ideal_s for run in solo),
        statistics.median(
            run.machine_bound_s if run.machine_bound_s is not None else run.ideal_s for run in solo
        ),
    )


def _solo(runs: Sequence[RunRecord]) -> list[str]:
    """Each call's solo time (its nominal duration), the median over the ok runs."""
    values: dict[str, list[float]] = {}
    for run in runs:
        if run.status is Status.OK:
            for name, seconds in run.solo_s.items():
                values.setdefault(name, []).append(seconds)
    if not values:
        return []
    each = ", ".join(
        f"{name} {fmt_seconds(statistics.median(seconds))}" for name, seconds in values.items()
    )
    return [f"solo: {each} (each call alone on this backend: its nominal time)"]


def _handoff(runs: Sequence[RunRecord]) -> list[str]:
    """What handing a blocking call to a thread cost per call: the median over the ok runs
    of each run's mean (and p99) of offload steps' time beyond the call itself."""
    means = [
        r.handoff_mean_s for r in runs if r.status is Status.OK and r.handoff_mean_s is not None
    ]
    p99s = [r.handoff_p99_s for r in runs if r.status is Status.OK and r.handoff_p99_s is not None]
    if not means:
        return []
    p99 = f" (p99 {fmt_seconds(statistics.median(p99s))})" if p99s else ""
    return [f"hand-off {fmt_seconds(statistics.median(means))} per offloaded call{p99}"]


def _instructions_per_task(runs: Sequence[RunRecord]) -> float | None:
    counts = _counts(runs)
    return statistics.median(counts) / max(runs[0].tasks, 1) if counts else None


def _counts(runs: Sequence[RunRecord]) -> list[int]:
    """The instructions of the ok counted runs, in order."""
    return sorted(
        run.instructions
        for run in runs
        if run.status is Status.OK and run.instructions is not None and _instruction_mode(run)
    )


def _instructions(runs: Sequence[RunRecord]) -> list[str]:
    """The counted runs' figure, and what it cannot contain."""
    counts = _counts(runs)
    per_task = _instructions_per_task(runs)
    if per_task is None:
        return []
    spread = (counts[-1] - counts[0]) / counts[0] if counts[0] else 0.0
    several = f"median of {len(counts)} runs, range {spread:.2%}" if len(counts) > 1 else "1 run"
    return [
        f"{per_task:,.0f} instructions per task ({several}); the worker's CPU work only: "
        "waiting (sleeps, I/O) costs no instructions"
    ]


def _note(runs: Sequence[RunRecord], statuses: Counter[Status], diagnosis: str = "") -> str:
    """Why a row has no number, or what else happened to its runs."""
    notes = []
    for status in (Status.SKIPPED, Status.FAILED, Status.TIMEOUT, Status.CRASHED):
        if statuses.get(status):
            error = next(run.error for run in runs if run.status is status) or ""
            lines = error.strip().splitlines() or [""]
            # a traceback ends with the exception; a crash or timeout starts with the cause,
            # then the worker's stack dump
            last_line = lines[-1] if status is Status.FAILED else lines[0]
            count = statuses[status]
            prefix = status.value if count == 1 else f"{count} {status.value}"
            notes.append(f"{prefix}: {last_line}" if last_line else prefix)
    first = runs[0]
    _, ideal_s, bound_s = _reference(runs)
    if bound_s > ideal_s * 1.001:
        notes.append(f"machine bound {bound_s:.3g} s (cpu work / cores)")
    notes += _solo(runs)
    if Part.HANDOFF.cause.split("{", 1)[0] not in diagnosis:  # else the diagnosis says it
        notes += _handoff(runs)
    if first.note:
        notes.append(first.note)
    notes += disturbance_notes(runs)
    notes += _without_gil(runs)
    notes += _instructions(runs)
    notes += _figures(runs)
    return "; ".join(notes)


def _without_gil(runs: Sequence[RunRecord]) -> list[str]:
    """On threads, CPU work without the GIL runs in parallel: the row is not comparable with
    one measured with it. A run had ``cpu`` steps when its worker checked the sweep's
    calibration (``calibration_drift``), which only such a worker does."""
    ok = [run for run in runs if run.status is Status.OK]
    if not any(run.backend == "threads" and run.calibration_drift is not None for run in ok):
        return []
    if not any(run.gil_enabled is False for run in ok):
        return []
    return ["cpu steps on threads ran without the GIL (free-threaded build): in parallel"]


def _figures(runs: Sequence[RunRecord]) -> list[str]:
    """Costs a backend paid outside the measured time, as the median of the ok runs:
    ``pool_startup_s`` becomes "pool startup 210 ms (not in measured)"."""
    values: dict[str, list[float]] = {}
    for run in runs:
        if run.status is Status.OK:
            for name, seconds in run.figures.items():
                values.setdefault(name, []).append(seconds)
    return [
        f"{name.removesuffix('_s').replace('_', ' ')} "
        f"{fmt_seconds(statistics.median(seconds))} (not in measured)"
        for name, seconds in values.items()
    ]
