"""A concbench plugin: the rloop event loop as a backend, and a `relay` scenario."""
