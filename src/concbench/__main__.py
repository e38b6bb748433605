"""``python -m concbench`` and the ``concbench`` script.

The command's imports take about 0.1 s; a Ctrl-C in that time would otherwise print a
``KeyboardInterrupt`` traceback from whichever import it hit. Python 3.11 wraps an
exception raised while a class is made (in ``__set_name__``, which dataclasses use) in a
``RuntimeError``, so the interrupt is looked for along the chain of causes too. Once
the command has finished, a Ctrl-C while Python shuts down (the console script's own
``sys.exit(run())``, atexit handlers) ends the process at once with the same status.
"""

import sys


def run() -> int:
    try:  # every import inside: a Ctrl-C may come during any of them
        import signal

        from concbench.cli import main

        status = main()
        signal.signal(signal.SIGINT, _exit_interrupted)
        return status
    except BaseException as exc:
        if not _interrupted(exc):
            raise
        sys.stderr.write("concbench: interrupted\n")
        return 130


def _exit_interrupted(signum: int, frame: object) -> None:
    """After the command: what it printed is kept, and nothing else is raised."""
    import contextlib
    import os

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe or a closed stream
            stream.flush()
    os._exit(130)


def _interrupted(exc: BaseException | None) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


if __name__ == "__main__":
    raise SystemExit(run())
