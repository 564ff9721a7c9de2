"""Who may reset whose password, and Entra's password complexity rules.

An app resets passwords with a directory role, as an administrator does ("Who can reset
passwords" in the Entra privileged-roles reference): Helpdesk-level roles reach users without
roles, User Administrator also reaches holders of limited roles, and only Privileged
Authentication Administrator (or Global Administrator) reaches holders of privileged roles.
"""

from __future__ import annotations

from sandbox.model import User
from sandbox.tenant import SandboxTenant

from .errors import GraphError, bad_request, forbidden

__all__ = ["check_password_reset", "is_complex"]

_ANY_USER = frozenset({"Privileged Authentication Administrator", "Global Administrator"})
_LIMITED_ADMINS = frozenset({"User Administrator", *_ANY_USER})
_NON_ADMINS = frozenset(
    {"Helpdesk Administrator", "Password Administrator", "Authentication Administrator"}
    | _LIMITED_ADMINS
)
# Roles whose holders a User Administrator may still reset.
_LIMITED_ROLES = frozenset(
    {
        "Helpdesk Administrator",
        "Password Administrator",
        "User Administrator",
        "Global Reader",
        "Directory Readers",
    }
)
_MIN_LENGTH = 8
_MAX_LENGTH = 256


def _resetters_for(target_roles: frozenset[str]) -> frozenset[str]:
    if not target_roles:
        return _NON_ADMINS
    if target_roles <= _LIMITED_ROLES:
        return _LIMITED_ADMINS
    return _ANY_USER


def is_complex(password: str) -> bool:
    """8 to 256 characters from at least three of: lower case, upper case, digits, symbols."""
    if not _MIN_LENGTH <= len(password) <= _MAX_LENGTH:
        return False
    classes = (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    return sum(any(test(c) for c in password) for test in classes) >= 3


def weak_password() -> GraphError:
    return bad_request(
        "The specified password does not comply with password complexity requirements. "
        "Please provide a different password.",
        "Request_BadRequest",
    )


def check_password_reset(tenant: SandboxTenant, user: User, password: str | None) -> None:
    """403 unless the app's roles reach this user; 400 for a password Entra would refuse.

    Setting only the force-change flags is a password-profile change too, so it needs the role.
    """
    directory = tenant.directory
    target_roles = frozenset(
        directory.roles[template].display_name for template in directory.active_roles(user.id)
    )
    if not tenant.app_roles & _resetters_for(target_roles):
        raise forbidden()
    if password is not None and not is_complex(password):
        raise weak_password()
