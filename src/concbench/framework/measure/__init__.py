"""Measurement: carrying runs out.

The plugin registry, the planner and runner in the parent, the worker process that
executes one job, isolation and the pipe protocol between them, interruption and resume,
system limits, the environment record and the servers that runs talk to (the latency
server). Imports the model, the store and the analysis; never a report.
"""
