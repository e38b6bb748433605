"""The task group of a scheduler that spawns coroutine objects and gathers them.

asyncio and every event loop with its API have no task group that the skeleton could
enter cheaply: a ``GatherGroup`` gives them one, made of the loop's own ``create_task``
and ``gather``, so the skeleton imports no concurrency library and still spawns into it
inline, one ``create_task`` per task, as a hand-written program does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from types import TracebackType
from typing import Any

from .primitives import AsyncRoutine

__all__ = ["GatherGroup"]


class GatherGroup:
    """The task group of a scheduler that spawns a coroutine object and gathers it (asyncio,
    and every event loop with its API): ``create_task`` per task, ``gather`` on exit.

    The skeleton spawns into it with ``tasks.append(create_task(routine(index, arg)))``
    inline, as a hand-written program does. On an error every task left is cancelled and
    awaited, so that nothing is left pending when the loop closes.
    """

    __slots__ = ("create_task", "gather", "tasks")

    def __init__(
        self,
        create_task: Callable[[Coroutine[Any, Any, None]], Any],
        gather: Callable[..., Awaitable[Any]],
    ) -> None:
        self.create_task = create_task
        self.gather = gather
        self.tasks: list[Any] = []

    def start_soon(self, fn: AsyncRoutine, /, *args: Any) -> None:
        self.tasks.append(self.create_task(fn(*args)))

    async def __aenter__(self) -> GatherGroup:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                await self.gather(*self.tasks)
                return
        except BaseException:
            await self._cancel()
            raise
        await self._cancel()

    async def _cancel(self) -> None:
        for task in self.tasks:
            task.cancel()
        await self.gather(*self.tasks, return_exceptions=True)
