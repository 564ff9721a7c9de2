"""Shared fixtures live in tests/plugins/, one module per concern."""

pytest_plugins = ["tests.plugins.sandbox", "tests.plugins.store", "tests.plugins.runtime"]
