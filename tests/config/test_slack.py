from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError

from bot.config import SlackSettings, load_settings
from bot.config.slack import MAX_SLASH_COMMANDS, SLACK_ENVIRONMENT, alias_problems
from cards.reply import Reply
from commands import REGISTRY
from commands.kit.context import CommandContext
from commands.kit.registry import Registry, command
from core.errors import ConfigurationError
from tests.config.conftest import write_toml
from tests.config.test_settings import CONTOSO_TOML

BOT_TOKEN = "xoxb-1111-2222-bottokenvalue"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
APP_TOKEN = "xapp-1-A111-2222-apptokenvalue"


@pytest.fixture(autouse=True)
def no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SLACK_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def test_without_slack_settings_slack_is_disabled_with_the_defaults() -> None:
    slack = load_settings().slack

    assert not slack.enabled
    assert slack.api_url == "https://slack.com/api/"
    assert slack.slash_commands == ("/deskhand",)
    assert (slack.aliases, slack.channel_tenants, slack.private_channels) == ([], {}, [])


def test_tokens_come_from_their_usual_variables_and_never_show(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)

    settings = load_settings()

    assert settings.slack.enabled
    assert settings.slack.bot_token is not None
    assert settings.slack.bot_token.get_secret_value() == BOT_TOKEN
    for shown in (repr(settings), str(settings), repr(settings.slack)):
        assert BOT_TOKEN not in shown
        assert SIGNING_SECRET not in shown


def test_deskhand_prefixed_variables_win_over_the_usual_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-usual")
    monkeypatch.setenv("DESKHAND_SLACK__BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("DESKHAND_SLACK__APP_TOKEN", APP_TOKEN)

    slack = load_settings().slack

    assert slack.bot_token is not None
    assert slack.bot_token.get_secret_value() == BOT_TOKEN
    assert slack.enabled  # Socket Mode: the app token stands in for the signing secret


def test_a_bot_token_alone_does_not_enable_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)

    assert not load_settings().slack.enabled


def test_the_slack_table_is_read_and_the_environment_overrides_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        CONTOSO_TOML
        + """
[slack]
api_url = "https://slack.example/api/"
command = "/desk"
aliases = ["user", "/Users"]
private_channels = ["G0PRIVATE1"]

[slack.channel_tenants]
C0CONTOSO1 = "contoso"
""",
    )
    monkeypatch.setenv("DESKHAND_SLACK_API_URL", "http://127.0.0.1:8080/api/")

    slack = load_settings().slack

    assert slack.api_url == "http://127.0.0.1:8080/api/"
    assert slack.slash_commands == ("/desk", "/user", "/users")
    assert slack.channel_tenants == {"C0CONTOSO1": "contoso"}
    assert slack.private_channels == ["G0PRIVATE1"]


def test_channel_ids_from_nested_variables_keep_their_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DESKHAND_SLACK__CHANNEL_TENANTS__C0CONTOSO1", "contoso")
    monkeypatch.setenv("DESKHAND_SLACK__ALIASES", '["user", "users"]')

    slack = load_settings().slack

    assert slack.channel_tenants == {"C0CONTOSO1": "contoso"}
    assert slack.aliases == ["user", "users"]


@pytest.mark.parametrize("key", ["bot_token", "signing_secret", "app_token", "token"])
def test_a_slack_secret_in_the_toml_file_is_refused(tmp_path: Path, key: str) -> None:
    write_toml(tmp_path / "deskhand.toml", f'[slack]\n{key} = "{BOT_TOKEN}"\n')

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert f"slack.{key}: {key} would put a secret in the configuration" in caught.value.message
    assert "environment" in caught.value.message
    assert BOT_TOKEN not in caught.value.message


def test_the_toml_refusal_names_the_variable_to_use(tmp_path: Path) -> None:
    write_toml(tmp_path / "deskhand.toml", f'[slack]\nsigning_secret = "{SIGNING_SECRET}"\n')

    with pytest.raises(ConfigurationError, match="set SLACK_SIGNING_SECRET in the environment"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SLACK_BOT_TOKEN", "xoxp-user-token-value", "starts with xoxb-"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token", "starts with xapp-"),
    ],
)
def test_a_token_of_the_wrong_kind_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    line = caught.value.message.splitlines()[1]
    assert line.startswith(f"- slack.{SLACK_ENVIRONMENT[variable]} ({variable} or DESKHAND_")
    assert expected in line
    assert value not in caught.value.message


