"""What a generated tenant's data says a digest read must fetch: the benchmark's minimum
follows the tenant's policies, not a fixed guess. Pure: no sandbox is served."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bench.digest_shapes import REPORT_PAGE, shape_of
from sandbox import SandboxTenant
from sandbox.seeds.generated import generated

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def tenant() -> SandboxTenant:
    return SandboxTenant("northwind", "northwind.com", generated("northwind", 60, 1, NOW))


def members(tenant: SandboxTenant) -> int:
    users = tenant.directory.users.values()
    return sum(1 for u in users if u.account_enabled and u.user_type == "Member")


def test_only_the_admin_left_out_of_the_generated_policy_needs_per_user_mfa_state(
    tenant: SandboxTenant,
) -> None:
    shape = shape_of(tenant)
    assert (shape.users, shape.report_page) == (60, REPORT_PAGE)
    assert shape.mfa_state_users == 1
    assert shape.policy_reads == ()


def test_security_defaults_leave_nobody_to_read_per_user_mfa_state_for(
    tenant: SandboxTenant,
) -> None:
    tenant.directory.security_defaults = True
    assert shape_of(tenant).mfa_state_users == 0


def test_a_report_only_policy_enforces_nothing(tenant: SandboxTenant) -> None:
    policies = tenant.directory.ca_policies
    policies[:] = [replace(p, state="enabledForReportingButNotEnforced") for p in policies]
    assert shape_of(tenant).mfa_state_users == members(tenant)


def test_a_policy_naming_a_group_costs_a_read_of_its_members(tenant: SandboxTenant) -> None:
    staff = next(g.id for g in tenant.directory.groups.values() if g.display_name == "All Staff")
    policies = tenant.directory.ca_policies
    everyone = replace(policies[0], include_users=(), exclude_users=(), include_groups=(staff,))
    policies[:] = [everyone]
    shape = shape_of(tenant)
    assert shape.policy_reads == (1,)
    assert shape.mfa_state_users == 0


def test_shared_mailboxes_are_not_counted(tenant: SandboxTenant) -> None:
    tenant.directory.ca_policies.clear()
    some = next(u.id for u in tenant.directory.users.values() if u.account_enabled)
    tenant.exchange.shared.add(some)
    assert shape_of(tenant).mfa_state_users == members(tenant) - 1
