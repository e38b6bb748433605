"""``python -m concbench`` and the ``concbench`` script.

The command's imports take about 0.1 s; a Ctrl-C in that time would otherwise print a
``KeyboardInterrupt`` traceback from whichever import it hit.
"""

import sys


def run() -> int:
    try:
        from concbench.cli import main

        return main()
    except KeyboardInterrupt:
        sys.stderr.write("concbench: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(run())
