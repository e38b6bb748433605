"""The code being measured: the SHA-256 of a file, as a service that checksums uploads
computes it. Nothing here knows concbench beyond the context its functions receive.

- ``digest`` is the plain blocking function: threads, processes, gevent and dask call it
  as it is, and an event loop calls it inline (blocking the loop, as such code does).
- ``digest_async`` is how async code should call it: handed to a worker thread with
  ``anyio.to_thread.run_sync``, so it runs on asyncio, uvloop, trio and anyio alike.
- ``sample_file`` is the per-run resource: its set-up writes a file of random bytes, its
  tear-down deletes it; concbench runs both outside the measured region.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import AsyncIterator, Iterator

import anyio.to_thread

from concbench.framework import CallContext, ResourceContext

CHUNK = 1 << 16


def sha256_of(path: str) -> str:
    """Read in 64 KiB chunks; hashlib releases the GIL while it hashes a chunk."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def digest(ctx: CallContext) -> str:
    return sha256_of(ctx.resource)


async def digest_async(ctx: CallContext) -> str:
    return await anyio.to_thread.run_sync(sha256_of, ctx.resource)


@contextlib.contextmanager
def sample_file(setup: ResourceContext) -> Iterator[str]:
    fd, path = tempfile.mkstemp(prefix="concbench-filehash-")
    with os.fdopen(fd, "wb") as file:
        file.write(os.urandom(setup.arg["mib"] << 20))
    try:
        yield path
    finally:
        os.unlink(path)


@contextlib.asynccontextmanager
async def sample_file_async(setup: ResourceContext) -> AsyncIterator[str]:
    with sample_file(setup) as path:  # made before the run begins: blocking here is fine
        yield path
