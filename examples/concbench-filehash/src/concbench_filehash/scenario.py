"""The `filehash` scenario: `tasks` concurrent SHA-256s of a `mib` MiB file."""

from __future__ import annotations

from concbench.framework import Param, Scenario, Task, Workload, call, resource

from .work import digest, digest_async, sample_file, sample_file_async


def build_filehash(tasks: int, mib: int, offload: bool) -> Workload:
    the_file = resource("sample-file", anyio=sample_file_async, sync=sample_file, arg={"mib": mib})
    variants = {"anyio": digest_async, "sync": digest} if offload else {"sync": digest}
    step = call("sha256", resource=the_file, **variants)
    return Workload(tasks=(Task((step,)),) * tasks)


filehash = Scenario(
    name="filehash",
    summary="`tasks` concurrent SHA-256s of one `mib` MiB file; on event loops through a "
    "worker thread (offload=true) or inline (offload=false)",
    params=(
        Param("tasks", int, 8, "concurrent hashes", min=1, max=10_000),
        Param("mib", int, 4, "size of the file, MiB", min=1, max=1024),
        Param("offload", bool, True, "give the call an anyio variant that uses a thread"),
    ),
    build=build_filehash,
)
