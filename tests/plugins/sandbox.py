"""Fixtures that start the sandbox Microsoft 365 on loopback."""
