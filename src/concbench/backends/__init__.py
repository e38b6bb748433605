"""Built-in backends: each a short module meeting :class:`concbench.framework.Backend`.

They are registered under the ``concbench.backends`` entry-point group in pyproject.toml,
exactly as a third-party backend would be. A backend module never imports its library at
module level, so listing backends works when the library is missing.
"""
