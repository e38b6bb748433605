"""Reports: the records shown, in the terminal and in files (HTML, Markdown, CSV, plots,
timelines, diffs). Imports the model, the store and the analysis; never the runner.

Each module has one job and knows nothing of particular backends or scenarios: they read
run records (through :mod:`concbench.framework.analysis.summary`, so every format shows the same
numbers) and stored traces. Only :mod:`.plots` imports matplotlib, and only when a plot
is drawn, so running benchmarks never pays for it.
"""

from . import exporters as exporters  # registers the built-in report formats
