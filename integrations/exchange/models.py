"""The cmdlet output Deskhand reads, typed. Exchange names properties in PascalCase, as the
PowerShell objects do; anything not listed here is ignored, and a missing field is None."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

__all__ = [
    "CmdletObject",
    "FolderPermission",
    "InboxRule",
    "InvokeResult",
    "Mailbox",
    "MailboxFolder",
    "MailboxPermission",
    "MobileDevice",
    "Recipient",
    "smtp_address",
]


def smtp_address(value: str | None) -> str | None:
    """`smtp:someone@example.com` (how ForwardingSmtpAddress reads back) → the bare address."""
    if not value:
        return None
    text = value.strip()
    return text[5:] if text.lower().startswith("smtp:") else text


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _optional(value: Any) -> str | None:
    return str(value) if value else None


def _flag(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _names(value: Any) -> tuple[str, ...]:
    """One value comes back as a string (sometimes comma-joined, as flags print), several as
    a list, none as null."""
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return tuple(str(item).strip() for item in items if item and str(item).strip())


def _recipients(value: Any) -> tuple[str, ...]:
    # A rule's recipients read `"Name" [SMTP:address]`: never split them at commas.
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    return tuple(str(item) for item in items if item)


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


Text = Annotated[str, BeforeValidator(_text)]
MaybeText = Annotated[str | None, BeforeValidator(_optional)]
Flag = Annotated[bool, BeforeValidator(_flag)]
Number = Annotated[int | None, BeforeValidator(_number)]
Names = Annotated[tuple[str, ...], BeforeValidator(_names)]
Recipients = Annotated[tuple[str, ...], BeforeValidator(_recipients)]
When = Annotated[datetime | None, BeforeValidator(_when)]


class CmdletObject(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Mailbox(CmdletObject):
    """Get-Mailbox: who the mailbox is, where its mail is forwarded, whether it is shared."""

    identity: Text = Field("", alias="Identity")
    display_name: Text = Field("", alias="DisplayName")
    user_principal_name: Text = Field("", alias="UserPrincipalName")
    primary_smtp_address: Text = Field("", alias="PrimarySmtpAddress")
    external_directory_object_id: Text = Field("", alias="ExternalDirectoryObjectId")
    recipient_type_details: Text = Field("", alias="RecipientTypeDetails")
    distinguished_name: Text = Field("", alias="DistinguishedName")
    forwarding_smtp_address: MaybeText = Field(None, alias="ForwardingSmtpAddress")
    """Forwarding to any address, often outside the organisation: `smtp:x@example.com`."""
    forwarding_address: MaybeText = Field(None, alias="ForwardingAddress")
    """Forwarding to a recipient of the organisation (its identity)."""
    deliver_to_mailbox_and_forward: Flag = Field(False, alias="DeliverToMailboxAndForward")
    hidden_from_address_lists_enabled: Flag = Field(False, alias="HiddenFromAddressListsEnabled")

    @property
    def is_shared(self) -> bool:
        return self.recipient_type_details == "SharedMailbox"

    @property
    def forwards(self) -> bool:
        return bool(self.forwarding_smtp_address or self.forwarding_address)

    @property
    def forwarding_targets(self) -> tuple[str, ...]:
        """Where mail goes, as a technician reads it (addresses without the `smtp:` prefix)."""
        targets = (smtp_address(self.forwarding_smtp_address), self.forwarding_address)
        return tuple(t for t in targets if t)


class InboxRule(CmdletObject):
    """Get-InboxRule: a rule of the mailbox, with the actions that send mail elsewhere."""

    name: Text = Field("", alias="Name")
    identity: Text = Field("", alias="Identity")
    rule_identity: Text = Field("", alias="RuleIdentity")
    enabled: Flag = Field(False, alias="Enabled")
    priority: Number = Field(None, alias="Priority")
    forward_to: Recipients = Field((), alias="ForwardTo")
    redirect_to: Recipients = Field((), alias="RedirectTo")
    forward_as_attachment_to: Recipients = Field((), alias="ForwardAsAttachmentTo")

    @property
    def forwards(self) -> bool:
        return bool(self.forward_to or self.redirect_to or self.forward_as_attachment_to)


class MailboxPermission(CmdletObject):
    """Get-MailboxPermission: one entry; `user` is a UPN, or `NT AUTHORITY\\SELF` for the
    owner's own entry."""

    identity: Text = Field("", alias="Identity")
    user: Text = Field("", alias="User")
    access_rights: Names = Field((), alias="AccessRights")
    deny: Flag = Field(False, alias="Deny")
    is_inherited: Flag = Field(False, alias="IsInherited")

    @property
    def is_delegate(self) -> bool:
        """Someone else's FullAccess, granted on this mailbox (not inherited, not denied)."""
        return (
            "FullAccess" in self.access_rights
            and not self.deny
            and not self.is_inherited
            and not self.user.upper().startswith(("NT AUTHORITY\\", "S-1-5-"))
        )


