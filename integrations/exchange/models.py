"""The cmdlet output Deskhand reads, typed. Exchange names properties in PascalCase, as the
PowerShell objects do; anything not listed here is ignored, and a missing field is None."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["InboxRule", "InvokeResult", "Mailbox", "smtp_address"]


def smtp_address(value: str | None) -> str | None:
    """`smtp:someone@example.com` (how ForwardingSmtpAddress reads back) → the bare address."""
    if not value:
        return None
    text = value.strip()
    return text[5:] if text.lower().startswith("smtp:") else text


class _CmdletObject(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Mailbox(_CmdletObject):
    """Get-Mailbox: who the mailbox is and where its mail is forwarded."""

    identity: str = Field("", alias="Identity")
    display_name: str = Field("", alias="DisplayName")
    user_principal_name: str = Field("", alias="UserPrincipalName")
    primary_smtp_address: str = Field("", alias="PrimarySmtpAddress")
    external_directory_object_id: str = Field("", alias="ExternalDirectoryObjectId")
    recipient_type_details: str = Field("", alias="RecipientTypeDetails")
    forwarding_smtp_address: str | None = Field(None, alias="ForwardingSmtpAddress")
    """Forwarding to any address, often outside the organisation: `smtp:x@example.com`."""
    forwarding_address: str | None = Field(None, alias="ForwardingAddress")
    """Forwarding to a recipient of the organisation (its identity)."""
    deliver_to_mailbox_and_forward: bool = Field(False, alias="DeliverToMailboxAndForward")

    @field_validator(
        "identity",
        "display_name",
        "user_principal_name",
        "primary_smtp_address",
        "external_directory_object_id",
        "recipient_type_details",
        mode="before",
    )
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)

    @field_validator("forwarding_smtp_address", "forwarding_address", mode="before")
    @classmethod
    def _optional(cls, value: Any) -> str | None:
        return str(value) if value else None

    @field_validator("deliver_to_mailbox_and_forward", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        return value is True or str(value).lower() == "true"

    @property
    def forwards(self) -> bool:
        return bool(self.forwarding_smtp_address or self.forwarding_address)

    @property
    def forwarding_targets(self) -> tuple[str, ...]:
        """Where mail goes, as a technician reads it (addresses without the `smtp:` prefix)."""
        targets = (smtp_address(self.forwarding_smtp_address), self.forwarding_address)
        return tuple(t for t in targets if t)


class InboxRule(_CmdletObject):
    """Get-InboxRule: a rule of the mailbox, with the actions that send mail elsewhere."""

    name: str = Field("", alias="Name")
    identity: str = Field("", alias="Identity")
    rule_identity: str = Field("", alias="RuleIdentity")
    enabled: bool = Field(False, alias="Enabled")
    priority: int | None = Field(None, alias="Priority")
    forward_to: tuple[str, ...] = Field((), alias="ForwardTo")
    redirect_to: tuple[str, ...] = Field((), alias="RedirectTo")
    forward_as_attachment_to: tuple[str, ...] = Field((), alias="ForwardAsAttachmentTo")

    @field_validator("name", "identity", "rule_identity", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value)

    @field_validator("enabled", mode="before")
    @classmethod
    def _flag(cls, value: Any) -> bool:
        return value is True or str(value).lower() == "true"

    @field_validator("priority", mode="before")
    @classmethod
    def _number(cls, value: Any) -> int | None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return None

    @field_validator("forward_to", "redirect_to", "forward_as_attachment_to", mode="before")
    @classmethod
    def _recipients(cls, value: Any) -> tuple[str, ...]:
        # One recipient comes back as a string, several as a list, none as null.
        if value is None:
            return ()
        items = value if isinstance(value, list | tuple) else [value]
        return tuple(str(item) for item in items if item)

    @property
    def forwards(self) -> bool:
        return bool(self.forward_to or self.redirect_to or self.forward_as_attachment_to)


@dataclass(frozen=True)
class InvokeResult:
    """Every output object of a cmdlet (all pages), and the warnings Exchange wrote."""

    values: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...] = ()
