"""The Contoso demo tenant: Entra ID P1, 25 fixed users, groups, roles and licences.

The fixed users are the ones a technician meets; tests and the demo rely on them:
adele.vance (licensed, MFA registered, active), lynne.robbins (no MFA method),
megan.bowen (no sign-in for 120 days), alex.wilber (sign-in blocked), diego.siciliani
(never signed in, created 60 days ago), johanna.lorenz (never signed in, created 400 days ago),
irvin.sayers (failed sign-ins 2 days ago, last success 130 days ago), enrico.cattaneo (only
non-interactive sign-ins), admin and breakglass (active Global Administrators),
allan.deyoung (User and Helpdesk Administrator, PIM-eligible for Privileged Role Administrator),
lee.gu (synced from on-premises AD), sean.o'brien (Sean O'Brien; Helpdesk Administrator through
the role-assignable group "Helpdesk Admins"), jordan.miller (guest), reception (shared mailbox:
disabled, unlicensed), isaiah.langer and joni.sherman (per-user MFA).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sandbox.model import Directory, TapPolicy

from .builder import GroupSpec, Person, TenantBuilder

__all__ = ["STRONG", "contoso"]

E3 = ("SPE_E3",)
STRONG = ("microsoftAuthenticator", "phone")

CONTOSO_PEOPLE = (
    Person(
        "admin",
        "MOD",
        "Administrator",
        "IT Administrator",
        "IT",
        "Building 1",
        skus=E3,
        display_name="MOD Administrator",
        methods=STRONG,
        last_sign_in_days=0.2,
    ),
    Person(
        "breakglass",
        "Break",
        "Glass",
        "Emergency access",
        "IT",
        None,
        display_name="Break Glass",
        methods=("fido2",),
        last_sign_in_days=60.0,
    ),
    Person(
        "patti.fernandez",
        "Patti",
        "Fernandez",
        "President",
        "Executive Management",
        "15/1102",
        skus=E3,
        methods=("microsoftAuthenticator", "windowsHelloForBusiness", "fido2"),
    ),
    Person(
        "miriam.graham",
        "Miriam",
        "Graham",
        "Director",
        "Sales & Marketing",
        "131/2103",
        manager="patti.fernandez",
        skus=E3,
    ),
    Person(
        "nestor.wilke",
        "Nestor",
        "Wilke",
        "Director",
        "Operations",
        "36/2121",
        manager="patti.fernandez",
        skus=E3,
    ),
    Person(
        "lidia.holloway",
        "Lidia",
        "Holloway",
        "Product Manager",
        "Engineering",
        "20/1101",
        manager="patti.fernandez",
        skus=E3,
        methods=("fido2", "phone"),
    ),
    Person(
        "adele.vance",
        "Adele",
        "Vance",
        "Retail Manager",
        "Retail",
        "18/2111",
        manager="miriam.graham",
        skus=E3,
        methods=STRONG,
        last_sign_in_days=0.5,
    ),
    Person(
        "alex.wilber",
        "Alex",
        "Wilber",
        "Marketing Assistant",
        "Marketing",
        "131/1104",
        manager="miriam.graham",
        skus=E3,
        enabled=False,
        last_sign_in_days=14.0,
    ),
    Person(
        "megan.bowen",
        "Megan",
        "Bowen",
        "Marketing Manager",
        "Marketing",
        "12/1110",
        manager="miriam.graham",
        skus=E3,
        last_sign_in_days=120.0,
    ),
    Person(
        "lynne.robbins",
        "Lynne",
        "Robbins",
        "Planner",
        "Retail",
        "20/1104",
        manager="adele.vance",
        skus=E3,
        methods=(),
        last_sign_in_days=3.0,
    ),
    Person(
        "diego.siciliani",
        "Diego",
        "Siciliani",
        "HR Manager",
        "Human Resources",
        "14/1108",
        manager="patti.fernandez",
        skus=("O365_BUSINESS_PREMIUM", "AAD_PREMIUM"),
        methods=("temporaryAccessPass",),
        last_sign_in_days=None,
        created_days=60.0,
    ),
    Person(
        "grady.archie",
        "Grady",
        "Archie",
        "Designer",
        "Research & Development",
        "19/2109",
        manager="lidia.holloway",
        skus=E3,
        methods=("softwareOath",),
    ),
    Person(
        "henrietta.mueller",
        "Henrietta",
        "Mueller",
        "Developer",
        "Research & Development",
        "18/1106",
        manager="lidia.holloway",
        skus=E3,
    ),
    Person(
        "isaiah.langer",
        "Isaiah",
        "Langer",
        "Sales Rep",
        "Sales",
        "20/1101",
        manager="miriam.graham",
        skus=("ENTERPRISEPACK", "AAD_PREMIUM"),
        methods=("phone",),
        per_user_mfa="enforced",
    ),
    Person(
        "johanna.lorenz",
        "Johanna",
        "Lorenz",
        "Senior Engineer",
        "Engineering",
        "23/2102",
        manager="lidia.holloway",
        skus=E3,
        methods=("email",),
        last_sign_in_days=None,
        created_days=400.0,
    ),
    Person(
        "joni.sherman",
        "Joni",
        "Sherman",
        "Paralegal",
        "Legal",
        "20/1109",
        manager="nestor.wilke",
        skus=("ENTERPRISEPACK", "AAD_PREMIUM"),
        per_user_mfa="enabled",
    ),
    Person(
        "lee.gu",
        "Lee",
        "Gu",
        "Director",
        "Manufacturing",
        "23/3101",
        manager="patti.fernandez",
        skus=E3,
        synced=True,
    ),
    Person(
        "pradeep.gupta",
        "Pradeep",
        "Gupta",
        "Accountant II",
        "Finance",
        "98/2202",
        manager="irvin.sayers",
        skus=("ENTERPRISEPACK", "AAD_PREMIUM"),
        city="Cairo",
    ),
    Person(
        "irvin.sayers",
        "Irvin",
        "Sayers",
        "Director",
        "Finance",
        "98/1104",
        manager="patti.fernandez",
        skus=E3,
        last_sign_in_days=2.0,
        last_success_days=130.0,
    ),
    Person(
        "christie.cline",
        "Christie",
        "Cline",
        "Buyer",
        "Retail",
        "131/2105",
        manager="adele.vance",
        skus=("EXCHANGESTANDARD",),
        methods=("phone",),
        last_sign_in_days=40.0,
    ),
    Person(
        "enrico.cattaneo",
        "Enrico",
        "Cattaneo",
        "Attorney",
        "Legal",
        "14/1102",
        manager="nestor.wilke",
        skus=E3,
        last_sign_in_days=10.0,
        non_interactive_only=True,
    ),
    Person(
        "sean.o'brien",
        "Sean",
        "O'Brien",
        "Support Technician",
        "IT",
        "Building 1",
        manager="nestor.wilke",
        skus=E3,
    ),
    Person(
        "allan.deyoung",
        "Allan",
        "Deyoung",
        "IT Admin",
        "IT",
        "Building 1",
        manager="nestor.wilke",
        skus=E3,
        methods=STRONG,
    ),
    Person(
        "jordan.miller",
        "Jordan",
        "Miller",
        None,
        None,
        None,
        guest_of="northwind.com",
        methods=(),
        last_sign_in_days=25.0,
        created_days=200.0,
    ),
    Person(
        "reception",
        "Reception",
        "Desk",
        None,
        None,
        None,
        display_name="Reception",
        enabled=False,
        methods=(),
        last_sign_in_days=None,
        created_days=500.0,
        city=None,
    ),
)

ALL_STAFF = tuple(p.key for p in CONTOSO_PEOPLE if p.enabled and not p.guest_of)

CONTOSO_GROUPS = (
    GroupSpec(
        "allcompany",
        "All Company",
        "m365",
        ALL_STAFF,
        "This is the default group for everyone in the network",
        owners=("admin",),
    ),
    GroupSpec(
        "salesandmarketing",
        "Sales and Marketing",
        "m365",
        (
            "miriam.graham",
            "adele.vance",
            "alex.wilber",
            "megan.bowen",
            "isaiah.langer",
            "christie.cline",
            "lynne.robbins",
        ),
        owners=("miriam.graham", "adele.vance"),
        team=True,
    ),
    GroupSpec(
        "sg-finance",
        "SG-Finance",
        "security",
        ("irvin.sayers", "pradeep.gupta"),
        owners=("irvin.sayers",),
    ),
    GroupSpec(
        "sg-mfa-required",
        "SG-MFA-Required",
        "security",
        ("johanna.lorenz",),
        "Conditional Access requires MFA for its members (SG-Finance is nested in it)",
        member_groups=("sg-finance",),
    ),
    GroupSpec(
        "sg-mfa-excluded",
        "SG-MFA-Excluded",
        "security",
        ("breakglass",),
        "Excluded from Conditional Access MFA policies",
    ),
    GroupSpec(
        "ithelpdesk", "IT Helpdesk", "mail-security", ("admin", "allan.deyoung", "sean.o'brien")
    ),
    GroupSpec(
        "helpdeskadmins",
        "Helpdesk Admins",
        "security",
        ("sean.o'brien",),
        "Holds the Helpdesk Administrator role for its members",
        role_assignable=True,
    ),
    GroupSpec(
        "announcements",
        "Contoso Announcements",
        "distribution",
        ("patti.fernandez", "nestor.wilke", "miriam.graham", "adele.vance"),
    ),
    GroupSpec(
        "salesleads",
        "Sales Leads",
        "mail-security",
        ("adele.vance", "miriam.graham"),
        "Sales leads: mail and access to the sales share",
    ),
)

CONTOSO_ROLES = (
    ("admin", "Global Administrator"),
    ("breakglass", "Global Administrator"),
    ("allan.deyoung", "User Administrator"),
    ("allan.deyoung", "Helpdesk Administrator"),
    ("nestor.wilke", "Global Reader"),
)
CONTOSO_GROUP_ROLES = (("helpdeskadmins", "Helpdesk Administrator"),)
CONTOSO_ELIGIBLE_ROLES = (("allan.deyoung", "Privileged Role Administrator"),)

# (part number, prepaid units, days until the subscription renews, trial); SPE_E3 is nearly
# exhausted on purpose, EXCHANGESTANDARD expires within 30 days and AAD_PREMIUM is a trial.
CONTOSO_SKUS = (
    ("SPE_E3", 18, 180.0, False),
    ("ENTERPRISEPACK", 5, 95.0, False),
    ("O365_BUSINESS_PREMIUM", 10, 240.0, False),
    ("EXCHANGESTANDARD", 5, 12.0, False),
    ("AAD_PREMIUM", 10, 70.0, True),
)

# Conditional Access (security defaults off): every MFA class the digest reports occurs, see
# sandbox/README.md "Contoso's MFA and inactivity classes".
PHISHING_RESISTANT = "00000000-0000-0000-0000-000000000004"
CONTOSO_POLICIES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "ca001",
        "CA001: Require MFA for Global Administrators",
        {"include_roles": ("Global Administrator",), "exclude_users": ("breakglass",)},
    ),
    (
        "ca002",
        "CA002: Require MFA for SG-MFA-Required",
        {"include_groups": ("sg-mfa-required",), "exclude_groups": ("sg-mfa-excluded",)},
    ),
    (
        "ca003",
        "CA003: Require MFA for Office 365 (Sales Leads)",
        {"include_groups": ("salesleads",), "include_applications": ("Office365",)},
    ),
    (
        "ca004",
        "CA004: MFA or a compliant device (Engineering)",
        {
            "include_users": ("lidia.holloway", "henrietta.mueller"),
            "built_in_controls": ("mfa", "compliantDevice"),
        },
    ),
    (
        "ca005",
        "CA005: Require MFA outside trusted locations",
        {
            "include_users": ("grady.archie",),
            "include_locations": ("All",),
            "exclude_locations": ("AllTrusted",),
        },
    ),
    (
        "ca006",
        "CA006: Require MFA on mobile devices",
        {"include_users": ("enrico.cattaneo",), "include_platforms": ("android", "iOS")},
    ),
    (
        "ca007",
        "CA007: Phishing-resistant MFA for IT Helpdesk",
        {
            "include_groups": ("ithelpdesk",),
            "built_in_controls": (),
            "authentication_strength": PHISHING_RESISTANT,
        },
    ),
    (
        "ca008",
        "CA008: Require MFA for all users (report-only)",
        {
            "state": "enabledForReportingButNotEnforced",
            "include_users": ("All",),
            "exclude_users": ("breakglass",),
        },
    ),
    (
        "ca009",
        "CA009: Require MFA for guests",
        {"state": "disabled", "include_users": ("GuestsOrExternalUsers",)},
    ),
    (
        "ca010",
        "CA010: Block legacy authentication",
        {
            "include_users": ("All",),
            "exclude_users": ("breakglass",),
            "client_app_types": ("exchangeActiveSync", "other"),
            "built_in_controls": ("block",),
        },
    ),
)


def contoso(now: datetime) -> Directory:
    builder = TenantBuilder("contoso", "contoso.com", "Contoso", now)
    for person in CONTOSO_PEOPLE:
        builder.add_person(person)
    for group in CONTOSO_GROUPS:
        builder.add_group(group)
    for person_key, role in CONTOSO_ROLES:
        builder.assign_role(person_key, role)
    for group_key, role in CONTOSO_GROUP_ROLES:
        builder.assign_role(group_key, role, kind="group")
    for person_key, role in CONTOSO_ELIGIBLE_ROLES:
        builder.make_eligible(person_key, role)
    for part_number, prepaid, renews_in_days, trial in CONTOSO_SKUS:
        builder.add_sku(part_number, prepaid, renews_in_days=renews_in_days, trial=trial)
    for key, name, conditions in CONTOSO_POLICIES:
        builder.add_policy(key, name, **conditions)
    # Contoso lets technicians issue Temporary Access Passes (Fabrikam keeps the policy off).
    builder.directory.tap_policy = TapPolicy(state="enabled")
    return builder.directory
