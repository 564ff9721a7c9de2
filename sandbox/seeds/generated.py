"""Generated tenants of any size for benchmarks: deterministic from a seed, realistic mixes."""

from __future__ import annotations

import random
from datetime import datetime

from sandbox.model import Directory

from .builder import GroupSpec, Person, TenantBuilder

__all__ = ["generated"]

_GIVEN = (
    "Aaliyah",
    "Ben",
    "Carmen",
    "Daniel",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jamal",
    "Kira",
    "Liam",
    "Maya",
    "Noah",
    "Olga",
    "Priya",
    "Quinn",
    "Rosa",
    "Samir",
    "Tara",
    "Umar",
    "Vera",
    "Wei",
    "Ximena",
    "Yusuf",
    "Zoe",
)
_SURNAMES = (
    "Anders",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "O'Neill",
    "Patel",
    "Quintero",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zhang",
)
_DEPARTMENTS = (
    ("Sales", "Account Executive"),
    ("Marketing", "Marketing Specialist"),
    ("Finance", "Accountant"),
    ("Engineering", "Software Engineer"),
    ("Operations", "Operations Analyst"),
    ("Human Resources", "HR Generalist"),
    ("Support", "Support Engineer"),
    ("Legal", "Counsel"),
)
_METHOD_MIXES = (
    ("microsoftAuthenticator",),
    ("microsoftAuthenticator", "phone"),
    ("phone",),
    ("fido2", "microsoftAuthenticator"),
    ("windowsHelloForBusiness", "microsoftAuthenticator"),
    (),
)


def generated(name: str, count: int, seed: int, now: datetime) -> Directory:
    """`count` users: ~90% licensed, ~75% MFA registered, ~4% blocked, ~3% guests, ~3% whose
    latest sign-in attempts failed since their last success; one SPE_E3 subscription and one
    Conditional Access policy requiring MFA of everyone but the admin."""
    rng = random.Random(f"{seed}:{name}")
    builder = TenantBuilder(name, f"{name}.com", name.capitalize(), now)
    builder.add_person(
        Person(
            "admin",
            "Tenant",
            "Admin",
            "IT Administrator",
            "IT",
            None,
            skus=("SPE_E3",),
            methods=("microsoftAuthenticator", "phone"),
        )
    )
    builder.assign_role("admin", "Global Administrator")
    keys = ["admin"]
    for index in range(max(count - 1, 0)):
        person = _person(rng, index)
        builder.add_person(person)
        keys.append(person.key)
    licensed = sum(1 for user in builder.directory.users.values() if user.sku_ids)
    builder.add_sku("SPE_E3", licensed + max(5, licensed // 20))
    builder.add_group(GroupSpec("allstaff", "All Staff", "m365", tuple(keys)))
    builder.add_policy(
        "mfa-all", "Require MFA for all users", include_users=("All",), exclude_users=("admin",)
    )
    return builder.directory


def _person(rng: random.Random, index: int) -> Person:
    given, surname = rng.choice(_GIVEN), rng.choice(_SURNAMES)
    department, job = rng.choice(_DEPARTMENTS)
    key = f"{given}.{surname}{index}".lower().replace("'", "")
    roll = rng.random()
    last = None if roll < 0.05 else round(rng.expovariate(1 / 12), 2)
    return Person(
        key=key,
        given=given,
        surname=surname,
        job=job,
        department=department,
        office=f"{rng.randint(1, 40)}/{rng.randint(1100, 3300)}",
        manager="admin" if index % 8 == 0 else None,
        skus=("SPE_E3",) if rng.random() < 0.9 else (),
        methods=rng.choice(_METHOD_MIXES) if rng.random() < 0.9 else (),
        last_sign_in_days=last,
        created_days=rng.uniform(30, 2000),
        enabled=rng.random() >= 0.04,
        guest_of="partner.example" if rng.random() < 0.03 else None,
        last_success_days=last + rng.uniform(60, 200) if last and rng.random() < 0.03 else None,
    )
