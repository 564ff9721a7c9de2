"""Deskhand's commands, one module per family; importing this package registers them all."""

from commands import help, licenses, tenants, user, users
from commands.registry import REGISTRY

__all__ = ["REGISTRY", "help", "licenses", "tenants", "user", "users"]
