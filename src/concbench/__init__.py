"""concbench: measure what concurrency really costs.

One scenario, written once, runs on every backend; the report puts the ideal time (the
critical path), the serial time (everything one after another) and the measured time side
by side, and explains the gap.
"""

__version__ = "0.1.0"
