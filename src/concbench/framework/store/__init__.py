"""The store: what a run leaves behind, kept safe.

Versioned run records, the crash-safe JSON Lines result store with its lock and side
files (traces, environments), and the sanitising of text that came from a plugin or a
file before anyone shows it. Imports only the model.
"""
