from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.config import TeamsSettings, load_settings
from bot.config.teams import ALLOW_ANONYMOUS, TEAMS_ENVIRONMENT, conversation_key
from core.errors import ConfigurationError
from tests.certificates import self_signed_pkcs12
from tests.config.conftest import write_toml
from tests.config.test_settings import CONTOSO_TOML

APP_ID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
MSP_TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
OTHER_TENANT = "f0e1d2c3-b4a5-4968-8776-a5b4c3d2e1f0"
PASSWORD = "Zq8~bot-password-value-that-must-not-leak"
CHANNEL = "19:a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6@thread.tacv2"
GROUP_CHAT = "19:meeting_NjE3ZDk2@thread.v2"


@pytest.fixture(autouse=True)
def no_teams_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*TEAMS_ENVIRONMENT, ALLOW_ANONYMOUS):
        monkeypatch.delenv(name, raising=False)


def pfx_file(path: Path, password: bytes | None = None) -> Path:
    path.write_bytes(self_signed_pkcs12(password))
    return path


def test_without_teams_settings_teams_is_disabled_and_admits_nobody() -> None:
    teams = load_settings().teams

    assert not teams.enabled
    assert (teams.app_id, teams.app_tenant_id, teams.app_password) == (None, None, None)
    assert (teams.home_tenants, teams.conversation_tenants, teams.private_conversations) == (
        [],
        {},
        [],
    )
    assert not teams.is_home_tenant(MSP_TENANT)


def test_the_bot_framework_variables_enable_teams_and_the_password_never_shows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID.upper())
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", PASSWORD)
    monkeypatch.setenv("MICROSOFT_APP_TENANTID", MSP_TENANT)

    settings = load_settings()

    teams = settings.teams
    assert teams.enabled
    assert teams.app_id == APP_ID
    assert teams.app_password is not None
    assert teams.app_password.get_secret_value() == PASSWORD
    for shown in (repr(settings), str(settings), repr(teams)):
        assert PASSWORD not in shown


def test_the_apps_tenant_is_the_home_tenant_unless_others_are_listed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_TENANTID", MSP_TENANT.upper())

    teams = load_settings().teams
    listed = load_settings(teams={"home_tenants": [OTHER_TENANT]}).teams

    assert teams.home_tenants == [MSP_TENANT]
    assert teams.is_home_tenant(f" {MSP_TENANT.upper()} ")
    assert not teams.is_home_tenant(OTHER_TENANT)
    assert listed.home_tenants == [OTHER_TENANT]
    assert not listed.is_home_tenant(MSP_TENANT)


def test_deskhand_prefixed_variables_win_over_the_bot_framework_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", OTHER_TENANT)
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", "usual-password")
    monkeypatch.setenv("DESKHAND_TEAMS__APP_ID", APP_ID)
    monkeypatch.setenv("DESKHAND_TEAMS__APP_PASSWORD", PASSWORD)

    teams = load_settings().teams

    assert teams.app_id == APP_ID
    assert teams.app_password is not None
    assert teams.app_password.get_secret_value() == PASSWORD


def test_the_teams_table_is_read_and_thread_ids_count_as_their_channel(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        CONTOSO_TOML
        + f"""
[teams]
app_id = "{APP_ID}"
app_tenant_id = "{MSP_TENANT}"
home_tenants = ["{MSP_TENANT}", "{OTHER_TENANT}"]
private_conversations = ["{GROUP_CHAT}"]

[teams.conversation_tenants]
"{CHANNEL};messageid=1712345678901" = "contoso"
""",
    )

    teams = load_settings().teams

    assert teams.app_tenant_id == MSP_TENANT
    assert teams.home_tenants == [MSP_TENANT, OTHER_TENANT]
    assert teams.conversation_tenants == {CHANNEL: "contoso"}
    assert teams.private_conversations == [GROUP_CHAT]
    assert not teams.enabled  # an app id without a credential


@pytest.mark.parametrize("key", ["app_password", "password"])
def test_the_bot_password_in_the_toml_file_is_refused(tmp_path: Path, key: str) -> None:
    write_toml(tmp_path / "deskhand.toml", f'[teams]\n{key} = "{PASSWORD}"\n')

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert f"teams.{key}: {key} would put a secret in the configuration" in caught.value.message
    assert PASSWORD not in caught.value.message


