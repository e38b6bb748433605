"""The backend contract: what a concurrency mechanism must do to be measured.

A backend is a small class. The framework instantiates it once per worker process with
its options, and calls :meth:`Backend.execute` once per run. Everything else on the class
is declarative, so ``concbench list`` and the runner can reason about a backend without
executing it, and the registry can check a plugin before it is believed.
"""

from __future__ import annotations

import importlib.util
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar

from .calls import CallVariant
from .params import Param, resolve
from .recorder import Recorder
from .workload import StepKind, Workload

__all__ = ["Backend"]


class Backend(ABC):
    """One concurrency mechanism. Subclass it and register the class under the
    ``concbench.backends`` entry-point group.

    Contract for :meth:`execute`, checked by the framework after every run:

    1. Call ``recorder.begin()`` once the scheduler is ready (event loop running, pool
       created): set-up before it is not measured.
    2. For every task ``i``: call ``recorder.spawn(i)`` just before handing it to the
       scheduler; in the task, wait for every task in ``task.after`` to end and for a slot
       under ``workload.limit``, then call ``recorder.start(i)``, run its steps in order
       with the backend's own primitives, calling ``recorder.step_done(i, j)`` as step
       ``j`` returns. The task's end is its last step's end (a task without steps ends as
       it starts). With ``workload.releases``, spawn task ``i`` no earlier than
       ``releases[i]`` seconds after ``begin``, by the backend's own timer (see
       :attr:`releases`); a late release counts against the backend.
    3. Concurrently with the tasks, run ``workload.main`` in the spawning routine (its
       steps reported as ``recorder.step_done(recorder.main_lane, j)``), then call
       ``recorder.main_done()`` and wait for every task (the gather).
    4. Call ``recorder.finish()`` when the gather returns, still inside the scheduler.
    5. Let exceptions propagate: the run is recorded as ``failed`` with their text.

    Step ends are optional: a backend that records none calls ``recorder.end(i)`` when
    task ``i`` finishes, and gets totals but no decomposition of its overhead. If any step
    ends are recorded, all must be, in order. A backend whose per-task path costs only
    microseconds may write the recorder's arrays itself instead of calling its methods
    (see :class:`Recorder`). The skeleton (:mod:`concbench.framework.model.skeleton`) keeps
    this contract, stamps included, for a backend that supplies its primitives.

    A task that runs in another process on this machine reports its own ``perf_counter_ns``
    stamps, which the parent hands to ``recorder.task_ran`` (the clock is system-wide).
    Costs paid outside ``begin()``..``finish()`` that still matter, such as starting a
    process pool, go to ``recorder.figure(name, seconds)``: stored with the run, shown in
    the notes, never part of the measured time.

    A step kind the backend cannot express is left out of :attr:`supports`; workloads using
    it are recorded as ``skipped`` with the reason instead of being run wrongly.
    """

    name: ClassVar[str]
    """The entry-point name; shown in reports."""
    description: ClassVar[str] = ""
    """One line for ``concbench list``."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Top-level modules that must be importable for the backend to run."""
    extra: ClassVar[str | None] = None
    """The ``concbench[extra]`` that installs :attr:`requires`; named in the skip reason."""
    supports: ClassVar[frozenset[StepKind]] = frozenset(StepKind)
    """Step kinds this backend can run with its own primitives."""
    trees_unsupported: ClassVar[str | None] = None
    """Why this backend cannot run task trees (tasks that spawn and wait for children), or
    None when it can: the skeleton runs them with :attr:`CoroutinePrimitives.task_group` or
    :attr:`BlockingPrimitives.spawn` and ``join``, so a backend built on it can."""
    options: ClassVar[tuple[Param, ...]] = ()
    """Backend options (``-o name=value``), validated like scenario parameters."""
    keeps_workers: ClassVar[bool] = False
    """True when the backend keeps threads or processes (a pool, a cluster) from one run to
    the next and releases them in :meth:`close`: the check that a run leaves nothing
    running then happens after ``close()`` instead of after each run."""
    blocks_scheduler: ClassVar[frozenset[StepKind]] = frozenset()
    """Step kinds that stop every other task while they run (on a coroutine scheduler:
    ``block`` and ``cpu``). The overhead decomposition charges time spent waiting behind
    them to "blocked", and the diagnosis names them."""
    compare: ClassVar[tuple[Mapping[str, object], ...]] = ({},)
    """Option sets that ``concbench compare`` runs by default, one row each (as
    :attr:`Scenario.compare` lists parameter sets): variants such as anyio on asyncio and on
    trio are options, not classes. Empty keeps the backend out of the default matrix (of
    ``compare``, and of ``run`` without ``-b``); it still runs when named with ``-b``."""
    releases: ClassVar[bool] = True
    """Whether the backend spawns each task no earlier than its release time
    (``workload.releases``, seconds after ``begin``; the skeleton does). A backend that
    cannot sets False, and workloads with release times are skipped on it."""
    own_process: ClassVar[bool] = False
    """True when :meth:`prepare_process` changes process-wide state (gevent's monkey-patching):
    the backend must never share an interpreter. The runner always gives each job fresh
    worker processes; ``concbench.testing.run`` starts one for such a backend."""

    def __init__(self, **options: Any) -> None:
        self.config: dict[str, Any] = resolve(self.options, options, owner=f"backend {self.name!r}")

    @classmethod
    def prepare_process(cls) -> None:
        """Process-wide set-up, called once in a fresh process before the backend is created.

        The default does nothing. A backend that overrides it must set :attr:`own_process`.
        """
        return

    @classmethod
    def unavailable_reason(cls, options: Mapping[str, Any] | None = None) -> str | None:
        """Why this backend cannot run here with ``options``, with the fix; ``None`` when it can.

        The default checks :attr:`requires` without importing anything, so listing
        backends never pays for (or is broken by) their imports. ``options`` (every option,
        resolved) lets a variant name what it needs beyond the class, such as the event
        loop library an option selects, or a Python version.
        """
        missing = [module for module in cls.requires if importlib.util.find_spec(module) is None]
        if not missing:
            return None
        hint = f"install concbench[{cls.extra}]" if cls.extra else f"install {', '.join(missing)}"
        return f"{', '.join(missing)} is not installed: {hint}"

    @classmethod
    def concurrency(cls, options: Mapping[str, Any]) -> int | None:
        """How many tasks this backend runs at once as configured (a pool's size), or None
        when every task gets its own coroutine, thread or process.

        The overhead decomposition charges a task's wait for a free worker of that pool to
        "pool" instead of to a busy scheduler: waiting there is the configuration's cost.
        """
        return None

    @classmethod
    def call_variants(cls, options: Mapping[str, Any]) -> tuple[CallVariant, ...]:
        """Which variants of a ``call`` step's function this backend runs with ``options``,
        preferred first (model/calls.py): a coroutine backend lists the async variants its
        loop runs, then ``sync`` (called inline: it blocks the loop, like ``block``).

        The default runs ``sync`` functions only, as a backend of threads or processes
        does. A call with none of these variants makes the job ``skipped``, with the reason.
        """
        return (CallVariant.SYNC,)

    @classmethod
    def note(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        """One line for the report's notes column on how this backend runs ``workload``,
        when that changes what the numbers mean; ``None`` (the default) for nothing."""
        return None

    @classmethod
    def compare_skip_reason(cls, workload: Workload, options: Mapping[str, Any]) -> str | None:
        """Why ``concbench compare`` should leave this job out of its default matrix (it would
        take far longer than the matrix allows); ``None`` (the default) to run it.
        ``concbench run`` asks too when no backend was named with ``-b``."""
        return None

    @classmethod
    def unsupported_reason(cls, workload: Workload) -> str | None:
        """Why this backend cannot express ``workload``; ``None`` when it can."""
        missing = sorted(kind.value for kind in workload.kinds - cls.supports)
        if missing:
            return f"backend {cls.name!r} cannot run {', '.join(missing)} steps"
        if workload.releases and not cls.releases:
            return f"backend {cls.name!r} cannot release tasks at set times (arrivals)"
        if cls.trees_unsupported and workload.has_children:
            return f"backend {cls.name!r} cannot run task trees: {cls.trees_unsupported}"
        return None

    @classmethod
    def check_resources(cls, workload: Workload, config: Mapping[str, Any]) -> str | None:
        """Why this machine cannot give one run what it needs, naming the limit to raise;
        ``None`` when it can. ``config`` holds every option, defaults included.

        Called while planning, in the parent, so that a run which would fail obscurely in
        the middle of a sweep (100,000 threads, 30,000 sockets) is recorded as ``skipped``
        with the reason before anything runs. Use the helpers in
        :mod:`concbench.framework.measure.limits`. The default needs nothing.
        """
        return None

    @classmethod
    def resolve_options(cls, given: Mapping[str, object]) -> dict[str, Any]:
        """Checked options that differ from their defaults: a row's identity, as in
        ``threads(workers=64)``; the defaults themselves belong to the backend."""
        resolved = resolve(cls.options, given, owner=f"backend {cls.name!r}")
        defaults = {option.name: option.default for option in cls.options}
        return {name: value for name, value in resolved.items() if value != defaults[name]}

    @abstractmethod
    def execute(self, workload: Workload, recorder: Recorder) -> None:
        """Run ``workload`` once, recording timestamps as the class docstring describes."""

    def close(self) -> None:
        """Release what the backend keeps between runs (a pool, a cluster); called once
        after the last run of a worker. The default does nothing."""
        return
