"""The model: what a run is, before anything runs.

Workloads and their steps, scenario parameters, the Scenario and Backend contracts, the
recorder a backend stamps and the trace it yields, and calibrated CPU work. Everything
else in the framework builds on these; this wing imports no other.
"""
