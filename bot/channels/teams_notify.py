"""`TeamsNotifier`: what Deskhand says in Teams without being asked (approval cards, outcomes).

- `post` sends a card into a conversation Deskhand has a reference for (it must have been
  added there and spoken to once), approvers mentioned by UPN; the address is the
  conversation and the card's activity id.
- `publish` sends a message a conversation asked for (a scheduled digest): the card, then its
  images inline, each up to about 1 MB (the most Teams shows inline); files other than images
  go only to 1:1 chats, so a channel gets a word instead.
- `update` edits that card for everyone.
- `tell` reaches the requester in their 1:1 chat with Deskhand when one is on record; a
  secret goes only there. Without one, the outcome goes to the conversation they asked from,
  without the secret, with a word on how to get a 1:1 chat (Teams has no message only one
  person of a conversation sees).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import structlog

from bot.approvals.notify import Posted
from bot.channels.teams import TeamsChannel, shown_inline
from cards.reply import File, Level, Notice, Reply
from core.errors import DeliveryError, DeskhandError

__all__ = ["TeamsNotifier"]

log = structlog.get_logger("deskhand.teams")

CHANNEL = "teams"
NO_PERSONAL_CHAT = (
    "Deskhand has no 1:1 chat with you yet, so anything only you should see (such as a "
    "password) is not shown. Open a chat with Deskhand and say hello, then ask again."
)


class TeamsNotifier:
    channel = CHANNEL

    def __init__(self, teams: TeamsChannel) -> None:
        self._teams = teams

    async def post(self, destination: str, reply: Reply) -> Posted:
        sent = await self._send(destination, _public(reply))
        if not sent:
            raise DeliveryError(f"Teams did not say which message it posted in {destination}.")
        return Posted(CHANNEL, {"conversation": destination, "activity_id": sent[0]})

    async def publish(self, destination: str, reply: Reply) -> Posted:
        """Posts a reply others may read, with its charts shown inline (`shown_inline`); the
        other files (a long table's CSV) cannot go into a channel and are left out."""
        kept = tuple(f for f in reply.files if shown_inline(f))
        too_big = [f.filename for f in reply.files if _is_image(f) and f not in kept]
        shown = dataclasses.replace(reply, secret="", files=kept)
        if too_big:
            note = Notice(Level.WARNING, f"Too large to show in Teams: {', '.join(too_big)}.")
            shown = dataclasses.replace(shown, blocks=(*shown.blocks, note))
        sent = await self._send(destination, shown)
        if not sent:
            raise DeliveryError(f"Teams did not say which message it posted in {destination}.")
        return Posted(CHANNEL, {"conversation": destination, "activity_id": sent[0]})

    async def update(self, posted: Posted, reply: Reply) -> None:
        conversation = posted.address.get("conversation", "")
        activity_id = posted.address.get("activity_id", "")
        if not conversation or not activity_id:
            raise DeliveryError("That Teams message has no conversation and activity id on record.")
        try:
            await self._teams.edit(conversation, activity_id, _public(reply))
        except DeliveryError:
            raise
        except DeskhandError as error:
            raise DeliveryError(error.message) from None
        except Exception as error:  # the SDK raises its HTTP client's errors as they come
            log.warning("teams.update_failed", error=type(error).__name__)
            raise DeliveryError("Teams did not take the edit of that card.") from None

    async def tell(self, address: Mapping[str, str], reply: Reply) -> None:
        personal = address.get("personal") or await self._personal_chat(address.get("user", ""))
        if personal:
            # A 1:1 chat: the secret comes as its own card, and files as consent cards.
            await self._send(personal, reply)
            return
        conversation = address.get("conversation", "")
        if not conversation:
            raise DeliveryError("Deskhand does not know where to tell the requester in Teams.")
        told = _public(reply)
        if reply.secret or reply.files:
            told = dataclasses.replace(
                told, blocks=(*told.blocks, Notice(Level.WARNING, NO_PERSONAL_CHAT))
            )
        await self._send(conversation, told)

    async def _personal_chat(self, user: str) -> str | None:
        return await self._teams.personal_chat(user) if user else None

    async def _send(self, conversation: str, reply: Reply) -> list[str]:
        try:
            return await self._teams.post(conversation, reply)
        except DeliveryError:
            raise
        except DeskhandError as error:  # no reference on record: say what to do
            raise DeliveryError(error.message) from None
        except Exception as error:  # the SDK raises its HTTP client's errors as they come
            log.warning("teams.post_failed", error=type(error).__name__)
            raise DeliveryError(f"Teams did not take the message for {conversation}.") from None


def _is_image(file: File) -> bool:
    return file.media_type.startswith("image/")


def _public(reply: Reply) -> Reply:
    """What may go where others read it: never the secret, never files."""
    return dataclasses.replace(reply, secret="", files=())
