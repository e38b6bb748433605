"""Report formats beyond the terminal table: HTML, Markdown, CSV, plots, timelines, diffs.

Each module has one job and knows nothing of particular backends or scenarios: they read
run records (through :mod:`concbench.framework.summary`, so every format shows the same
numbers) and stored traces. Only :mod:`.plots` imports matplotlib, and only when a plot
is drawn, so running benchmarks never pays for it.
"""
