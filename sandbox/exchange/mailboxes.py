"""Exchange Online mailboxes of a sandbox tenant: forwarding, automatic replies, inbox rules,
delegates (FullAccess and calendar), mobile devices, visibility in the address lists.

Graph (`mailboxSettings`, `messageRules`) and the Exchange admin API (`Get-Mailbox`,
`Set-Mailbox`, `Get-InboxRule`, ...) read and change the same records here, as they do the same
mailbox at Microsoft. A user has a mailbox when a licence of theirs carries an Exchange Online
service plan, or when it is one of the tenant's shared mailboxes (which need no licence).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field, replace
from typing import Any

from sandbox.model import Directory, User

__all__ = [
    "AutoReplies",
    "Delegate",
    "ExchangeOrg",
    "FolderGrant",
    "MailboxState",
    "MobileDevice",
    "Recipient",
    "Rule",
    "SentMessage",
    "seed_contoso_mailboxes",
]

_EXCHANGE_PLANS = frozenset({"EXCHANGE_S_ENTERPRISE", "EXCHANGE_S_STANDARD", "EXCHANGE_S_DESKLESS"})

Recipient = tuple[str, str]
"""(display name, address), as a rule's forwardTo entry carries it."""


@dataclass(frozen=True)
class AutoReplies:
    """automaticRepliesSetting; times are dateTimeTimeZone pairs, kept as they were written."""

    status: str = "disabled"
    external_audience: str = "all"
    internal_message: str = ""
    external_message: str = ""
    start: tuple[str, str] | None = None
    end: tuple[str, str] | None = None


@dataclass(frozen=True)
class Rule:
    """An inbox rule; `id` is Graph's, `number` Exchange's RuleIdentity."""

    id: str
    number: int
    name: str
    sequence: int
    enabled: bool = True
    forward_to: tuple[Recipient, ...] = ()
    redirect_to: tuple[Recipient, ...] = ()
    forward_as_attachment_to: tuple[Recipient, ...] = ()
    move_to_folder: str | None = None
    subject_contains: tuple[str, ...] = ()
    sender_contains: tuple[str, ...] = ()

    @property
    def forwards(self) -> bool:
        return bool(self.forward_to or self.redirect_to or self.forward_as_attachment_to)


@dataclass(frozen=True)
class Delegate:
    """A FullAccess permission on the mailbox (Add-MailboxPermission)."""

    user_id: str
    auto_mapping: bool = True


@dataclass(frozen=True)
class FolderGrant:
    """A permission entry on the mailbox's calendar folder for one user."""

    user_id: str
    access_rights: tuple[str, ...]


@dataclass(frozen=True)
class MobileDevice:
    """An Exchange ActiveSync partnership; `guid` is its object id, `first_sync` ISO 8601."""

    guid: str
    device_id: str
    device_type: str
    device_model: str
    friendly_name: str
    device_os: str
    first_sync: str


@dataclass(frozen=True)
class MailboxState:
    forwarding_smtp_address: str | None = None
    """As Exchange stores it: `smtp:someone@example.com`."""
    forwarding_address: str | None = None
    """The user id of an internal recipient."""
    deliver_and_forward: bool = False
    auto_replies: AutoReplies = AutoReplies()
    rules: tuple[Rule, ...] = ()
    hidden: bool = False
    """HiddenFromAddressListsEnabled."""
    full_access: tuple[Delegate, ...] = ()
    calendar_name: str = "Calendar"
    """The calendar folder's name, in the mailbox's language."""
    calendar: tuple[FolderGrant, ...] = ()
    """Who besides Default and Anonymous (always present, AvailabilityOnly and None) may open
    the calendar."""
    devices: tuple[MobileDevice, ...] = ()


@dataclass(frozen=True)
class SentMessage:
    """A message sent through Graph's sendMail: its message JSON (every property, headers
    included), and whether it was saved to Sent Items (`saveToSentItems`)."""

    message: dict[str, Any]
    saved: bool = True