def test_validation_errors_raised_directly_hide_the_token() -> None:
    with pytest.raises(ValidationError) as caught:
        SlackSettings(bot_token="xoxp-user-token-value")

    assert "xoxp-user-token-value" not in str(caught.value)


@pytest.mark.parametrize("url", ["https://slack.com/api", "slack.com/api/", "ftp://slack.com/"])
def test_the_api_url_must_be_http_and_end_with_a_slash(url: str) -> None:
    with pytest.raises(ConfigurationError, match=r"slack\.api_url .*ending with /"):
        load_settings(slack={"api_url": url})


@pytest.mark.parametrize("name", ["deskhand", "/Deskhand", "/desk hand", "/" + "d" * 32])
def test_the_entry_command_follows_slacks_naming_rules(name: str) -> None:
    with pytest.raises(ConfigurationError, match=r"slack\.command .*like /deskhand"):
        load_settings(slack={"command": name})


def test_unknown_aliases_are_refused_with_the_known_commands() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(slack={"aliases": ["user", "usr"]})

    assert caught.value.message.splitlines()[1:] == [
        "- slack.aliases (DESKHAND_SLACK__ALIASES): not commands: usr; "
        f"commands: {', '.join(spec.name for spec in REGISTRY)}"
    ]


def test_alias_problems_each_get_their_own_line() -> None:
    with pytest.raises(ConfigurationError) as caught:
        load_settings(slack={"command": "/user", "aliases": ["?", "user", "users", "users"]})

    lines = caught.value.message.splitlines()[1:]
    assert all(line.startswith("- slack.aliases (DESKHAND_SLACK__ALIASES): ") for line in lines)
    assert [line.split(": ", 1)[1] for line in lines] == [
        "/? breaks Slack's command-name rules: lowercase letters, digits, - and _, "
        "at most 31 after the slash",
        "/user is listed twice",
        "/users is listed twice",
    ]


class NoArgs(BaseModel):
    pass


def many_commands(count: int) -> Registry:
    registry = Registry()
    for number in range(count):

        async def handler(ctx: CommandContext, args: NoArgs) -> Reply:
            """A generated command."""
            return Reply(title="generated")

        command(f"c{number}", args=NoArgs, registry=registry)(handler)
    return registry


def test_more_than_fifty_slash_commands_are_refused() -> None:
    registry = many_commands(60)
    names = [f"c{number}" for number in range(60)]

    assert alias_problems("/deskhand", names[: MAX_SLASH_COMMANDS - 1], registry) == []
    assert alias_problems("/deskhand", names[:MAX_SLASH_COMMANDS], registry) == [
        "51 slash commands with /deskhand; Slack allows at most 50 per app, so drop 1"
    ]


def test_the_slash_command_count_is_checked_in_the_settings_too() -> None:
    with pytest.raises(ConfigurationError, match="Slack allows at most 50 per app, so drop 2"):
        load_settings(slack={"aliases": [f"c{number}" for number in range(51)]})


@pytest.mark.parametrize("channel", ["#general", "general", "U0PERSON1"])
def test_channels_are_named_by_id(channel: str) -> None:
    with pytest.raises(ConfigurationError, match="not a channel id; use ids like C0123456789"):
        load_settings(slack={"private_channels": [channel]})


def test_a_channel_mapped_to_an_unconfigured_tenant_is_refused(tmp_path: Path) -> None:
    write_toml(
        tmp_path / "deskhand.toml",
        CONTOSO_TOML
        + '\n[slack.channel_tenants]\nC0CONTOSO1 = "contoso"\nC0FABRIKAM = "fabrikam"\n',
    )

    with pytest.raises(ConfigurationError) as caught:
        load_settings()

    assert caught.value.message.splitlines()[1:] == [
        "- slack.channel_tenants: channel C0FABRIKAM maps to tenant 'fabrikam', which is not "
        "configured; tenants: contoso"
    ]


def test_on_the_sandbox_channel_tenants_are_not_checked() -> None:
    settings = load_settings(slack={"channel_tenants": {"C0FABRIKAM": "fabrikam"}})

    assert settings.uses_sandbox
    assert settings.slack.channel_tenants == {"C0FABRIKAM": "fabrikam"}
