"""The roots of every error concbench raises, so that a caller catches one branch, not a list.

Each error is defined beside the code that raises it; all of them descend from
:class:`ConcbenchError`, and most also keep the builtin base they had before this root
existed, so ``except ValueError`` around a ``Param`` still works::

    ConcbenchError
    ├── UserError                 the input cannot work; changing it fixes the error
    │   ├── ParameterError        (ValueError) a parameter, option or setting not allowed
    │   │   └── OpenFileLimitError  more connections than RLIMIT_NOFILE can ever allow here
    │   ├── ModelError            (ValueError) a workload that cannot exist
    │   ├── UnknownNameError      (LookupError) no such backend or scenario, or a broken one
    │   └── StoreError            (ValueError) a result file that cannot be read or written
    ├── PluginError               a backend or scenario that breaks its contract
    │   └── ContractError         (RuntimeError) a trace that cannot describe a correct run
    ├── SchemaError               (ValueError) a record this version cannot read
    ├── TraceError                (ValueError) a stored trace that is damaged
    ├── ServerError               (RuntimeError) the latency server did not start
    └── IsolatedRunError          (RuntimeError) concbench.testing's fresh process failed

The command line catches :class:`UserError` and prints its message as one line (exit
status 2): its messages name what was given and what is allowed, so a traceback would
only hide them. Anything else that escapes is a bug, in concbench or in a plugin, and
keeps its traceback.

``Interrupted`` (``measure/interrupt.py``) stays outside the tree on purpose: it is a
``KeyboardInterrupt``, a stop rather than an error, and must pass every ``except
Exception`` (and ``except ConcbenchError``) on its way to the command line.
"""

from __future__ import annotations

__all__ = ["ConcbenchError", "PluginError", "UserError"]


class ConcbenchError(Exception):
    """Any error concbench raises on purpose; its message is written for the user."""


class UserError(ConcbenchError):
    """What the user typed or pointed at cannot work; the message says what is allowed."""


class PluginError(ConcbenchError):
    """A backend or scenario that breaks its contract: the fix belongs in the plugin.

    The worker raises it for a plugin that is not what its entry point promised (a backend
    that is no ``Backend`` subclass, say), so the run's record names the plugin's fault.
    """
