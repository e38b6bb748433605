"""The framework: everything a plugin needs, re-exported from its wings.

It knows nothing of any particular backend or scenario; those depend on it and arrive
through the entry-point registry. The wings (``model``, ``store``, ``analysis``,
``measure``, ``reports``) are described in docs/architecture.md; a plugin imports from
here, not from a wing, so the wings can move without breaking it.
"""

from .model.backend import Backend
from .model.calls import (
    Call,
    CallContext,
    CallVariant,
    Resource,
    ResourceContext,
    call,
    offload,
    resource,
)
from .model.cpuwork import adopt, burn, calibrate
from .model.errors import ConcbenchError, PluginError, UserError
from .model.libraries import Library
from .model.params import Param, ParameterError
from .model.parts import Decomposition, Part
from .model.recorder import Recorder
from .model.scenario import Scenario
from .model.skeleton import (
    BlockingPrimitives,
    CoroutinePrimitives,
    GatherGroup,
    Lanes,
    blocking_lanes,
    coroutine_lanes,
    coroutine_run,
    run_blocking,
    run_coroutines,
)
from .model.trace import ContractError, Trace
from .model.wire import REPLY, check_reply, encode_request
from .model.workload import (
    Channel,
    ModelError,
    Step,
    StepKind,
    Task,
    Workload,
    block,
    checkpoint,
    cpu,
    get,
    io,
    put,
    sleep,
)
from .store.records import SCHEMA, RunRecord, Status

__all__ = [
    "REPLY",
    "SCHEMA",
    "Backend",
    "BlockingPrimitives",
    "Call",
    "CallContext",
    "CallVariant",
    "Channel",
    "ConcbenchError",
    "ContractError",
    "CoroutinePrimitives",
    "Decomposition",
    "GatherGroup",
    "Lanes",
    "Library",
    "ModelError",
    "Param",
    "ParameterError",
    "Part",
    "PluginError",
    "Recorder",
    "Resource",
    "ResourceContext",
    "RunRecord",
    "Scenario",
    "Status",
    "Step",
    "StepKind",
    "Task",
    "Trace",
    "UserError",
    "Workload",
    "adopt",
    "block",
    "blocking_lanes",
    "burn",
    "calibrate",
    "call",
    "check_reply",
    "checkpoint",
    "coroutine_lanes",
    "coroutine_run",
    "cpu",
    "encode_request",
    "get",
    "io",
    "offload",
    "put",
    "resource",
    "run_blocking",
    "run_coroutines",
    "sleep",
]
