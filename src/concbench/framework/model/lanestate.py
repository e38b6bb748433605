"""The state a run's lanes share: its routines, and what the general routine reaches beyond
its hot path.

Both skeletons (coroutines, blocking routines) resolve their primitives, make their
channels, events and limiter, and import their calls' functions the same way before the
run begins, so that is written here once, and the two lane builders differ only in their
loops. The step kinds are module constants here, imported as globals by both builders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .callrun import Held, Invoker, invokers
from .calltypes import CallContext
from .primitives import BlockingPrimitives, CoroutinePrimitives
from .steps import Step, StepKind
from .workload import Workload

__all__ = [
    "BLOCK",
    "CALL",
    "CHECKPOINT",
    "CPU",
    "GET",
    "IO",
    "OFFLOAD",
    "PUT",
    "SLEEP",
    "LaneState",
    "Lanes",
]


# an enum member lookup per step would be measurable at a million tasks
SLEEP, BLOCK, CPU, CHECKPOINT = (
    StepKind.SLEEP,
    StepKind.BLOCK,
    StepKind.CPU,
    StepKind.CHECKPOINT,
)
IO, PUT, GET = StepKind.IO, StepKind.PUT, StepKind.GET
CALL, OFFLOAD = StepKind.CALL, StepKind.OFFLOAD
_NOWHERE = ("", 0)
"""The address of a workload without io steps: never connected to."""

R = TypeVar("R")


@dataclass(frozen=True)
class Lanes(Generic[R]):
    """The routines of one run: what each task runs, its argument per task, and main.

    ``task(index, args[index])`` is task ``index``: the general routine with ``args`` the
    workload's tasks, or, for the two plainest shapes, a routine with nothing to decide
    (``args`` each task's sleep, or ``None`` per empty task).
    """

    task: Callable[[int, Any], R]
    args: Iterable[Any]
    main: Callable[[], R]
    errors: list[BaseException] = field(default_factory=list)
    """Errors raised in blocking tasks, in the order raised (a coroutine's propagate)."""


class LaneState:
    """What a run's general routine uses beyond its hot path (a sleep and the stamps).

    Every name a routine uses is a slot in the frame of every task suspended in it, and
    the garbage collector walks each slot of each frame on every collection, so with ten
    thousand tasks alive a name costs measurably (docs/performance.md): the routine keeps
    the hot names in closure cells and reaches everything else through this one object.
    """

    __slots__ = (
        "address",
        "block",
        "calls",
        "checkpoint",
        "cpu",
        "ended",
        "errors",
        "gets",
        "main_lane",
        "offload",
        "on_end",
        "puts",
        "request",
        "slots",
        "task_index",
    )

    def __init__(
        self,
        primitives: CoroutinePrimitives | BlockingPrimitives[Any],
        workload: Workload,
        *,
        events: bool = True,
        limit: bool = True,
        on_end: Callable[[int], object] | None = None,
        resources: Held | None = None,
        task_index: int | None = None,
    ) -> None:
        self.block: Callable[[float], object] = primitives.block
        self.cpu: Callable[[float], object] = primitives.cpu
        self.checkpoint: Callable[[], Any] = primitives.checkpoint  # awaitable, or blocking
        request = primitives.request
        if request is None and IO in workload.kinds:
            raise NotImplementedError(
                "io steps, but the backend gives no `request` primitive: leave StepKind.IO "
                "out of Backend.supports, and the runner records the job as skipped"
            )
        self.request: Any = request  # None only when the workload makes no request
        self.address = workload.io_target() if IO in workload.kinds else _NOWHERE
        self.puts: dict[str, Callable[[], Any]] = {}
        self.gets: dict[str, Callable[[], Any]] = {}
        make = primitives.channel
        if workload.channels and make is None:
            raise NotImplementedError(
                "channels, but the backend gives no `channel` primitive: leave StepKind.PUT "
                "and StepKind.GET out of Backend.supports, and the runner records the job as "
                "skipped"
            )
        for channel in workload.channels:
            assert make is not None  # checked above, once
            self.puts[channel.name], self.gets[channel.name] = make(channel.capacity)
        events = events and workload.has_dependencies
        self.ended: list[Any] = [primitives.event() for _ in workload.tasks] if events else []
        self.slots: Any = primitives.limiter(workload.limit) if limit and workload.limit else None
        self.on_end = on_end
        self.errors: list[BaseException] = []
        self.offload: Callable[[float], Any] = primitives.offload  # awaitable, or blocking
        self.calls: dict[Any, Invoker] = (
            invokers(
                (*(task.steps for task in workload.tasks), workload.main),
                resources or {},
                coroutines=isinstance(primitives, CoroutinePrimitives),
            )
            if CALL in workload.kinds
            else {}
        )
        self.main_lane = len(workload.tasks)
        self.task_index = task_index
        """The task's index in its whole workload, for a task run alone (in a pool process)."""

    def _task(self, index: int) -> int | None:
        if index == self.main_lane:
            return None
        return index if self.task_index is None else self.task_index

    def call(self, step: Step, index: int, position: int) -> None:
        """A ``call`` step in a blocking routine (its own frame: a name in the lane's frame
        would cost every task of every run, a call step's only its own)."""
        function, _, held, arg = self.calls[step.target]
        function(CallContext(self._task(index), position, held, arg))

    async def call_awaiting(self, step: Step, index: int, position: int) -> None:
        """A ``call`` step in a coroutine: awaited, or a sync function called inline, which
        blocks the scheduler like a ``block`` step."""
        function, awaited, held, arg = self.calls[step.target]
        context = CallContext(self._task(index), position, held, arg)
        if awaited:
            await function(context)
        else:
            function(context)

    @property
    def gated(self) -> bool:
        """Whether a task may have to wait before it starts (for a dependency, for a slot)."""
        return bool(self.ended) or self.slots is not None
