"""A user's registered authentication methods as /mfa and /tap read and remove them.

`GET /users/{id}/authentication/methods` lists every method (authentication-list-methods.md);
each type is deleted from its own collection, `DELETE /users/{id}/authentication/{type}Methods/
{id}` (phoneauthenticationmethod-delete.md and its siblings). The password has no delete: it can
only be reset. Graph refuses to delete the user's default MFA method while they have others,
and a mobile phone while an alternate mobile phone remains (phoneauthenticationmethod-delete.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from commands.kit.context import CommandContext
from core.errors import Forbidden
from integrations.graph.directory import AuthMethod

__all__ = [
    "METHODS_WRITE",
    "PASSWORD",
    "Method",
    "needs_permission",
    "read_methods",
    "removal_order",
    "state_of",
]

METHODS_WRITE = "UserAuthenticationMethod.ReadWrite.All"

# The collection under /authentication that deletes each method type (v1.0 authentication.md).
_COLLECTIONS = {
    "emailAuthenticationMethod": "emailMethods",
    "fido2AuthenticationMethod": "fido2Methods",
    "microsoftAuthenticatorAuthenticationMethod": "microsoftAuthenticatorMethods",
    "phoneAuthenticationMethod": "phoneMethods",
    "platformCredentialAuthenticationMethod": "platformCredentialMethods",
    "softwareOathAuthenticationMethod": "softwareOathMethods",
    "temporaryAccessPassAuthenticationMethod": "temporaryAccessPassMethods",
    "windowsHelloForBusinessAuthenticationMethod": "windowsHelloForBusinessMethods",
}
PASSWORD = "passwordAuthenticationMethod"
# Properties that hold a secret when Graph fills them (list answers leave them null): never kept.
_SECRETS = frozenset({"password", "secretKey", "temporaryAccessPass"})
# An alternate mobile number cannot stay without a mobile one: the mobile number goes last.
_PHONE_RANK = {"alternateMobile": 0, "office": 1, "mobile": 2}


@dataclass(frozen=True)
class Method:
    kind: str
    """The type without its namespace: `phoneAuthenticationMethod`."""
    id: str
    label: str
    """As people say it: "Microsoft Authenticator (Adele's phone)", "Phone (mobile)"."""
    added: str
    """When it was registered, as Graph reports it ("" when the type has no date)."""
    phone_type: str = ""
    graph: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What Graph answered, its secret-bearing properties left out: the method as data."""

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> Method:
        parsed = AuthMethod.from_graph(data)
        added = data.get("createdDateTime") or data.get("creationDateTime") or ""
        return cls(
            kind=parsed.kind,
            id=str(data.get("id") or ""),
            label=_label(parsed, data),
            added=str(added)[:10],
            phone_type=str(data.get("phoneType") or ""),
            graph={key: value for key, value in data.items() if key not in _SECRETS},
        )

    @property
    def collection(self) -> str | None:
        """Where Graph deletes it, or None for the password and types Deskhand cannot remove."""
        return _COLLECTIONS.get(self.kind)

    @property
    def is_password(self) -> bool:
        return self.kind == PASSWORD

    @property
    def counts_for_mfa(self) -> bool:
        return AuthMethod(self.kind, "").counts_for_mfa

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def _label(parsed: AuthMethod, data: Mapping[str, Any]) -> str:
    if parsed.kind != "temporaryAccessPassAuthenticationMethod":
        return parsed.label
    usable = "usable" if data.get("isUsable") else "not usable"
    reason = data.get("methodUsabilityReason")
    return f"{parsed.label} ({usable}{f': {reason}' if reason else ''})"


async def read_methods(ctx: CommandContext, user_id: str) -> list[Method]:
    """Every method registered to the user, in Graph's order."""
    try:
        body = await ctx.graph.get(f"/users/{user_id}/authentication/methods", select=())
    except Forbidden as error:
        raise needs_permission(
            error, "UserAuthenticationMethod.Read.All", "read the user's authentication methods"
        ) from None
    return [Method.from_graph(item) for item in body.get("value") or () if isinstance(item, dict)]


def removal_order(methods: list[Method]) -> list[Method]:
    """The removable methods, phones ordered so a mobile number goes after the alternate one."""
    removable = [m for m in methods if m.collection]
    return sorted(
        removable,
        key=lambda m: (m.collection == "phoneMethods", _PHONE_RANK.get(m.phone_type, 0)),
    )


def state_of(methods: list[Method]) -> str:
    """The methods as one plan state value: any method added or removed since changes it."""
    return ",".join(sorted(method.key for method in methods))


def needs_permission(error: Forbidden, permission: str, doing: str) -> Forbidden:
    """A 403 turned into what to grant, keeping Graph's request ids for the audit log."""
    return Forbidden(
        f"Microsoft Graph refused to let Deskhand {doing}: its app needs the {permission} "
        "application permission, with admin consent. Grant it in the Microsoft Entra admin "
        "center (App registrations > the Deskhand app > API permissions); `deskhand doctor` "
        "lists everything missing. Nothing was changed.",
        permission=permission,
        **error.context,
    )
