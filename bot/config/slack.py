"""Slack settings: tokens from the environment only, the slash commands, channels → tenants.

`SlackSettings` is mounted as `Settings.slack` (TOML `[slack]`, `DESKHAND_SLACK__*`). The three
secrets come only from the environment, under Slack's usual names (`SLACK_BOT_TOKEN`,
`SLACK_SIGNING_SECRET`, `SLACK_APP_TOKEN`) or as `DESKHAND_SLACK__BOT_TOKEN` and so on, which
win; a TOML file naming them is refused before anything is parsed.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationInfo,
    field_validator,
)

from commands.kit.registry import REGISTRY, Registry

__all__ = [
    "MAX_SLASH_COMMANDS",
    "SLACK_ENVIRONMENT",
    "SlackSettings",
    "alias_problems",
]

MAX_SLASH_COMMANDS = 50
"""Slack's cap on slash commands per app, counting `/deskhand` itself."""

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_COMMAND = "/deskhand"

SLACK_ENVIRONMENT = {
    "SLACK_BOT_TOKEN": "bot_token",
    "SLACK_SIGNING_SECRET": "signing_secret",
    "SLACK_APP_TOKEN": "app_token",
    "DESKHAND_SLACK_API_URL": "api_url",
}
"""Variables read under their customary names, outside the `DESKHAND_SLACK__` scheme."""

# Slack wants command names lowercase, without spaces, at most 32 characters with the slash.
_SLASH_COMMAND = re.compile(r"^/[a-z0-9][a-z0-9_-]{0,30}$")
_SLASH_RULES = "lowercase letters, digits, - and _, at most 31 after the slash"
# Public (C), private (G) and direct (D) conversation ids; the digit tells them from names
# like "general" once the case is gone.
_CHANNEL_ID = re.compile(r"^[CGD](?=[A-Z]*[0-9])[A-Z0-9]{6,}$")
_TOKEN_PREFIXES = {
    "bot_token": ("xoxb-", "the Bot User OAuth Token (OAuth & Permissions page)"),
    "app_token": ("xapp-", "an app-level token with connections:write (Basic Information page)"),
}


class SlackSettings(BaseModel):
    """How Deskhand appears in one Slack workspace."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None
    api_url: str = DEFAULT_API_URL
    command: str = DEFAULT_COMMAND
    aliases: list[str] = Field(default_factory=list)
    channel_tenants: dict[str, str] = Field(default_factory=dict)
    private_channels: list[str] = Field(default_factory=list)
    per_person_in_flight: int = Field(4, ge=1)
    """Slash commands one person may have accepted and unfinished; past it, theirs are refused
    ("wait") while everyone else's are still taken."""

    @field_validator("bot_token", "app_token")
    @classmethod
    def _token_kind(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        prefix, what = _TOKEN_PREFIXES[str(info.field_name)]
        if value is not None and not value.get_secret_value().startswith(prefix):
            raise ValueError(f"must be {what}, which starts with {prefix}")
        return value

    @field_validator("api_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname or not value.endswith("/"):
            raise ValueError("must be an http(s) URL ending with / like https://slack.com/api/")
        return value

    @field_validator("command")
    @classmethod
    def _slash_command(cls, value: str) -> str:
        if not _SLASH_COMMAND.match(value):
            raise ValueError(f"must be / followed by {_SLASH_RULES}, like /deskhand")
        return value

    @field_validator("aliases", mode="before")
    @classmethod
    def _without_slash(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [name.lstrip("/").lower() if isinstance(name, str) else name for name in value]
        return value

    @field_validator("aliases")
    @classmethod
    def _aliases_fit(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # `command` is validated first; when it failed, count against the default.
        command = info.data.get("command", DEFAULT_COMMAND)
        problems = alias_problems(command, value, REGISTRY)
        if problems:
            raise ValueError("\n".join(problems))
        return value

    @field_validator("channel_tenants")
    @classmethod
    def _mapped_channels(cls, value: dict[str, str]) -> dict[str, str]:
        return {_channel_id(channel): tenant for channel, tenant in value.items()}

    @field_validator("private_channels")
    @classmethod
    def _listed_channels(cls, value: list[str]) -> list[str]:
        return [_channel_id(channel) for channel in value]

    @property
    def enabled(self) -> bool:
        """Events over HTTP need the signing secret; Socket Mode needs the app token instead."""
        return self.bot_token is not None and (
            self.signing_secret is not None or self.app_token is not None
        )

    @property
    def slash_commands(self) -> tuple[str, ...]:
        """Every slash command Slack should send: the entry point, then the aliases."""
        return (self.command, *(f"/{alias}" for alias in self.aliases))


def _channel_id(value: str) -> str:
    # Environment variable names lose their case on the way in, ids are upper case.
    channel = value.strip().upper()
    if not _CHANNEL_ID.match(channel):
        raise ValueError(
            f"{value!r} is not a channel id; use ids like C0123456789 "
            "(channel details, at the bottom), not names"
        )
    return channel


def alias_problems(command: str, aliases: list[str], registry: Registry) -> list[str]:
    """What is wrong with `aliases` as extra slash commands next to `command`; one per line."""
    unknown = [name for name in aliases if registry.get(name) is None]
    problems = (
        [f"not commands: {', '.join(unknown)}; commands: {', '.join(s.name for s in registry)}"]
        if unknown
        else []
    )
    problems += [
        f"/{name} breaks Slack's command-name rules: {_SLASH_RULES}"
        for name in aliases
        if name not in unknown and not _SLASH_COMMAND.match(f"/{name}")
    ]
    slashes = [command, *(f"/{name}" for name in aliases)]
    problems += sorted({f"{name} is listed twice" for name in slashes if slashes.count(name) > 1})
    if len(slashes) > MAX_SLASH_COMMANDS:
        problems.append(
            f"{len(slashes)} slash commands with {command}; Slack allows at most "
            f"{MAX_SLASH_COMMANDS} per app, so drop {len(slashes) - MAX_SLASH_COMMANDS}"
        )
    return problems
