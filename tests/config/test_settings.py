from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from core.errors import ConfigurationError
from tests.config.conftest import write_toml

CONTOSO_ID = "4a7c8b0e-3f2d-4a51-9c6e-2b8d1f0e7a13"
CLIENT_ID = "9e1d2c3b-4a5f-4e6d-8c7b-0a1f2e3d4c5b"
CONTOSO_TOML = f"""
store_url = "postgresql://deskhand@db.internal/deskhand"
cloud = "usgov"

[tenants.contoso]
display_name = "Contoso Ltd"
tenant_id = "{CONTOSO_ID.upper()}"
domain = "Contoso.com"
client_id = "{CLIENT_ID}"
client_secret_env = "CONTOSO_SECRET"
"""


def test_no_configuration_means_the_sandbox_and_sqlite_under_var(tmp_path: Path) -> None:
    settings = load_settings()

    assert settings.uses_sandbox
    assert settings.home == tmp_path / "var"
    assert settings.store_url == f"sqlite:///{tmp_path / 'var' / 'deskhand.db'}"
    assert settings.graph_url == "https://graph.microsoft.com"
    assert settings.login_url == "https://login.microsoftonline.com"
    assert settings.ca_bundle is None


def test_sqlite_store_follows_deskhand_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DESKHAND_HOME", str(tmp_path / "data"))

    settings = load_settings()

    assert settings.store_url == f"sqlite:///{tmp_path / 'data' / 'deskhand.db'}"


def test_tenants_come_from_nested_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for field, value in {
        "TENANT_ID": CONTOSO_ID,
        "DOMAIN": "contoso.com",
        "CLIENT_ID": CLIENT_ID,
        "CLIENT_SECRET_FILE": "/run/secrets/contoso",
    }.items():
        monkeypatch.setenv(f"DESKHAND_TENANTS__CONTOSO__{field}", value)
    monkeypatch.setenv("DESKHAND_STORE_URL", "postgresql://deskhand@db/deskhand")

    settings = load_settings()

    assert not settings.uses_sandbox
    contoso = settings.tenants["contoso"]
    assert (contoso.name, contoso.tenant_id, contoso.label) == ("contoso", CONTOSO_ID, "contoso")
    assert contoso.client_secret_file == Path("/run/secrets/contoso")
    assert settings.store_url == "postgresql://deskhand@db/deskhand"


def test_toml_file_is_read_and_normalised(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", CONTOSO_TOML)

    settings = load_settings()

    contoso = settings.tenants["contoso"]
    assert contoso.tenant_id == CONTOSO_ID
    assert contoso.domain == "contoso.com"
    assert contoso.label == "Contoso Ltd"
    assert settings.store_url == "postgresql://deskhand@db.internal/deskhand"
    assert settings.graph_url == "https://graph.microsoft.us"
    assert settings.login_url == "https://login.microsoftonline.us"


def test_environment_and_overrides_win_over_the_toml_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = write_toml(tmp_path / "elsewhere.toml", CONTOSO_TOML)
    monkeypatch.setenv("DESKHAND_CONFIG", str(config))
    monkeypatch.setenv("DESKHAND_CLOUD", "china")
    monkeypatch.setenv("DESKHAND_TENANTS__CONTOSO__DOMAIN", "contoso.onmicrosoft.com")

    settings = load_settings(graph_host="http://127.0.0.1:8123/")

    assert settings.tenants["contoso"].domain == "contoso.onmicrosoft.com"
    assert settings.tenants["contoso"].client_secret_env == "CONTOSO_SECRET"
    assert settings.login_url == "https://login.chinacloudapi.cn"
    assert settings.graph_url == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        (
            f'[tenants.contoso]\ntenant_id = "{CONTOSO_ID}"\nclient_secret = "hunter2"\n',
            "tenants.contoso.client_secret",
        ),
        ('[store]\npassword = "hunter2"\n', "store.password"),
        ('store_url = "postgresql://deskhand:hunter2@db/deskhand"\n', "store_url"),
    ],
)
def test_a_secret_in_the_toml_file_is_refused(tmp_path: Path, toml: str, named: str) -> None:
    write_toml(tmp_path / "deskhand.toml", toml)

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert named in caught.value.message
    assert "environment" in caught.value.message
    assert "hunter2" not in caught.value.message


def test_a_secret_value_in_the_environment_is_refused_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESKHAND_TENANTS__CONTOSO__CLIENT_SECRET", "hunter2")

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert "tenant contoso: client_secret would put a secret" in caught.value.message
    assert "hunter2" not in caught.value.message


def test_each_invalid_setting_gets_its_own_line_naming_tenant_and_field(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        f"""
        cloud = "mars"
        [tenants.contoso]
        tenant_id = "not-a-guid"
        domain = "contoso.com"
        client_id = "{CLIENT_ID}"
        client_secret_env = "A"
        certificate_file = "contoso.pem"
        [tenants.fabrikam]
        tenant_id = "{CONTOSO_ID}"
        domain = "fabrikam.com"
        client_id = "{CLIENT_ID}"
        client_secret_env = "my secret value"
        colour = "blue"
        """,
    )

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    lines = caught.value.message.splitlines()[1:]
    assert lines[0].startswith("- cloud (DESKHAND_CLOUD): ")
    assert "- tenant contoso, tenant_id: must be a GUID" in lines[1]
    assert lines[2] == "- tenant fabrikam, client_secret_env: must be the NAME of an " + (
        "environment variable (like CONTOSO_SECRET), not the secret itself"
    )
    assert lines[3] == "- tenant fabrikam, colour: unknown setting; check its spelling"
    assert len(lines) == 4


def test_a_tenant_needs_exactly_one_credential_source(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        f"""
        [tenants.contoso]
        tenant_id = "{CONTOSO_ID}"
        domain = "contoso.com"
        client_id = "{CLIENT_ID}"
        client_secret_env = "A"
        certificate_file = "contoso.pem"
        """,
    )

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert caught.value.message.splitlines()[1] == (
        "- tenant contoso: set exactly one of client_secret_file, client_secret_env, "
        "certificate_file, certificate_env (found client_secret_env, certificate_file)"
    )


def test_tenant_names_are_short_slugs(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        f"""
        [tenants."Contoso Ltd"]
        tenant_id = "{CONTOSO_ID}"
        domain = "contoso.com"
        client_id = "{CLIENT_ID}"
        client_secret_env = "A"
        """,
    )

    with pytest.raises(ConfigurationError, match="tenant Contoso Ltd, name: must be a short"):
        load_settings()


def test_named_config_file_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DESKHAND_CONFIG", str(tmp_path / "missing.toml"))

    with pytest.raises(ConfigurationError, match=r"missing\.toml, which is not a file"):
        load_settings()


def test_malformed_toml_is_reported_with_its_position(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", "cloud = \n")

    with pytest.raises(ConfigurationError, match=r"deskhand.toml is not valid TOML: .*line 1"):
        load_settings()


@pytest.mark.parametrize("host", ["https://graph.microsoft.us/v1.0", "ftp://graph", "https://"])
def test_host_overrides_must_be_origins(host: str) -> None:
    with pytest.raises(ConfigurationError, match="graph_host"):
        load_settings(graph_host=host)


def test_unknown_store_backend_is_refused() -> None:
    with pytest.raises(ConfigurationError, match=r"store_url .*sqlite:/// or postgresql://"):
        load_settings(store_url="mysql://db/deskhand")
