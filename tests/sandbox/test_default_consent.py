"""The demo consents to everything `deskhand permissions` lists, so the README's commands work."""

from __future__ import annotations

from bot.operator.permissions_report import collect
from commands import REGISTRY
from sandbox.tenant import DEFAULT_APP_ROLES, DEFAULT_PERMISSIONS


def test_the_default_consent_holds_every_listed_permission_and_role() -> None:
    listed = collect(REGISTRY)

    assert {*listed.graph, *listed.exchange} <= DEFAULT_PERMISSIONS
    assert set(listed.roles) <= DEFAULT_APP_ROLES
