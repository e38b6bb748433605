"""The model: what a run is, before anything runs.

Workloads and their steps, scenario parameters, the Scenario and Backend contracts, the
recorder a backend stamps and the trace it yields, calibrated CPU work, and the skeleton
that runs a workload over a backend's primitives. Everything
else in the framework builds on these; this wing imports no other.
"""
