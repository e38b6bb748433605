"""Your own code as steps: a ``call`` step's function, its variants and its per-run resource.

A ``call`` step runs a function the scenario provides instead of a modelled wait. Because
every run happens in a fresh worker process (and, on the processes and dask backends, in a
pool process), a function is never shipped as an object: it is named by its importable
reference, ``"module:qualname"``, and imported where it runs. Its argument is a JSON value
for the same reason, kept as JSON text, so that the step stays hashable and crosses every
process boundary as JSON and nothing else.

A call may come in three variants, and each backend runs the first one it can, in its own
order of preference (:meth:`Backend.call_variants`):

- ``anyio``: ``async def fn(ctx)`` written against anyio, so it runs on asyncio, uvloop,
  trio and anyio (on either loop);
- ``asyncio``: ``async def fn(ctx)`` that needs asyncio; on trio it is skipped, with the
  reason;
- ``sync``: ``def fn(ctx)``, for threads, processes, gevent and dask. On a coroutine
  backend it is called inline and blocks the loop, as a ``block`` step does, and the
  report says so.

A :class:`Resource` is what the calls share within a run (a client, a connection pool, an
open file): its factory returns a context manager (``sync``) or an async context manager
(``anyio``, ``asyncio``), which the skeleton enters before ``recorder.begin()`` and exits
after ``recorder.finish()``, so neither set-up nor tear-down is measured.

The nominal duration of a call is its **solo time**: the worker measures each call alone on
its backend before the counted runs (:func:`solo_workload`) and puts the median in the
step's ``seconds`` (:func:`with_solo`), so that serial, ideal and the decomposition are
computed as for every other step.

This module is the calls' public face, where scenarios, plugins and the docs import them
from; each job is a module of its own: the records (model/calltypes.py), the constructors
(model/callbuild.py), the check at plan time (model/callcheck.py), finding and rewriting a
workload's call steps (model/callsteps.py), binding to a backend (model/callbind.py), the
solo time (model/callsolo.py), and what a run does with its calls, entering resources and
importing functions (model/callrun.py).
"""

from __future__ import annotations

from .callbind import bind, choose, inline_sync, skip_reason
from .callbuild import Function, call, offload, reference, resource
from .callcheck import check_calls, load
from .callsolo import solo_workload, with_solo
from .callsteps import calls_in, step_tuples
from .calltypes import (
    ASYNC_VARIANTS,
    Call,
    CallContext,
    CallVariant,
    Resource,
    ResourceContext,
)

__all__ = [
    "ASYNC_VARIANTS",
    "Call",
    "CallContext",
    "CallVariant",
    "Function",
    "Resource",
    "ResourceContext",
    "bind",
    "call",
    "calls_in",
    "check_calls",
    "choose",
    "inline_sync",
    "load",
    "offload",
    "reference",
    "resource",
    "skip_reason",
    "solo_workload",
    "step_tuples",
    "with_solo",
]
