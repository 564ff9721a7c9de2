"""Typed views of the directory objects Deskhand reads, parsed from Graph's JSON.

Graph writes "never" as `0001-01-01T00:00:00Z` or leaves the field out; both become `None`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "USER_FIELDS",
    "AuthMethod",
    "DirectoryObject",
    "Registration",
    "RoleAssignment",
    "SignIns",
    "Sku",
    "User",
    "method_label",
    "parse_time",
]

USER_FIELDS = (
    "id",
    "displayName",
    "userPrincipalName",
    "mail",
    "accountEnabled",
    "createdDateTime",
    "jobTitle",
    "department",
    "officeLocation",
    "userType",
    "onPremisesSyncEnabled",
    "usageLocation",
    "assignedLicenses",
)
"""`$select` for a user; `signInActivity` is asked for separately (it needs Entra ID P1)."""


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value or value.startswith("0001-01-01"):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class User:
    id: str
    display_name: str
    upn: str
    mail: str
    enabled: bool
    created: datetime | None
    job_title: str
    department: str
    office: str
    guest: bool
    synced: bool
    usage_location: str
    sku_ids: tuple[str, ...]
    last_sync: datetime | None = None
    """`onPremisesLastSyncDateTime`: only listings that select it fill it (`/users`)."""

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> User:
        licences = data.get("assignedLicenses") or ()
        return cls(
            id=_text(data, "id"),
            display_name=_text(data, "displayName"),
            upn=_text(data, "userPrincipalName"),
            mail=_text(data, "mail"),
            enabled=data.get("accountEnabled") is not False,
            created=parse_time(data.get("createdDateTime")),
            job_title=_text(data, "jobTitle"),
            department=_text(data, "department"),
            office=_text(data, "officeLocation"),
            guest=_text(data, "userType").lower() == "guest",
            synced=data.get("onPremisesSyncEnabled") is True,
            usage_location=_text(data, "usageLocation"),
            sku_ids=tuple(str(item.get("skuId", "")).lower() for item in licences),
            last_sync=parse_time(data.get("onPremisesLastSyncDateTime")),
        )

    @property
    def licensed(self) -> bool:
        return bool(self.sku_ids)


@dataclass(frozen=True)
class SignIns:
    """`signInActivity` (signinactivity.md): the interactive and non-interactive times record
    attempts, failed ones too; `lastSuccessfulSignInDateTime` (since December 2023, not
    backfilled) records the last sign-in that worked."""

    interactive: datetime | None
    non_interactive: datetime | None
    successful: datetime | None = None

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> SignIns:
        activity = data.get("signInActivity") or {}
        return cls(
            interactive=parse_time(activity.get("lastSignInDateTime")),
            non_interactive=parse_time(activity.get("lastNonInteractiveSignInDateTime")),
            successful=parse_time(activity.get("lastSuccessfulSignInDateTime")),
        )

    @property
    def last_activity(self) -> datetime | None:
        """The last successful sign-in; where Graph has none, the latest attempt."""
        if self.successful is not None:
            return self.successful
        moments = [m for m in (self.interactive, self.non_interactive) if m is not None]
        return max(moments, default=None)


_METHOD_NAMES = {
    "passwordAuthenticationMethod": "Password",
    "microsoftAuthenticatorAuthenticationMethod": "Microsoft Authenticator",
    "phoneAuthenticationMethod": "Phone",
    "fido2AuthenticationMethod": "FIDO2 security key",
    "softwareOathAuthenticationMethod": "Authenticator app (OATH)",
    "hardwareOathAuthenticationMethod": "Hardware OATH token",
    "windowsHelloForBusinessAuthenticationMethod": "Windows Hello for Business",
    "emailAuthenticationMethod": "Email (self-service reset only)",
    "temporaryAccessPassAuthenticationMethod": "Temporary Access Pass",
    "platformCredentialAuthenticationMethod": "Platform credential (macOS)",
    "x509CertificateAuthenticationMethod": "Certificate",
}
_NOT_MFA = {
    "passwordAuthenticationMethod",
    "emailAuthenticationMethod",
    "temporaryAccessPassAuthenticationMethod",
}

_REGISTERED_NAMES = {
    "microsoftAuthenticatorPush": "Microsoft Authenticator (push)",
    "microsoftAuthenticatorPasswordless": "Microsoft Authenticator (passwordless)",
    "softwareOneTimePasscode": "Authenticator app code",
    "hardwareOneTimePasscode": "Hardware token code",
    "mobilePhone": "Mobile phone",
    "alternateMobilePhone": "Alternate mobile phone",
    "officePhone": "Office phone",
    "fido2": "FIDO2 security key",
    "passKeyDeviceBound": "Passkey",
    "passKeyDeviceBoundAuthenticator": "Passkey in Authenticator",
    "windowsHelloForBusiness": "Windows Hello for Business",
    "email": "Email",
    "temporaryAccessPass": "Temporary Access Pass",
    "push": "Microsoft Authenticator (push)",
    "oath": "Authenticator app code",
    "sms": "Text message",
    "voiceMobile": "Phone call",
}


def method_label(name: str) -> str:
    """A registration-report method name ("mobilePhone") as people say it."""
    return _REGISTERED_NAMES.get(name, name)


@dataclass(frozen=True)
class AuthMethod:
    kind: str
    """The type without its namespace, e.g. `phoneAuthenticationMethod`."""
    detail: str

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> AuthMethod:
        kind = _text(data, "@odata.type").rsplit(".", 1)[-1]
        detail = _text(data, "phoneType") or _text(data, "displayName")
        return cls(kind=kind, detail=detail)

    @property
    def label(self) -> str:
        name = _METHOD_NAMES.get(self.kind, self.kind)
        return f"{name} ({self.detail})" if self.detail else name

    @property
    def counts_for_mfa(self) -> bool:
        return self.kind not in _NOT_MFA

    @property
    def short_kind(self) -> str:
        """The type as a short column names it: "microsoftAuthenticator", "fido2", "phone"."""
        return self.kind.removesuffix("AuthenticationMethod")


@dataclass(frozen=True)
class Registration:
    """The registration-details report for one user (needs Entra ID P1)."""

    mfa_registered: bool
    mfa_capable: bool
    methods: tuple[str, ...]
    default_method: str

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> Registration:
        preferred = _text(data, "userPreferredMethodForSecondaryAuthentication")
        system = data.get("systemPreferredAuthenticationMethods") or ()
        if data.get("isSystemPreferredAuthenticationMethodEnabled") and system:
            preferred = f"{method_label(str(system[0]))} (system-preferred)"
        elif preferred:
            preferred = method_label(preferred)
        return cls(
            mfa_registered=data.get("isMfaRegistered") is True,
            mfa_capable=data.get("isMfaCapable") is True,
            methods=tuple(method_label(str(m)) for m in data.get("methodsRegistered") or ()),
            default_method=preferred or "none",
        )


@dataclass(frozen=True)
class Sku:
    sku_id: str
    part_number: str
    enabled: int
    consumed: int
    capability: str

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> Sku:
        prepaid = data.get("prepaidUnits") or {}
        return cls(
            sku_id=_text(data, "skuId").lower(),
            part_number=_text(data, "skuPartNumber"),
            enabled=int(prepaid.get("enabled") or 0),
            consumed=int(data.get("consumedUnits") or 0),
            capability=_text(data, "capabilityStatus"),
        )

    @property
    def available(self) -> int:
        return max(0, self.enabled - self.consumed)


@dataclass(frozen=True)
class DirectoryObject:
    """An entry of `memberOf`: a group, a directory role or an administrative unit."""

    kind: str
    id: str
    name: str

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> DirectoryObject:
        kind = _text(data, "@odata.type").rsplit(".", 1)[-1]
        return cls(kind=kind, id=_text(data, "id"), name=_text(data, "displayName"))


@dataclass(frozen=True)
class RoleAssignment:
    role: str
    scope: str

    @classmethod
    def from_graph(cls, data: Mapping[str, Any]) -> RoleAssignment:
        definition = data.get("roleDefinition") or {}
        name = _text(definition, "displayName") or _text(data, "roleDefinitionId")
        return cls(role=name, scope=_text(data, "directoryScopeId") or "/")
