from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from bot.config import SlackSettings
from cards.reply import Reply
from commands import REGISTRY
from commands.kit.context import CommandContext
from commands.kit.registry import Registry, command
from core.errors import ConfigurationError, UserError
from manifest import render_slack_manifest, slack_manifest, validate_slack_manifest

URL = "https://bot.example.com"
EVENTS = "https://bot.example.com/slack/events"
DOCUMENTED_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "app_mentions:read",
    "users:read",
    "users:read.email",
    "im:write",
    "files:write",
    "channels:read",
    "groups:read",
    "channels:history",
    "groups:history",
    "im:history",
]


def build(settings: SlackSettings | None = None, **options: Any) -> dict[str, Any]:
    return slack_manifest(
        url=options.pop("url", URL),
        settings=settings or SlackSettings(),
        registry=options.pop("registry", REGISTRY),
        **options,
    )


def commands_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    commands: list[dict[str, Any]] = manifest["features"]["slash_commands"]
    return commands


@pytest.mark.parametrize(
    "settings",
    [
        SlackSettings(),
        SlackSettings(aliases=["user", "users", "licences", "tenants", "help"]),
        SlackSettings(command="/helpdesk", aliases=["user"]),
    ],
    ids=["entry-point-only", "aliases", "own-command"],
)
def test_manifests_pass_slacks_schema(settings: SlackSettings) -> None:
    assert validate_slack_manifest(build(settings)) == []
    assert validate_slack_manifest(build(settings, socket_mode=True)) == []


def test_the_manifest_points_slack_at_the_events_endpoint() -> None:
    manifest = build()

    assert manifest["_metadata"]["major_version"] == 1
    assert manifest["display_information"]["name"] == "Deskhand"
    assert manifest["features"]["bot_user"] == {"display_name": "Deskhand", "always_online": True}
    assert manifest["settings"] == {
        "event_subscriptions": {
            "request_url": EVENTS,
            "bot_events": ["app_mention", "user_change"],
        },
        "interactivity": {"request_url": EVENTS, "is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": False,
        "token_rotation_enabled": False,
    }
    (entry,) = commands_of(manifest)
    assert entry["command"] == "/deskhand"
    assert entry["url"] == EVENTS
    assert entry["usage_hint"] == "user adele | users --mfa unregistered | help"
    assert entry["should_escape"] is False


def test_the_bot_asks_for_exactly_the_documented_scopes() -> None:
    assert build()["oauth_config"] == {"scopes": {"bot": DOCUMENTED_SCOPES}}


def test_aliases_carry_the_commands_summary_and_usage() -> None:
    aliases = commands_of(build(SlackSettings(aliases=["user", "licences", "tenants"])))[1:]

    assert aliases == [
        {
            "command": "/user",
            "url": EVENTS,
            "description": REGISTRY.get("user").summary,  # type: ignore[union-attr]
            "usage_hint": "<query> [--tenant TENANT]",
            "should_escape": False,
        },
        {
            "command": "/licences",
            "url": EVENTS,
            "description": REGISTRY.get("licenses").summary,  # type: ignore[union-attr]
            "usage_hint": "[--tenant TENANT]",
            "should_escape": False,
        },
        {  # no arguments, so no hint: Slack refuses an empty one
            "command": "/tenants",
            "url": EVENTS,
            "description": "List the customer tenants you can work on.",
            "should_escape": False,
        },
    ]


def test_socket_mode_leaves_out_every_url() -> None:
    manifest = build(SlackSettings(aliases=["user"]), socket_mode=True, url=None)

    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["event_subscriptions"] == {
        "bot_events": ["app_mention", "user_change"]
    }
    assert manifest["settings"]["interactivity"] == {"is_enabled": True}
    assert all("url" not in entry for entry in commands_of(manifest))
    assert "http" not in json.dumps(manifest)


@pytest.mark.parametrize(
    "url",
    [
        None,
        "http://bot.example.com",
        "https://bot.example.com/deskhand",
        "https://bot.example.com/?x=1",
        "https://user:pass@bot.example.com",
        "bot.example.com",
    ],
)
def test_the_url_must_be_an_https_origin(url: str | None) -> None:
    with pytest.raises(UserError, match="HTTPS origin"):
        build(url=url)


def test_a_trailing_slash_on_the_url_is_fine() -> None:
    assert commands_of(build(url=URL + "/"))[0]["url"] == EVENTS


def test_a_command_without_its_slash_fails_the_schema() -> None:
    manifest = build()
    commands_of(manifest)[0]["command"] = "deskhand"

    assert validate_slack_manifest(manifest) == [
        "features.slash_commands[0].command: 'deskhand' does not match '^\\\\/'"
    ]


def test_schema_errors_name_each_place_once() -> None:
    manifest = build()
    manifest["display_information"]["name"] = "D" * 36
    manifest["settings"]["colour"] = "blue"
    del manifest["features"]["bot_user"]["display_name"]

    assert validate_slack_manifest(manifest) == [
        f"display_information.name: '{'D' * 36}' is too long",
        "features.bot_user: 'display_name' is a required property",
        "settings: Additional properties are not allowed ('colour' was unexpected)",
    ]


def test_the_rendered_manifest_is_the_manifest_as_json() -> None:
    settings = SlackSettings(aliases=["users"])

    text = render_slack_manifest(url=URL, settings=settings, registry=REGISTRY)

    assert json.loads(text) == build(settings)
    assert text.startswith('{\n  "_metadata"')


class NoArgs(BaseModel):
    pass


def registry_with_undocumented_command() -> Registry:
    registry = Registry()

    async def user(ctx: CommandContext, args: NoArgs) -> Reply:
        return Reply(title="no docstring, so no summary")

    command("user", args=NoArgs, registry=registry)(user)
    return registry


def test_a_summary_longer_than_slack_allows_is_cut_at_a_word() -> None:
    registry = Registry()

    async def user(ctx: CommandContext, args: NoArgs) -> Reply:
        return Reply(title="long-winded")

    user.__doc__ = "word " * 500
    command("user", args=NoArgs, registry=registry)(user)

    manifest = build(SlackSettings(aliases=["user"]), registry=registry)

    description = commands_of(manifest)[1]["description"]
    assert len(description) <= 2000
    assert description.endswith("word…")
    assert validate_slack_manifest(manifest) == []


def test_rendering_refuses_a_manifest_slack_would_reject() -> None:
    # A command without a docstring has no summary, and Slack needs a description.
    with pytest.raises(ConfigurationError) as caught:
        render_slack_manifest(
            url=URL,
            settings=SlackSettings(aliases=["user"]),
            registry=registry_with_undocumented_command(),
        )

    assert caught.value.message.splitlines() == [
        "The Slack manifest does not pass Slack's schema:",
        "- features.slash_commands[1].description: '' should be non-empty",
    ]


def test_an_alias_missing_from_the_registry_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"slack\.aliases names 'users'"):
        build(SlackSettings(aliases=["users"]), registry=registry_with_undocumented_command())
