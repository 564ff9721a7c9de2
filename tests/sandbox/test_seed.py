"""The seeded tenants: the fixed users technicians meet, determinism, generated mixes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sandbox.model import Directory, User
from sandbox.seeds.contoso import contoso
from sandbox.seeds.fabrikam import fabrikam
from sandbox.seeds.generated import generated

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
MFA_KINDS = {"microsoftAuthenticator", "phone", "fido2", "softwareOath", "windowsHelloForBusiness"}


def _user(directory: Directory, upn: str) -> User:
    user = directory.find_user(upn)
    assert user is not None, upn
    return user


def _mfa(user: User) -> bool:
    return any(method.kind in MFA_KINDS for method in user.methods)


def test_contoso_holds_the_fixed_users_a_technician_meets() -> None:
    directory = contoso(NOW)
    adele = _user(directory, "adele.vance@contoso.com")
    megan = _user(directory, "megan.bowen@contoso.com")
    diego = _user(directory, "diego.siciliani@contoso.com")
    reception = _user(directory, "reception@contoso.com")
    guest = _user(directory, "jordan.miller_northwind.com#EXT#@contoso.onmicrosoft.com")

    assert len(directory.users) == 25
    assert adele.sku_ids and _mfa(adele) and adele.account_enabled
    assert not _mfa(_user(directory, "lynne.robbins@contoso.com"))
    assert megan.last_sign_in == NOW - timedelta(days=120)
    assert not _user(directory, "alex.wilber@contoso.com").account_enabled
    assert diego.last_sign_in is None and diego.created == NOW - timedelta(days=60)
    assert (reception.account_enabled, reception.sku_ids) == (False, ())
    assert guest.user_type == "Guest"
    assert _user(directory, "lee.gu@contoso.com").on_premises_sync
    assert _user(directory, "sean.o'brien@contoso.com").surname == "O'Brien"
    assert {u.per_user_mfa for u in directory.users.values()} == {"disabled", "enabled", "enforced"}


def test_contoso_global_administrators_are_admin_and_breakglass() -> None:
    directory = contoso(NOW)
    global_admin = "62e90394-69f5-4237-9190-012177145e10"

    holders = {
        directory.users[a.principal_id].user_principal_name
        for a in directory.role_assignments
        if a.role_template_id == global_admin
    }

    assert holders == {"admin@contoso.com", "breakglass@contoso.com"}
    assert directory.has_premium


def test_ids_are_stable_and_dates_follow_the_start_time() -> None:
    earlier, later = contoso(NOW), contoso(NOW + timedelta(days=30))

    assert list(earlier.users) == list(later.users)
    megan_before = _user(earlier, "megan.bowen@contoso.com").last_sign_in
    megan_after = _user(later, "megan.bowen@contoso.com").last_sign_in
    assert megan_before is not None and megan_after is not None
    assert megan_after - megan_before == timedelta(days=30)


def test_fabrikam_is_small_and_without_p1() -> None:
    directory = fabrikam(NOW)

    assert len(directory.users) == 6
    assert not directory.has_premium


def test_generated_tenants_are_deterministic_per_seed_and_sized_as_asked() -> None:
    first = generated("bigcorp", 400, seed=7, now=NOW)
    again = generated("bigcorp", 400, seed=7, now=NOW)
    other = generated("bigcorp", 400, seed=8, now=NOW)

    assert len(first.users) == 400
    names = [u.display_name for u in first.users.values()]
    assert names == [u.display_name for u in again.users.values()]
    assert names != [u.display_name for u in other.users.values()]


def test_generated_tenants_have_a_realistic_mix() -> None:
    users = list(generated("mix", 2000, seed=1, now=NOW).users.values())

    def share(predicate: list[bool]) -> float:
        return sum(predicate) / len(users)

    assert 0.85 < share([bool(u.sku_ids) for u in users]) < 0.95
    assert 0.6 < share([_mfa(u) for u in users]) < 0.85
    assert 0.01 < share([not u.account_enabled for u in users]) < 0.08
    assert 0.005 < share([u.user_type == "Guest" for u in users]) < 0.06
    assert len({u.user_principal_name.casefold() for u in users}) == len(users)
