"""The analysis: what the records mean.

Statistics over runs, the decomposition of overhead into its parts, the diagnosis in
words, the per-workload summary that reports draw from, and the units they print in.
Imports the model and the store; never the runner or a report.
"""
