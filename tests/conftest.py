"""Shared fixtures live in tests/plugins/, one module per concern."""

from __future__ import annotations

import os

import pytest

pytest_plugins = [
    "tests.plugins.sandbox",
    "tests.plugins.store",
    "tests.plugins.runtime",
    "tests.plugins.jobs",
]

_KEEP = {"DESKHAND_TEST_POSTGRES_URL"}


@pytest.fixture(autouse=True)
def _no_operator_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see only the settings they set: none from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(("DESKHAND_", "SLACK_", "MICROSOFT_APP_")) and name not in _KEEP:
            monkeypatch.delenv(name)
