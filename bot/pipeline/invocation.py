"""`Invocation`: one request from any channel, built by its adapter from a verified request."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from commands.kit.context import nothing_to_verify
from core.identity import Actor

__all__ = ["ChannelName", "Invocation", "new_request_id"]


def new_request_id() -> str:
    return secrets.token_hex(6)


ChannelName = Literal["console", "slack", "teams", "scheduler"]
"""The channels a request can come from; a channel adapter names itself with one, and a
scheduled digest runs its command as "scheduler" (`bot.schedules.running`)."""


@dataclass(frozen=True, kw_only=True)
class Invocation:
    channel: ChannelName
    actor: Actor
    text: str
    """The command line; empty for a click, which names its button in `action`."""
    conversation: str = ""
    action: str = ""
    """The id a clicked button or a submitted form carried."""
    values: Mapping[str, str] = field(default_factory=dict)
    """What was typed into a submitted form, by input name; validated again like any input."""
    tenant_hint: str | None = None
    """The tenant the conversation is mapped to, used when the command names none."""
    request_id: str = field(default_factory=new_request_id)
    private: bool = False
    """Only the requester sees what they typed (console, a direct chat, a slash command)."""
    return_address: Mapping[str, str] = field(default_factory=dict, compare=False)
    """Where this adapter can tell the requester something later (an outcome, a secret):
    plain strings only it reads, kept with a pending action so any replica can use them."""
    verify_actor: Callable[[], Awaitable[None]] = field(
        default=nothing_to_verify, repr=False, compare=False
    )
    """Asks the chat platform afresh whether `actor` may still act (raises AccessDenied):
    `actor` may come from a cache, and a decision on a pending action must not."""
