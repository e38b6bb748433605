"""A concbench scenario plugin whose `call` step hashes a file (docs/own-code.md)."""
