"""The directory a sandbox tenant holds: frozen records, looked up by the API modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "AuthMethod",
    "ConditionalAccessPolicy",
    "DeletedUser",
    "Directory",
    "DirectoryRole",
    "Domain",
    "Group",
    "RoleAssignment",
    "RoleEligibility",
    "Sku",
    "Subscription",
    "TapPolicy",
    "User",
]


@dataclass(frozen=True)
class AuthMethod:
    """One registered authentication method; `kind` is the @odata.type without its prefix."""

    kind: str
    id: str
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class User:
    id: str
    user_principal_name: str
    display_name: str
    given_name: str | None
    surname: str | None
    mail: str | None
    job_title: str | None = None
    department: str | None = None
    office_location: str | None = None
    city: str | None = None
    country: str | None = None
    mobile_phone: str | None = None
    business_phones: tuple[str, ...] = ()
    account_enabled: bool = True
    user_type: str = "Member"
    created: datetime | None = None
    sku_ids: tuple[str, ...] = ()
    on_premises_sync: bool = False
    last_sign_in: datetime | None = None
    last_non_interactive_sign_in: datetime | None = None
    last_successful_sign_in: datetime | None = None
    """Successes only (signinactivity.md): the two times above count failed attempts too."""
    manager_id: str | None = None
    methods: tuple[AuthMethod, ...] = ()
    per_user_mfa: str = "disabled"
    usage_location: str | None = "US"
    employee_id: str | None = None
    company_name: str | None = None
    password_changed: datetime | None = None
    force_change_password: bool = False
    force_change_password_with_mfa: bool = False
    sessions_valid_from: datetime | None = None
    inherited_licenses: tuple[tuple[str, str], ...] = ()
    """Licences held through group-based licensing: (skuId, group id) pairs."""


@dataclass(frozen=True)
class Group:
    id: str
    display_name: str
    description: str
    mail_nickname: str
    mail: str | None
    mail_enabled: bool
    security_enabled: bool
    group_types: tuple[str, ...]
    created: datetime
    member_ids: frozenset[str]
    is_assignable_to_role: bool = False
    on_premises_sync: bool = False
    """Synced from on-premises AD: its members are managed there."""
    membership_rule: str | None = None
    """Set for dynamic groups (`groupTypes` holds "DynamicMembership")."""
    owner_ids: frozenset[str] = frozenset()
    resource_provisioning_options: tuple[str, ...] = ()
    """("Team",) for a Microsoft 365 group with a team (group.md)."""


@dataclass(frozen=True)
class DirectoryRole:
    """A role definition (template) with its activated directoryRole object id."""

    template_id: str
    object_id: str
    display_name: str
    description: str
    is_built_in: bool = True
    is_privileged: bool = False


@dataclass(frozen=True)
class RoleAssignment:
    id: str
    principal_id: str
    role_template_id: str


@dataclass(frozen=True)
class RoleEligibility:
    """A PIM eligibility: the principal may activate the role, but does not hold it now."""

    id: str
    principal_id: str
    role_template_id: str
    start: datetime


@dataclass(frozen=True)
class ServicePlan:
    id: str
    name: str
    applies_to: str = "User"


@dataclass(frozen=True)
class Sku:
    sku_id: str
    part_number: str
    prepaid: int
    service_plans: tuple[ServicePlan, ...]
    subscription_id: str


@dataclass(frozen=True)
class Subscription:
    """A commercial subscription behind a SKU (companysubscription.md)."""

    id: str
    commerce_id: str
    sku_id: str
    part_number: str
    created: datetime
    next_lifecycle: datetime | None
    total_licenses: int
    is_trial: bool = False
    status: str = "Enabled"
    """Enabled, Warning, Suspended, Deleted or LockedOut."""


@dataclass(frozen=True)
class ConditionalAccessPolicy:
    """A Conditional Access policy (conditionalaccesspolicy.md and its condition types).

    User, group and role lists hold object ids and role template ids, or the documented
    keywords ("All", "None", "GuestsOrExternalUsers"); applications hold app ids, "All" or
    "Office365". `include_platforms`/`include_locations` None: the condition is not set
    (`platforms`/`locations` null). `authentication_strength` is a built-in strength's id.
    """

    id: str
    display_name: str
    state: str
    """enabled, disabled or enabledForReportingButNotEnforced."""
    created: datetime
    include_users: tuple[str, ...] = ()
    exclude_users: tuple[str, ...] = ()
    include_groups: tuple[str, ...] = ()
    exclude_groups: tuple[str, ...] = ()
    include_roles: tuple[str, ...] = ()
    exclude_roles: tuple[str, ...] = ()
    include_applications: tuple[str, ...] = ("All",)
    exclude_applications: tuple[str, ...] = ()
    client_app_types: tuple[str, ...] = ("all",)
    include_platforms: tuple[str, ...] | None = None
    exclude_platforms: tuple[str, ...] = ()
    include_locations: tuple[str, ...] | None = None
    exclude_locations: tuple[str, ...] = ()
    operator: str = "OR"
    built_in_controls: tuple[str, ...] = ("mfa",)
    authentication_strength: str | None = None


@dataclass(frozen=True)
class Domain:
    id: str
    is_default: bool = False
    is_initial: bool = False
    is_verified: bool = True
    authentication_type: str = "Managed"
    supported_services: tuple[str, ...] = ("Email", "OfficeCommunicationsOnline")


@dataclass(frozen=True)
class DeletedUser:
    """A soft-deleted user in deleted items, with what deleting took away (given back on
    restore): group memberships and active role assignments."""

    user: User
    deleted: datetime
    group_ids: frozenset[str] = frozenset()
    role_assignments: tuple[RoleAssignment, ...] = ()


@dataclass(frozen=True)
class TapPolicy:
    """The tenant's Temporary Access Pass policy
    (temporaryaccesspassauthenticationmethodconfiguration.md); off, as in a new tenant, until
    a seed or a test turns it on. Lifetimes are minutes."""

    state: str = "disabled"
    default_lifetime: int = 60
    default_length: int = 8
    minimum_lifetime: int = 60
    maximum_lifetime: int = 480
    is_usable_once: bool = False
    """True: every pass in the tenant is one-time use; False: passes may be either."""


@dataclass
class Directory:
    """A tenant's objects. Mutable containers of frozen records, so writes can be added later."""

    display_name: str
    created: datetime
    users: dict[str, User] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    roles: dict[str, DirectoryRole] = field(default_factory=dict)
    role_assignments: list[RoleAssignment] = field(default_factory=list)
    role_eligibilities: list[RoleEligibility] = field(default_factory=list)
    skus: list[Sku] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    upn_index: dict[str, str] = field(default_factory=dict, repr=False)
    deleted_users: dict[str, DeletedUser] = field(default_factory=dict)
    """Deleted items (users), by object id; purged 30 days after deletion."""
    tap_policy: TapPolicy = field(default_factory=TapPolicy)
    security_defaults: bool = False
    """identitySecurityDefaultsEnforcementPolicy.isEnabled."""
    ca_policies: list[ConditionalAccessPolicy] = field(default_factory=list)
    subscriptions: list[Subscription] = field(default_factory=list)
    site_admins: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Site collection administrators added through SharePoint's admin API, by lower-case site
    URL (login names lower-case); a OneDrive's own user is its administrator without a row."""
    street: str = "1 Microsoft Way"
    city: str = "Redmond"
    country_code: str = "US"

    def find_user(self, key: str) -> User | None:
        """By object id or user principal name, case-insensitively as Graph does."""
        folded = key.casefold()
        return self.users.get(folded) or self.users.get(self.upn_index.get(folded, ""))

    def add_user(self, user: User) -> None:
        self.users[user.id] = user
        self.upn_index[user.user_principal_name.casefold()] = user.id

    @property
    def has_premium(self) -> bool:
        """Entra ID P1 or better: a subscribed SKU carrying the AAD_PREMIUM service plan."""
        return any(plan.name == "AAD_PREMIUM" for sku in self.skus for plan in sku.service_plans)

    def consumed_units(self, sku_id: str) -> int:
        """Users holding the SKU, directly or through a group (one seat each)."""
        return sum(
            1
            for user in self.users.values()
            if sku_id in user.sku_ids or any(s == sku_id for s, _ in user.inherited_licenses)
        )

    def active_roles(self, user_id: str) -> frozenset[str]:
        """Role template ids the user holds now: assigned directly or through a group."""
        principals = {user_id} | {g.id for g in self.groups.values() if user_id in g.member_ids}
        return frozenset(
            a.role_template_id for a in self.role_assignments if a.principal_id in principals
        )

    def admin_ids(self) -> frozenset[str]:
        """Users holding any role now, directly or as members of a role-assigned group."""
        principals = {a.principal_id for a in self.role_assignments}
        via_groups = (self.groups[p].member_ids for p in principals if p in self.groups)
        return frozenset(principals - self.groups.keys()).union(*via_groups)
