"""Turns compact people and group specs into a tenant's `Directory`, deterministically.

Every id is a uuid5 of the tenant and a key, and every date is relative to the sandbox's start,
so "120 days ago" stays 120 days ago whenever the tests run.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sandbox.model import (
    AuthMethod,
    ConditionalAccessPolicy,
    Directory,
    Domain,
    Group,
    RoleAssignment,
    RoleEligibility,
    Sku,
    Subscription,
    User,
)

from .catalog import PLANS, ROLE_TEMPLATES, SKU_IDS, SKU_PLANS, role_templates

__all__ = ["GroupSpec", "Person", "TenantBuilder", "object_id"]

_NAMESPACE = uuid.UUID("5f0c3a56-3e5b-4f3e-9d0a-6b1f2d1c7a10")

# Well-known method ids Graph uses for the password and phone slots.
_FIXED_METHOD_IDS = {
    "password": "28c10230-6103-485e-b985-444c60001490",
    "phone": "3179e48a-750b-4051-897c-87b9720928f7",
}


def object_id(tenant: str, kind: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{tenant}:{kind}:{key}"))


@dataclass(frozen=True)
class Person:
    """One seeded user; `key` is the UPN's local part. `last_sign_in_days=None`: never.

    `last_sign_in_days` is the latest attempt; `last_success_days` the latest success when it
    is older (failed attempts since), None when the latest attempt succeeded.
    `non_interactive_only`: the user only ever signed in through apps refreshing tokens.
    """

    key: str
    given: str
    surname: str
    job: str | None = None
    department: str | None = None
    office: str | None = None
    manager: str | None = None
    skus: tuple[str, ...] = ()
    methods: tuple[str, ...] = ("microsoftAuthenticator",)
    last_sign_in_days: float | None = 1.0
    created_days: float = 700.0
    enabled: bool = True
    per_user_mfa: str = "disabled"
    synced: bool = False
    guest_of: str | None = None
    display_name: str | None = None
    city: str | None = "Redmond"
    last_success_days: float | None = None
    non_interactive_only: bool = False


@dataclass(frozen=True)
class GroupSpec:
    key: str
    display_name: str
    kind: str  # "m365" | "security" | "mail-security" | "distribution"
    members: tuple[str, ...]
    description: str = ""
    role_assignable: bool = False
    owners: tuple[str, ...] = ()
    team: bool = False
    member_groups: tuple[str, ...] = ()
    """Keys of groups nested in this one."""


# ConditionalAccessPolicy fields holding seed keys, and the kind of object each names.
_KEYED_FIELDS = {
    "include_users": "user",
    "exclude_users": "user",
    "include_groups": "group",
    "exclude_groups": "group",
}
_KEYWORDS = frozenset({"All", "None", "GuestsOrExternalUsers"})

_GROUP_FLAGS = {  # mailEnabled, securityEnabled, groupTypes
    "m365": (True, False, ("Unified",)),
    "security": (False, True, ()),
    "mail-security": (True, True, ()),
    "distribution": (True, False, ()),
}


@dataclass
class TenantBuilder:
    name: str
    domain: str
    display_name: str
    now: datetime
    directory: Directory = field(init=False)

    def __post_init__(self) -> None:
        self.directory = Directory(self.display_name, self.now - timedelta(days=2000))
        names = {name: self.id("role", name) for name in ROLE_TEMPLATES}
        self.directory.roles = role_templates(names)
        initial = f"{self.name}.onmicrosoft.com"
        self.directory.domains = [
            Domain(self.domain, is_default=True),
            Domain(initial, is_initial=True),
        ]

    def id(self, kind: str, key: str) -> str:
        return object_id(self.name, kind, key)

    def ago(self, days: float | None) -> datetime | None:
        return None if days is None else self.now - timedelta(days=days)

    def add_person(self, person: Person) -> User:
        upn, mail, user_type = self._identity(person)
        interactive, non_interactive, success = self._sign_ins(person)
        user = User(
            id=self.id("user", person.key),
            user_principal_name=upn,
            display_name=person.display_name or f"{person.given} {person.surname}",
            given_name=person.given,
            surname=person.surname,
            mail=mail,
            job_title=person.job,
            department=person.department,
            office_location=person.office,
            city=person.city if user_type == "Member" else None,
            country="United States" if user_type == "Member" else None,
            business_phones=("+1 425 555 0109",) if person.office else (),
            account_enabled=person.enabled,
            user_type=user_type,
            created=self.ago(person.created_days),
            sku_ids=tuple(SKU_IDS[part] for part in person.skus),
            on_premises_sync=person.synced,
            last_sign_in=interactive,
            last_non_interactive_sign_in=non_interactive,
            last_successful_sign_in=success,
            manager_id=self.id("user", person.manager) if person.manager else None,
            methods=self._methods(person, mail or upn),
            per_user_mfa=person.per_user_mfa,
            company_name=self.display_name if user_type == "Member" else None,
            employee_id=self._employee_id(person) if person.synced else None,
        )
        self.directory.add_user(user)
        return user

    def add_group(self, spec: GroupSpec) -> None:
        mail_enabled, security_enabled, group_types = _GROUP_FLAGS[spec.kind]
        self.directory.groups[self.id("group", spec.key)] = Group(
            id=self.id("group", spec.key),
            display_name=spec.display_name,
            description=spec.description or spec.display_name,
            mail_nickname=spec.key,
            mail=f"{spec.key}@{self.domain}" if mail_enabled else None,
            mail_enabled=mail_enabled,
            security_enabled=security_enabled,
            group_types=group_types,
            created=self.now - timedelta(days=900),
            member_ids=frozenset(
                [self.id("user", key) for key in spec.members]
                + [self.id("group", key) for key in spec.member_groups]
            ),
            is_assignable_to_role=spec.role_assignable,
            owner_ids=frozenset(self.id("user", key) for key in spec.owners),
            resource_provisioning_options=("Team",) if spec.team else (),
        )

    def assign_role(self, person_key: str, role_name: str, *, kind: str = "user") -> None:
        """An active assignment to a user, or with `kind="group"` to a role-assignable group."""
        template = ROLE_TEMPLATES[role_name][0]
        principal = self.id(kind, person_key)
        self.directory.role_assignments.append(
            RoleAssignment(_assignment_id(template, principal), principal, template)
        )

    def make_eligible(self, person_key: str, role_name: str, days_ago: float = 30.0) -> None:
        """A PIM eligibility without expiry, granted `days_ago`."""
        template = ROLE_TEMPLATES[role_name][0]
        principal = self.id("user", person_key)
        self.directory.role_eligibilities.append(
            RoleEligibility(
                self.id("eligibility", f"{person_key}:{template}"),
                principal,
                template,
                self.now - timedelta(days=days_ago),
            )
        )

    def add_sku(
        self, part_number: str, prepaid: int, *, renews_in_days: float = 200.0, trial: bool = False
    ) -> None:
        """The SKU and the subscription behind it, bought a year before it renews (a trial
        90 days before it ends)."""
        plans = tuple(PLANS[name] for name in SKU_PLANS[part_number])
        subscription = self.id("subscription", part_number)
        sku_id = SKU_IDS[part_number]
        self.directory.skus.append(Sku(sku_id, part_number, prepaid, plans, subscription))
        renews = self.now + timedelta(days=renews_in_days)
        self.directory.subscriptions.append(
            Subscription(
                id=subscription,
                commerce_id=self.id("commerce", part_number),
                sku_id=sku_id,
                part_number=part_number,
                created=renews - timedelta(days=90 if trial else 365),
                next_lifecycle=renews,
                total_licenses=prepaid,
                is_trial=trial,
            )
        )

    def add_policy(self, key: str, display_name: str, **conditions: Any) -> None:
        """A Conditional Access policy; `conditions` are `ConditionalAccessPolicy` fields,
        with users and groups given by seed key and roles by name."""
        resolved = dict(conditions)
        for name, kind in _KEYED_FIELDS.items():
            if name in resolved:
                resolved[name] = tuple(
                    value if value in _KEYWORDS else self.id(kind, value)
                    for value in resolved[name]
                )
        for name in ("include_roles", "exclude_roles"):
            if name in resolved:
                resolved[name] = tuple(ROLE_TEMPLATES[role][0] for role in resolved[name])
        resolved.setdefault("state", "enabled")
        self.directory.ca_policies.append(
            ConditionalAccessPolicy(
                id=self.id("policy", key),
                display_name=display_name,
                created=self.now - timedelta(days=365),
                **resolved,
            )
        )

    def _identity(self, person: Person) -> tuple[str, str | None, str]:
        if person.guest_of:
            external = f"{person.key}@{person.guest_of}"
            upn = f"{person.key}_{person.guest_of}#EXT#@{self.name}.onmicrosoft.com"
            return upn, external, "Guest"
        upn = f"{person.key}@{self.domain}"
        return upn, upn, "Member"

    def _employee_id(self, person: Person) -> str:
        return f"E{int(self.id('employee', person.key)[:6], 16) % 90000 + 10000}"

    def _sign_ins(self, person: Person) -> tuple[datetime | None, datetime | None, datetime | None]:
        """Interactive, non-interactive (both attempts) and successful sign-in."""
        days = person.last_sign_in_days
        if person.non_interactive_only:
            interactive, non_interactive = None, self.ago(days)
        else:
            # Active users also sign in non-interactively (Outlook, Teams refreshing tokens).
            interactive = self.ago(days)
            non_interactive = None if days is None or days > 30 else self.ago(days / 2)
        attempts = [moment for moment in (interactive, non_interactive) if moment]
        success = self.ago(person.last_success_days) or max(attempts, default=None)
        return interactive, non_interactive, success

    def _methods(self, person: Person, address: str) -> tuple[AuthMethod, ...]:
        kinds = ("password", *person.methods)
        return tuple(self._method(kind, person, address) for kind in kinds)

    def _method(self, kind: str, person: Person, address: str) -> AuthMethod:
        method_id = _FIXED_METHOD_IDS.get(kind) or self.id(f"method:{kind}", person.key)
        created = self.ago(min(person.created_days, 400.0))
        return AuthMethod(kind, method_id, method_properties(kind, person, address, created))


def method_properties(
    kind: str, person: Person, address: str, created: datetime | None
) -> dict[str, object]:
    """The properties Graph documents for each authentication method type."""
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ") if created else None
    device = f"{person.given}'s phone"
    table: dict[str, dict[str, object]] = {
        "password": {"password": None, "createdDateTime": stamp},
        "microsoftAuthenticator": {
            "displayName": device,
            "deviceTag": "SoftwareTokenActivated",
            "phoneAppVersion": "6.2401.0119",
            "createdDateTime": stamp,
        },
        "phone": {
            "phoneNumber": "+1 4255550199",
            "phoneType": "mobile",
            "smsSignInState": "notAllowedByPolicy",
        },
        "fido2": {
            "displayName": "YubiKey 5 NFC",
            "creationDateTime": stamp,
            "aaGuid": "2fc0579f-8113-47ea-b116-555a8db9202a",
            "model": "YubiKey 5 NFC",
            "attestationCertificates": ["dbe793efdf1945e2df25d93653a1e8a3268a9075"],
            "attestationLevel": "attested",
        },
        "softwareOath": {"secretKey": None},
        "windowsHelloForBusiness": {
            "displayName": f"{person.given}'s Surface Laptop",
            "createdDateTime": stamp,
            "keyStrength": "normal",
        },
        "email": {"emailAddress": address},
        "temporaryAccessPass": {
            "temporaryAccessPass": None,
            "createdDateTime": stamp,
            "startDateTime": stamp,
            "lifetimeInMinutes": 480,
            "isUsableOnce": True,
            "isUsable": False,
            "methodUsabilityReason": "Expired",
        },
    }
    return table[kind]


def _assignment_id(template: str, principal: str) -> str:
    """Graph's roleAssignment ids: base64url of the two GUIDs' bytes, then "-1"."""

    def encode(value: str) -> str:
        return base64.urlsafe_b64encode(uuid.UUID(value).bytes_le).decode().rstrip("=")

    return f"{encode(template)}{encode(principal)}-1"
