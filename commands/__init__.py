"""Deskhand's commands, one module per family; importing this package registers them all."""

from commands import (
    approvals,
    audit,
    edit_user,
    grants,
    groups,
    guard,
    help,
    license_actions,
    licenses,
    lifecycle,
    mfa,
    password,
    signin,
    tap,
    tenants,
    user,
    users,
)
from commands.registry import REGISTRY

__all__ = [
    "REGISTRY",
    "approvals",
    "audit",
    "edit_user",
    "grants",
    "groups",
    "guard",
    "help",
    "license_actions",
    "licenses",
    "lifecycle",
    "mfa",
    "password",
    "signin",
    "tap",
    "tenants",
    "user",
    "users",
]