@dataclass
class ExchangeOrg:
    shared: set[str] = field(default_factory=set)
    """User ids of shared mailboxes."""
    states: dict[str, MailboxState] = field(default_factory=dict)
    sent: dict[str, list[SentMessage]] = field(default_factory=dict)
    """Messages sent by each mailbox (user id), oldest first."""

    def has_mailbox(self, directory: Directory, user: User) -> bool:
        if user.id in self.shared:
            return True
        held = set(user.sku_ids) | {sku for sku, _ in user.inherited_licenses}
        return any(
            plan.name in _EXCHANGE_PLANS
            for sku in directory.skus
            if sku.sku_id in held
            for plan in sku.service_plans
        )

    def state(self, user_id: str) -> MailboxState:
        return self.states.get(user_id, MailboxState())

    def put(self, user_id: str, state: MailboxState) -> None:
        self.states[user_id] = state

    def replace_rule(self, user_id: str, rule: Rule) -> None:
        state = self.state(user_id)
        rules = tuple(rule if r.id == rule.id else r for r in state.rules)
        self.put(user_id, replace(state, rules=rules))


def rule_id(user_id: str, number: int) -> str:
    """An opaque, stable id shaped like Graph's ("AQAAAJ5dZqA=")."""
    raw = bytes.fromhex(user_id.replace("-", "")[:8]) + number.to_bytes(4, "big")
    return base64.urlsafe_b64encode(b"\x01\x00" + raw).decode()


def _rule(user: User, number: int, name: str, **fields: Any) -> Rule:
    return Rule(id=rule_id(user.id, number), number=number, name=name, sequence=number, **fields)


def seed_contoso_mailboxes(directory: Directory, org: ExchangeOrg) -> None:
    """The demo's mailboxes worth a look: reception is shared; megan.bowen forwards everything
    outside (a compromised-account pattern) and redirects invoices with a rule; adele.vance
    forwards a partner's mail to alex.wilber, syncs two phones, lets megan.bowen open her
    mailbox and alex.wilber edit her calendar (what offboarding her takes apart); lynne.robbins
    forwards to adele and keeps a copy."""

    def user(key: str) -> User:
        found = directory.find_user(f"{key}@contoso.com")
        assert found is not None, key
        return found

    org.shared.add(user("reception").id)
    megan, adele, alex, lynne = (
        user("megan.bowen"),
        user("adele.vance"),
        user("alex.wilber"),
        (user("lynne.robbins")),
    )
    org.put(
        megan.id,
        MailboxState(
            forwarding_smtp_address="smtp:megan.bowen.archive@outlook.com",
            rules=(
                _rule(
                    megan,
                    1,
                    "Invoices",
                    subject_contains=("invoice", "payment"),
                    redirect_to=(("Accounts", "accounts-payable@fabrikam-billing.net"),),
                ),
                _rule(megan, 2, "Newsletters", sender_contains=("news",), move_to_folder="News"),
            ),
        ),
    )
    org.put(
        adele.id,
        MailboxState(
            rules=(
                _rule(
                    adele,
                    1,
                    "From partner",
                    sender_contains=("fabrikam",),
                    forward_to=((alex.display_name, alex.user_principal_name),),
                ),
            ),
            full_access=(Delegate(megan.id),),
            calendar=(FolderGrant(alex.id, ("Editor",)),),
            devices=_adele_devices(),
        ),
    )
    org.put(
        lynne.id,
        MailboxState(forwarding_address=adele.id, deliver_and_forward=True),
    )


def _adele_devices() -> tuple[MobileDevice, ...]:
    return (
        MobileDevice(
            guid="5b0b8e43-7f3c-4c8a-9d53-1f0c9a7e2b11",
            device_id="F3A1C9D27B6E4F0A8C1D2E3F4A5B6C7D",
            device_type="iPhone",
            device_model="iPhone15C2",
            friendly_name="Adele's iPhone",
            device_os="iOS 17.4.1 21E236",
            first_sync="2025-02-11T08:14:32Z",
        ),
        MobileDevice(
            guid="9e4d2a61-3b8f-4e27-a0c5-6d7e8f901234",
            device_id="HX1B2C3D4E5F60718293A4B5C6D7E8F9",
            device_type="Outlook",
            device_model="Outlook for Android",
            friendly_name="Pixel 8",
            device_os="Android 14.0.0",
            first_sync="2025-06-30T17:02:09Z",
        ),
    )
