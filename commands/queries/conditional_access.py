"""Whether Conditional Access makes a user do MFA: the policies parsed, and evaluated per user.

Shapes from conditionalaccesspolicy.md, conditionalaccessconditionset.md,
conditionalaccessgrantcontrols.md, conditionalaccessusers.md and
conditionalaccessapplications.md. Only `state: enabled` policies count: `disabled` and
`enabledForReportingButNotEnforced` (report-only) enforce nothing. A policy requires MFA when
its grant controls name `mfa` or an authentication strength; with operator `OR` and another
control (a compliant device, ...) the user can satisfy it without MFA, so it is partial. So is
a policy limited to some applications, platforms, locations, client apps, risk levels or
devices: it asks for MFA at some sign-ins, not all. Pure: the group and role members a policy
names are given as `Memberships`, read elsewhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "Audience",
    "Enforcement",
    "Memberships",
    "MfaPolicy",
    "Verdict",
    "evaluate",
    "mfa_policies",
]

_ALL = "all"
_GUESTS = "guestsorexternalusers"
_NONE = "none"
_MFA = "mfa"


class Enforcement(StrEnum):
    ENFORCED = "enforced"
    PARTLY = "partly"
    NOT = "not"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Memberships:
    """The members (user ids) of the groups (transitive) and roles (active holders) that
    policies name; a group or role missing here could not be read."""

    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)
    roles: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Side:
    everyone: bool
    guests: bool
    users: frozenset[str]
    groups: frozenset[str]
    roles: frozenset[str]

    def match(self, user_id: str, guest: bool, known: Memberships) -> bool | None:
        """True when the user is named, None when only an unreadable group or role could."""
        if self.everyone or (guest and self.guests) or user_id in self.users:
            return True
        unknown = False
        for ids, members in ((self.groups, known.groups), (self.roles, known.roles)):
            for one in ids:
                holders = members.get(one)
                if holders is None:
                    unknown = True
                elif user_id in holders:
                    return True
        return None if unknown else False


@dataclass(frozen=True)
class Audience:
    """conditionalAccessUsers: who a policy applies to, exclusions winning."""

    include: _Side
    exclude: _Side

    @classmethod
    def from_graph(cls, users: Mapping[str, Any]) -> Audience:
        return cls(_side(users, "include"), _side(users, "exclude"))

    @property
    def groups(self) -> frozenset[str]:
        return self.include.groups | self.exclude.groups

    @property
    def roles(self) -> frozenset[str]:
        return self.include.roles | self.exclude.roles

    def covers(self, user_id: str, guest: bool, known: Memberships) -> bool | None:
        excluded = self.exclude.match(user_id, guest, known)
        if excluded is True:
            return False
        included = self.include.match(user_id, guest, known)
        if included is False:
            return False
        return True if included and excluded is False else None


def _side(users: Mapping[str, Any], prefix: str) -> _Side:
    named = _strings(users.get(f"{prefix}Users"))
    folded = {name.casefold() for name in named}
    return _Side(
        everyone=prefix == "include" and _ALL in folded,
        guests=_GUESTS in folded or bool(users.get(f"{prefix}GuestsOrExternalUsers")),
        users=frozenset(n for n in named if n.casefold() not in {_ALL, _GUESTS, _NONE}),
        groups=frozenset(_strings(users.get(f"{prefix}Groups"))),
        roles=frozenset(_strings(users.get(f"{prefix}Roles"))),
    )


@dataclass(frozen=True)
class MfaPolicy:
    """An enabled policy that asks for MFA; `limits` say why it asks only sometimes."""

    id: str
    name: str
    audience: Audience
    limits: tuple[str, ...]

    @property
    def full(self) -> bool:
        return not self.limits


def mfa_policies(items: Iterable[Mapping[str, Any]]) -> tuple[MfaPolicy, ...]:
    """The enabled policies (conditionalAccessPolicy JSON) that require MFA at app sign-ins."""
    found = []
    for item in items:
        conditions = _mapping(item.get("conditions"))
        apps = _mapping(conditions.get("applications"))
        targets = {a.casefold() for a in _strings(apps.get("includeApplications"))}
        if item.get("state") != "enabled" or not _requires_mfa(item) or targets <= {_NONE}:
            continue  # off, report-only, no MFA, or only user actions / auth contexts
        audience = Audience.from_graph(_mapping(conditions.get("users")))
        limits = (*_condition_limits(conditions, targets), *_grant_limits(item))
        name = str(item.get("displayName") or item.get("id") or "")
        found.append(MfaPolicy(str(item.get("id") or ""), name, audience, limits))
    return tuple(found)


def _requires_mfa(item: Mapping[str, Any]) -> bool:
    grant = _mapping(item.get("grantControls"))
    controls = {c.casefold() for c in _strings(grant.get("builtInControls"))}
    return _MFA in controls or bool(grant.get("authenticationStrength"))


def _grant_limits(item: Mapping[str, Any]) -> list[str]:
    grant = _mapping(item.get("grantControls"))
    if str(grant.get("operator") or "").upper() != "OR":
        return []
    others = [c for c in _strings(grant.get("builtInControls")) if c.casefold() != _MFA]
    others += _strings(grant.get("customAuthenticationFactors"))
    others += ["terms of use"] if _strings(grant.get("termsOfUse")) else []
    return [f"or {', '.join(others)} instead"] if others else []


def _condition_limits(conditions: Mapping[str, Any], targets: set[str]) -> list[str]:
    apps = _mapping(conditions.get("applications"))
    platforms = _mapping(conditions.get("platforms"))
    locations = _mapping(conditions.get("locations"))
    client_apps = {c.casefold() for c in _strings(conditions.get("clientAppTypes"))}
    checks = (
        (targets != {_ALL} or bool(_strings(apps.get("excludeApplications"))), "some apps"),
        (_narrowed(platforms, "Platforms"), "some platforms"),
        (_narrowed(locations, "Locations"), "some locations"),
        (bool(client_apps - {_ALL}), "some client apps"),
        (bool(_strings(conditions.get("signInRiskLevels"))), "risky sign-ins"),
        (bool(_strings(conditions.get("userRiskLevels"))), "risky users"),
        (bool(_strings(conditions.get("servicePrincipalRiskLevels"))), "risky apps"),
        (bool(_mapping(conditions.get("devices"))), "some devices"),
    )
    return [why for limited, why in checks if limited]


def _narrowed(condition: Mapping[str, Any], noun: str) -> bool:
    """A platforms or locations condition that is set and is not "all, none excluded"."""
    if not condition:
        return False
    included = {v.casefold() for v in _strings(condition.get(f"include{noun}"))}
    return included != {_ALL} or bool(_strings(condition.get(f"exclude{noun}")))


@dataclass(frozen=True)
class Verdict:
    enforcement: Enforcement
    by: tuple[str, ...]
    """The policies that apply (names), or those whose coverage could not be told."""


def evaluate(
    policies: Sequence[MfaPolicy], known: Memberships, user_id: str, *, guest: bool
) -> Verdict:
    """Whether the enabled MFA policies cover the user at every sign-in, at some, or not."""
    full: list[str] = []
    partial: list[str] = []
    unsure: list[str] = []
    for policy in policies:
        covered = policy.audience.covers(user_id, guest, known)
        if covered is None:
            unsure.append(policy.name)
        elif covered:
            (full if policy.full else partial).append(policy.name)
    if full:
        return Verdict(Enforcement.ENFORCED, tuple(full))
    if unsure:
        return Verdict(Enforcement.UNKNOWN, tuple(unsure))
    if partial:
        return Verdict(Enforcement.PARTLY, tuple(partial))
    return Verdict(Enforcement.NOT, ())


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: object) -> list[str]:
    if not isinstance(value, list | tuple):
        return []
    return [str(v) for v in value if isinstance(v, str) and v]