class MobileDevice(CmdletObject):
    """Get-MobileDevice: a phone or app syncing the mailbox; `identity` removes it."""

    identity: Text = Field("", alias="Identity")
    device_id: Text = Field("", alias="DeviceId")
    device_type: Text = Field("", alias="DeviceType")
    device_model: Text = Field("", alias="DeviceModel")
    friendly_name: Text = Field("", alias="FriendlyName")
    device_os: Text = Field("", alias="DeviceOS")
    first_sync_time: When = Field(None, alias="FirstSyncTime")


class Recipient(CmdletObject):
    """Get-Recipient: a mailbox, distribution list or mail-enabled security group."""

    identity: Text = Field("", alias="Identity")
    display_name: Text = Field("", alias="DisplayName")
    primary_smtp_address: Text = Field("", alias="PrimarySmtpAddress")
    external_directory_object_id: Text = Field("", alias="ExternalDirectoryObjectId")
    recipient_type_details: Text = Field("", alias="RecipientTypeDetails")
    distinguished_name: Text = Field("", alias="DistinguishedName")

    @property
    def is_security_group(self) -> bool:
        return self.recipient_type_details == "MailUniversalSecurityGroup"


class MailboxFolder(CmdletObject):
    """Get-MailboxFolderStatistics: a folder; `name` is in the mailbox's language."""

    identity: Text = Field("", alias="Identity")
    name: Text = Field("", alias="Name")
    folder_path: Text = Field("", alias="FolderPath")
    folder_type: Text = Field("", alias="FolderType")


def _folder_user(value: Any) -> Any:
    # User reads as an object (DisplayName, UserType) or, in some answers, its display name.
    return value.get("DisplayName") if isinstance(value, dict) else value


def _user_type(data: Any) -> Any:
    user = data.get("User") if isinstance(data, dict) else None
    return user.get("UserType") if isinstance(user, dict) else None


class FolderPermission(CmdletObject):
    """Get-MailboxFolderPermission: who may open the folder, with which role (Editor, ...).
    `user` is the display name Exchange shows; `user_type` Default, Anonymous, Internal, ..."""

    identity: Text = Field("", alias="Identity")
    folder_name: Text = Field("", alias="FolderName")
    user: Annotated[str, BeforeValidator(lambda v: _text(_folder_user(v)))] = Field(
        "", alias="User"
    )
    user_type: Text = Field("", alias="UserType")
    access_rights: Names = Field((), alias="AccessRights")

    @model_validator(mode="before")
    @classmethod
    def _lift_user_type(cls, data: Any) -> Any:
        kind = _user_type(data)
        return {**data, "UserType": kind} if kind else data

    @property
    def is_default_or_anonymous(self) -> bool:
        """The two entries every folder has; their display names are localised ("Standard"),
        so the type decides when Exchange gives it."""
        if self.user_type:
            return self.user_type in ("Default", "Anonymous")
        return self.user in ("Default", "Anonymous")


@dataclass(frozen=True)
class InvokeResult:
    """Every output object of a cmdlet (all pages), and the warnings Exchange wrote."""

    values: tuple[dict[str, Any], ...]
    warnings: tuple[str, ...] = ()
