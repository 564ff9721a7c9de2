"""Publishing the audit chain's head to a chat channel, where the database cannot rewrite it.

Every `post_every_minutes`, when the head has moved, a short message with the newest row's id and
hash goes to the configured audit channel(s). Replicas race for each head with a delivery claim
(`audit-head:<hash>`), so each head is posted once. Anyone can later compare a posted hash with
`deskhand audit verify`: a passing chain that no longer contains a posted hash was rebuilt.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from bot.approvals.notify import Notifiers
from bot.config.audit import AuditPostSettings
from bot.store import Store
from bot.store.audit import ChainHead, chain_head
from bot.store.deliveries import claim_delivery
from cards.reply import Facts, Reply, Text
from core.errors import DeliveryError

__all__ = ["head_message", "post_head"]

log = structlog.get_logger("deskhand.audit")


def head_message(head: ChainHead) -> Reply:
    return Reply(
        title="Deskhand audit log: chain head",
        blocks=(
            Facts(
                (
                    ("Row", str(head.id)),
                    ("Place in the chain", "unkeyed" if head.seq is None else str(head.seq)),
                    ("Hash", head.hash),
                    ("Written", f"{head.at:%Y-%m-%d %H:%M:%S} UTC"),
                )
            ),
            Text(
                "Keep this message: `deskhand audit verify --expect-head <hash>` must still "
                "find this hash in the chain."
            ),
        ),
    )


async def post_head(store: Store, notifiers: Notifiers, settings: AuditPostSettings) -> bool:
    """Posts the current head if no replica has posted it yet; True when this call did."""
    async with store.engine.connect() as conn:
        head = await chain_head(conn)
    if head is None:
        return False
    async with store.engine.begin() as conn:
        if not await claim_delivery(conn, f"audit-head:{head.hash}", datetime.now(UTC)):
            return False
    message = head_message(head)
    for channel, destination in settings.destinations:
        notifier = notifiers.get(channel)
        if notifier is None:
            continue
        try:
            await notifier.post(destination, message)
        except DeliveryError as error:
            log.warning("audit.head_post_failed", channel=channel, error=error.message)
    return True
