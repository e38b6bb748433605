"""The framework: model, contracts, registry, runner, store and reports.

It knows nothing of any particular backend or scenario; those depend on it and arrive
through the entry-point registry.
"""

from .backend import Backend
from .model import (
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
from .params import Param, ParameterError
from .recorder import Recorder
from .records import SCHEMA, RunRecord, Status
from .scenario import Scenario
from .trace import ContractError, Trace

__all__ = [
    "SCHEMA",
    "Backend",
    "Channel",
    "ContractError",
    "ModelError",
    "Param",
    "ParameterError",
    "Recorder",
    "RunRecord",
    "Scenario",
    "Status",
    "Step",
    "StepKind",
    "Task",
    "Trace",
    "Workload",
    "block",
    "checkpoint",
    "cpu",
    "get",
    "io",
    "put",
    "sleep",
]
