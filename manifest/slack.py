"""The Slack app manifest that `deskhand manifest slack` prints, checked against Slack's schema.

The manifest asks for the slash commands the settings enable and the fewest bot scopes the Slack
adapter uses. It is validated with the official schema (slackapi/manifest-schema, shipped in
`manifest/schemas/slack/`) before it is printed, so Slack's "Create app from manifest" accepts it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any, Protocol

import referencing
from jsonschema import Draft7Validator  # type: ignore[import-untyped]
from referencing.jsonschema import DRAFT7

from commands.kit.arguments import usage
from commands.kit.registry import CommandSpec, Registry
from core.errors import ConfigurationError, UserError
from manifest.schema import fit, https_origin, schema_problems

__all__ = [
    "BOT_SCOPES",
    "render_slack_manifest",
    "slack_manifest",
    "validate_slack_manifest",
]


class SlashCommands(Protocol):
    """What the manifest needs of the Slack settings: the entry command and its aliases."""

    @property
    def command(self) -> str: ...

    @property
    def aliases(self) -> Sequence[str]: ...


NAME = "Deskhand"
DESCRIPTION = "Microsoft 365 user lookups and actions for your customers' tenants, from Slack."
ENTRY_HINT = "user adele | users --mfa unregistered | help"
EVENTS_PATH = "/slack/events"

BOT_SCOPES = (
    "commands",  # receive /deskhand and the configured aliases
    "chat:write",  # post, update and ephemeral replies: results, confirmations, approvals
    "chat:write.public",  # post digests to public channels the bot was not invited to
    "app_mentions:read",  # @Deskhand mentions, the way to run commands in threads
    "users:read",  # users.info: the requester's name and guest/external flags; user_change events
    "users:read.email",  # users.info's e-mail (grants, audit log); users.lookupByEmail (approvers)
    "im:write",  # conversations.open: secrets and files go to the requester's DM
    "files:write",  # files.uploadV2: CSV and XLSX exports, charts
    "channels:read",  # conversations.info on public channels: shared with another org?
    "groups:read",  # conversations.info on private channels: the same question
    "channels:history",  # conversations.history: did a digest (its metadata mark) go out?
    "groups:history",  # the same in private channels
    "im:history",  # the same in a person's DM with Deskhand
)
"""The minimum the Slack adapter calls for; each line says which call needs it."""

# Slack's own limits on a slash command's texts (manifest schema 1.0.0).
_MAX_DESCRIPTION = 2000
_MAX_USAGE_HINT = 1000

_SCHEMAS = "schemas/slack"
_ROOT_SCHEMA = "manifest.schema.json"
_REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
_VERSIONED_SCHEMAS = ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")


def slack_manifest(
    *,
    url: str | None,
    settings: SlashCommands,
    registry: Registry,
    socket_mode: bool = False,
) -> dict[str, Any]:
    """A manifest (v1) for an app served at `url`; with Socket Mode no URL is needed."""
    endpoint = None if socket_mode else _origin(url) + EVENTS_PATH
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {"name": NAME, "description": DESCRIPTION},
        "features": {
            "bot_user": {"display_name": NAME, "always_online": True},
            "slash_commands": _slash_commands(settings, registry, endpoint),
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": _at(endpoint, bot_events=["app_mention", "user_change"]),
            "interactivity": _at(endpoint, is_enabled=True),
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def render_slack_manifest(
    *,
    url: str | None,
    settings: SlashCommands,
    registry: Registry,
    socket_mode: bool = False,
) -> str:
    """The manifest as JSON, once it passes Slack's schema."""
    manifest = slack_manifest(
        url=url, settings=settings, registry=registry, socket_mode=socket_mode
    )
    problems = validate_slack_manifest(manifest)
    if problems:
        lines = "\n".join(f"- {problem}" for problem in problems)
        raise ConfigurationError(f"The Slack manifest does not pass Slack's schema:\n{lines}")
    return json.dumps(manifest, indent=2, ensure_ascii=False)


def validate_slack_manifest(manifest: Mapping[str, Any]) -> list[str]:
    """Readable schema errors (`where: what`), none when Slack would accept the manifest."""
    return sorted(schema_problems(_validator(), manifest))


def _origin(url: str | None) -> str:
    origin = https_origin(url)
    if origin is None:
        raise UserError(
            "The URL must be the HTTPS origin Slack reaches Deskhand at, like "
            "https://bot.example.com (no path or query); or use Socket Mode."
        )
    return origin


def _slash_commands(
    settings: SlashCommands, registry: Registry, endpoint: str | None
) -> list[dict[str, Any]]:
    names = ", ".join(spec.name for spec in registry)
    entry = _slash_command(
        settings.command, f"Deskhand: {names}. Try {settings.command} help.", ENTRY_HINT, endpoint
    )
    return [entry, *(_alias(name, registry, endpoint) for name in settings.aliases)]


def _alias(name: str, registry: Registry, endpoint: str | None) -> dict[str, Any]:
    spec = registry.get(name)
    if spec is None:
        raise ConfigurationError(
            f"slack.aliases names {name!r}, which is not a command; remove it or fix its spelling."
        )
    return _slash_command(f"/{name}", spec.summary, _usage_hint(spec), endpoint)


def _slash_command(
    command: str, description: str, hint: str, endpoint: str | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"command": command}
    if endpoint:
        entry["url"] = endpoint
    entry["description"] = fit(description, _MAX_DESCRIPTION)
    if hint:
        entry["usage_hint"] = fit(hint, _MAX_USAGE_HINT)
    entry["should_escape"] = False
    return entry


def _usage_hint(spec: CommandSpec) -> str:
    """The usage line's arguments: what Slack shows after the command as the user types."""
    return usage(spec).removeprefix(f"Usage: /{spec.name}").strip()


def _at(endpoint: str | None, **fields: Any) -> dict[str, Any]:
    return {"request_url": endpoint, **fields} if endpoint else fields


@cache
def _validator() -> Draft7Validator:
    # The root schema points at the versioned ones by URL; serve those from the package.
    schemas = referencing.Registry().with_resources(
        (_REMOTE + name, DRAFT7.create_resource(_schema(name))) for name in _VERSIONED_SCHEMAS
    )
    return Draft7Validator(_schema(_ROOT_SCHEMA), registry=schemas)


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("manifest").joinpath(_SCHEMAS, name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
