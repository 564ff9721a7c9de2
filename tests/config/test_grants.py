from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import GrantSettings, load_settings
from commands.kit.registry import Role
from core.errors import ConfigurationError
from tests.config.conftest import write_toml
from tests.config.test_settings import CONTOSO_TOML


def test_grants_are_read_from_the_toml_file_and_normalised(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        CONTOSO_TOML
        + """
[[grants]]
who = "Tess.Tech@MSP.example"
tenant = "contoso"
roles = ["technician", "approver", "technician"]

[[grants]]
who = "console:Operator"
tenant = "*"
roles = ["admin"]
""",
    )

    grants = load_settings().grants

    assert grants == [
        GrantSettings(
            who="tess.tech@msp.example",
            tenant="contoso",
            roles=frozenset({Role.TECHNICIAN, Role.APPROVER}),
        ),
        GrantSettings(who="console:Operator", tenant="*", roles=frozenset({Role.ADMIN})),
    ]


def test_grants_come_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "DESKHAND_GRANTS", '[{"who": "rita@msp.example", "tenant": "*", "roles": ["readonly"]}]'
    )

    (grant,) = load_settings().grants

    assert (grant.who, grant.tenant, grant.roles) == (
        "rita@msp.example",
        "*",
        frozenset({Role.READONLY}),
    )


def test_each_bad_grant_gets_its_own_line_naming_the_grant(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        """
[[grants]]
who = "tess"
tenant = "*"
roles = []

[[grants]]
who = "rita@msp.example"
tenant = "*"
roles = ["superuser"]
colour = "blue"
""",
    )

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert caught.value.message.splitlines()[1:] == [
        "- grant 1, who: must be an e-mail address like tess@msp.example, or console:<user>",
        "- grant 1, roles: needs at least one of readonly, technician, approver, admin",
        "- grant 2, roles, 0: Input should be 'readonly', 'technician', 'approver' or 'admin'",
        "- grant 2, colour: unknown setting; check its spelling",
    ]


def test_a_grant_needs_who_tenant_and_roles() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(grants=[{}])

    assert caught.value.message.splitlines()[1:] == [
        "- grant 1, who: is required",
        "- grant 1, tenant: is required",
        "- grant 1, roles: is required",
    ]


def test_grants_must_name_configured_tenants(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        CONTOSO_TOML
        + """
[[grants]]
who = "tess@msp.example"
tenant = "contoso"
roles = ["technician"]

[[grants]]
who = "tess@msp.example"
tenant = "fabrikam"
roles = ["technician"]
""",
    )

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert caught.value.message.splitlines()[1:] == [
        "- grant 2, tenant: 'fabrikam' is not configured; use one of contoso or \"*\""
    ]


def test_on_the_sandbox_grant_tenants_are_not_checked() -> None:
    settings = load_settings(
        grants=[{"who": "tess@msp.example", "tenant": "fabrikam", "roles": ["technician"]}]
    )

    assert settings.uses_sandbox
    assert settings.grants[0].tenant == "fabrikam"
