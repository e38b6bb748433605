"""Built-in scenarios, registered under ``concbench.scenarios`` like any plugin's."""