def test_the_toml_refusal_names_the_variable_to_use(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", f'[teams]\napp_password = "{PASSWORD}"\n')

    with pytest.raises(ConfigurationError, match="set MICROSOFT_APP_PASSWORD in the environment"):
        load_settings()


def test_an_app_id_that_is_no_guid_names_both_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", "deskhand-bot")

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert caught.value.message.splitlines()[1:] == [
        "- teams.app_id (MICROSOFT_APP_ID or DESKHAND_TEAMS__APP_ID): must be a GUID like "
        "00000000-0000-0000-0000-000000000000 (Entra admin center, Overview page)"
    ]


def test_a_password_without_an_app_id_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", PASSWORD)

    with pytest.raises(ConfigurationError, match="without MICROSOFT_APP_ID") as caught:
        load_settings()

    assert PASSWORD not in caught.value.message


def test_validation_errors_raised_directly_hide_the_password() -> None:
    with pytest.raises(ValidationError) as caught:
        TeamsSettings(app_id="not-a-guid", app_password=PASSWORD)

    assert PASSWORD not in str(caught.value)


def test_anonymous_requests_need_the_extra_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(teams={"anonymous": True})

    assert caught.value.message.splitlines()[1].startswith(
        "- teams.anonymous (DESKHAND_TEAMS__ANONYMOUS): accepts requests without a Teams token"
    )
    assert f"{ALLOW_ANONYMOUS}=1" in caught.value.message

    monkeypatch.setenv(ALLOW_ANONYMOUS, "1")
    assert load_settings(teams={"anonymous": True}).teams.enabled


def test_a_certificate_without_a_password_is_a_credential(tmp_path: Path) -> None:
    certificate = pfx_file(tmp_path / "bot.pfx")

    teams = load_settings(teams={"app_id": APP_ID, "certificate_file": str(certificate)}).teams

    assert teams.enabled
    assert teams.certificate_file == certificate


@pytest.mark.parametrize("kind", ["protected", "not-pkcs12", "missing"])
def test_a_certificate_file_the_sdk_cannot_use_is_refused(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "bot.pfx"
    if kind == "protected":
        pfx_file(path, password=b"pfx-password")
    elif kind == "not-pkcs12":
        path.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")

    with pytest.raises(ConfigurationError) as caught:
        load_settings(teams={"app_id": APP_ID, "certificate_file": str(path)})

    expected = "cannot read" if kind == "missing" else "without a password"
    assert caught.value.message.splitlines()[1].startswith(
        "- teams.certificate_file (DESKHAND_TEAMS__CERTIFICATE_FILE): "
    )
    assert expected in caught.value.message


def test_a_password_and_a_certificate_together_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_PASSWORD", PASSWORD)
    certificate = pfx_file(tmp_path / "bot.pfx")

    with pytest.raises(ConfigurationError, match="not both"):
        load_settings(teams={"app_id": APP_ID, "certificate_file": str(certificate)})


@pytest.mark.parametrize("conversation", ["General", "19:has space@thread.tacv2", "29:abc"])
def test_conversations_are_named_by_id(conversation: str) -> None:
    with pytest.raises(ConfigurationError, match="is not a Teams conversation id"):
        load_settings(teams={"private_conversations": [conversation]})


def test_conversation_keys_keep_the_case_of_personal_chat_ids() -> None:
    assert conversation_key(" a:1Xy_Z-Q ") == "a:1Xy_Z-Q"


def test_a_conversation_mapped_to_an_unconfigured_tenant_is_refused(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        CONTOSO_TOML
        + f'\n[teams.conversation_tenants]\n"{CHANNEL}" = "contoso"\n"{GROUP_CHAT}" = "fabrikam"\n',
    )

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert caught.value.message.splitlines()[1:] == [
        f"- teams.conversation_tenants: conversation {GROUP_CHAT} maps to tenant 'fabrikam', "
        "which is not configured; tenants: contoso"
    ]


def test_on_the_sandbox_conversation_tenants_are_not_checked() -> None:
    settings = load_settings(teams={"conversation_tenants": {CHANNEL: "fabrikam"}})

    assert settings.uses_sandbox
    assert settings.teams.conversation_tenants == {CHANNEL: "fabrikam"}
