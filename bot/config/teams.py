"""Teams settings: the bot's Entra app, whose people may use it, conversations → tenants.

`TeamsSettings` is mounted as `Settings.teams` (TOML `[teams]`, `DESKHAND_TEAMS__*`). The bot's
app id, its tenant and its password are also read under the names Bot Framework and Azure use
(`MICROSOFT_APP_ID`, `MICROSOFT_APP_TENANTID`, `MICROSOFT_APP_PASSWORD`); the `DESKHAND_TEAMS__`
names win. The password comes only from the environment: a TOML file naming it is refused before
anything is parsed. A certificate is the alternative credential: a PKCS#12 (.pfx) file without a
password, which the Agents SDK hands to msal as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import pkcs12
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from core.ids import entra_id

__all__ = [
    "ALLOW_ANONYMOUS",
    "TEAMS_ENVIRONMENT",
    "TeamsSettings",
    "conversation_key",
]

TEAMS_ENVIRONMENT = {
    "MICROSOFT_APP_ID": "app_id",
    "MICROSOFT_APP_TENANTID": "app_tenant_id",
    "MICROSOFT_APP_PASSWORD": "app_password",
}
"""Variables read under their customary names, outside the `DESKHAND_TEAMS__` scheme."""

ALLOW_ANONYMOUS = "DESKHAND_TEAMS_ALLOW_ANONYMOUS"
"""Must be "1" next to `teams.anonymous`, so one stray setting cannot open the endpoint."""

# Channels and group chats are "19:…@thread.…", one-to-one chats with the bot "a:…". A message
# in a channel thread carries ";messageid=…" after the channel's id.
_CONVERSATION = re.compile(r"^(?:19|a):[^\s;]+$")
_THREAD_SUFFIX = ";messageid="


class TeamsSettings(BaseModel):
    """How Deskhand appears in Microsoft Teams, and whom it answers there."""

    model_config = ConfigDict(frozen=True, extra="forbid", hide_input_in_errors=True)

    app_id: str | None = None
    app_tenant_id: str | None = None
    app_password: SecretStr | None = None
    certificate_file: Path | None = None
    home_tenants: list[str] = Field(default_factory=list)
    conversation_tenants: dict[str, str] = Field(default_factory=dict)
    private_conversations: list[str] = Field(default_factory=list)
    anonymous: bool = False

    @model_validator(mode="before")
    @classmethod
    def _home_is_the_apps_tenant(cls, data: Any) -> Any:
        """A single-tenant bot serves the MSP's own tenant unless told otherwise."""
        if isinstance(data, Mapping) and "home_tenants" not in data and data.get("app_tenant_id"):
            return {**data, "home_tenants": [data["app_tenant_id"]]}
        return data

    @field_validator("app_id", "app_tenant_id")
    @classmethod
    def _guid(cls, value: str | None) -> str | None:
        return None if value is None else entra_id(value)

    @field_validator("home_tenants")
    @classmethod
    def _guids(cls, value: list[str]) -> list[str]:
        return [entra_id(tenant) for tenant in value]

    @field_validator("certificate_file")
    @classmethod
    def _pfx_without_password(cls, value: Path | None) -> Path | None:
        if value is not None:
            _check_pfx(value)
        return value

    @field_validator("conversation_tenants")
    @classmethod
    def _mapped_conversations(cls, value: dict[str, str]) -> dict[str, str]:
        return {conversation_key(conversation): tenant for conversation, tenant in value.items()}

    @field_validator("private_conversations")
    @classmethod
    def _listed_conversations(cls, value: list[str]) -> list[str]:
        return [conversation_key(conversation) for conversation in value]

    @field_validator("anonymous")
    @classmethod
    def _only_in_tests(cls, value: bool) -> bool:
        if value and os.environ.get(ALLOW_ANONYMOUS) != "1":
            raise ValueError(
                "accepts requests without a Teams token, which is only for tests; it also needs "
                f"{ALLOW_ANONYMOUS}=1. To serve Teams, set MICROSOFT_APP_ID and "
                "MICROSOFT_APP_PASSWORD (or teams.certificate_file) instead"
            )
        return value

    @model_validator(mode="after")
    def _one_credential(self) -> TeamsSettings:
        if self.app_password is not None and self.certificate_file is not None:
            raise ValueError(
                "set one credential for the bot: MICROSOFT_APP_PASSWORD or "
                "teams.certificate_file, not both"
            )
        if (self.app_password or self.certificate_file) and self.app_id is None:
            raise ValueError("a bot credential is set without MICROSOFT_APP_ID, the app it is for")
        return self

    @property
    def enabled(self) -> bool:
        """Teams requests are served with the bot's app and a credential, or anonymously."""
        has_credential = self.app_password is not None or self.certificate_file is not None
        return self.anonymous or (self.app_id is not None and has_credential)

    def is_home_tenant(self, tenant_id: str) -> bool:
        """Whether people signed in to `tenant_id` may use Deskhand; none when none are set."""
        return tenant_id.strip().lower() in self.home_tenants


def conversation_key(conversation_id: str) -> str:
    """The id a conversation is configured under: a channel thread counts as its channel."""
    key = conversation_id.strip().split(_THREAD_SUFFIX, 1)[0]
    if not _CONVERSATION.match(key):
        raise ValueError(
            f"{conversation_id!r} is not a Teams conversation id; use ids like "
            "19:abc…@thread.tacv2 (a channel's link, after /channel/, URL-decoded)"
        )
    return key


def _check_pfx(path: Path) -> None:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path} ({exc.strerror or 'unreadable'})") from None
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(data, None)
    except (ValueError, TypeError):
        key = certificate = None
    if key is None or certificate is None:
        raise ValueError(
            f"{path} must be a PKCS#12 (.pfx) file holding the certificate and its private key, "
            "without a password"
        )
