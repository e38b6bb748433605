"""``python -m concbench`` and the ``concbench`` script.

The command's imports take about 0.1 s; a Ctrl-C in that time would otherwise print a
``KeyboardInterrupt`` traceback from whichever import it hit. Python 3.11 wraps an
exception raised while a class is made (in ``__set_name__``, which dataclasses use) in a
``RuntimeError``, so the interrupt is looked for along the chain of causes too.
"""

import sys


def run() -> int:
    try:
        from concbench.cli import main

        return main()
    except BaseException as exc:
        if not _interrupted(exc):
            raise
        sys.stderr.write("concbench: interrupted\n")
        return 130


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
