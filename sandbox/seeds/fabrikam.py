"""The Fabrikam demo tenant: six users, no Entra ID P1 and security defaults on, so sign-in
activity, the registration-details report and Conditional Access answer as Microsoft does
without the licence."""

from __future__ import annotations

from datetime import datetime

from sandbox.model import Directory

from .builder import GroupSpec, Person, TenantBuilder
from .contoso import STRONG

__all__ = ["fabrikam"]

FABRIKAM_PEOPLE = (
    Person(
        "admin",
        "Fabrikam",
        "Admin",
        "IT Administrator",
        "IT",
        None,
        display_name="Fabrikam Admin",
        skus=("O365_BUSINESS_PREMIUM",),
        methods=STRONG,
    ),
    Person(
        "katie.jordan",
        "Katie",
        "Jordan",
        "Owner",
        "Management",
        None,
        skus=("O365_BUSINESS_PREMIUM",),
        city="Seattle",
    ),
    Person(
        "ben.walters",
        "Ben",
        "Walters",
        "Office Manager",
        "Operations",
        None,
        manager="katie.jordan",
        skus=("O365_BUSINESS_PREMIUM",),
        methods=(),
        city="Seattle",
    ),
    Person(
        "ana.bowman",
        "Ana",
        "Bowman",
        "Bookkeeper",
        "Finance",
        None,
        manager="katie.jordan",
        skus=("EXCHANGESTANDARD",),
        city="Seattle",
        last_sign_in_days=75.0,
    ),
    Person(
        "carlos.slattery",
        "Carlos",
        "Slattery",
        "Technician",
        "Operations",
        None,
        manager="ben.walters",
        skus=("O365_BUSINESS_PREMIUM",),
        methods=("phone",),
        city="Seattle",
    ),
    Person(
        "info",
        "Info",
        "Mailbox",
        None,
        None,
        None,
        display_name="Fabrikam Info",
        enabled=False,
        methods=(),
        last_sign_in_days=None,
    ),
)


def fabrikam(now: datetime) -> Directory:
    builder = TenantBuilder("fabrikam", "fabrikam.com", "Fabrikam", now)
    for person in FABRIKAM_PEOPLE:
        builder.add_person(person)
    builder.add_group(
        GroupSpec(
            "everyone",
            "Everyone",
            "m365",
            ("admin", "katie.jordan", "ben.walters", "ana.bowman", "carlos.slattery"),
        )
    )
    builder.assign_role("admin", "Global Administrator")
    builder.add_sku("O365_BUSINESS_PREMIUM", 5)
    builder.add_sku("EXCHANGESTANDARD", 2)
    # Without Entra ID P1 Fabrikam relies on security defaults (no Conditional Access).
    builder.directory.security_defaults = True
    return builder.directory
