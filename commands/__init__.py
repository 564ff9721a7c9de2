"""Deskhand's commands, one module per family; importing this package registers them all."""

from commands import (
    approvals,
    audit,
    grants,
    guard,
    help,
    licenses,
    lifecycle,
    password,
    signin,
    tenants,
    user,
    users,
)
from commands.registry import REGISTRY

__all__ = [
    "REGISTRY",
    "approvals",
    "audit",
    "grants",
    "guard",
    "help",
    "licenses",
    "lifecycle",
    "password",
    "signin",
    "tenants",
    "user",
    "users",
]
