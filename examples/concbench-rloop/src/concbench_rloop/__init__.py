"""A concbench plugin: the rloop event loop as a backend, and a `chain` scenario."""
