"""Reading the sandbox's contoso directory from a runtime, for command tests' assertions."""

from __future__ import annotations

from bot.process.runtime import Runtime
from sandbox import Sandbox
from sandbox.model import Directory, Group, User

__all__ = ["contoso_directory", "group_named", "sandbox_of", "user_named"]


def sandbox_of(runtime: Runtime) -> Sandbox:
    assert runtime.sandbox is not None
    return runtime.sandbox


def contoso_directory(runtime: Runtime) -> Directory:
    return sandbox_of(runtime).tenant("contoso").directory


def user_named(runtime: Runtime, upn: str) -> User:
    user = contoso_directory(runtime).find_user(upn)
    assert user is not None
    return user


def group_named(runtime: Runtime, name: str) -> Group:
    return next(g for g in contoso_directory(runtime).groups.values() if g.display_name == name)
