"""The audit chain's head goes to the audit channel once per head, whichever replica posts."""

from __future__ import annotations

from bot.approvals.notify import Notifiers
from bot.audit.post import post_head
from bot.config.audit import AuditPostSettings
from bot.store import AuditEntry, Store, append_audit
from tests.approvals.desk_world import RecordingNotifier, text_of
from tests.plugins.store import AUDIT_KEY

SETTINGS = AuditPostSettings(slack_channel="CAUDIT001")


async def test_the_head_is_posted_once_per_head(store: Store) -> None:
    slack = RecordingNotifier()
    notifiers = Notifiers({"slack": slack})
    assert not await post_head(store, notifiers, SETTINGS)  # an empty log has no head
    async with store.engine.begin() as conn:
        record = await append_audit(
            conn, AuditEntry("console:ops", "console", "block", "done", "r1"), AUDIT_KEY
        )
    assert await post_head(store, notifiers, SETTINGS)
    assert not await post_head(store, Notifiers({"slack": RecordingNotifier()}), SETTINGS)
    [(channel, message)] = slack.posts
    assert channel == "CAUDIT001" and record.hash in text_of(message) + str(message.blocks)
    assert ("Place in the chain", "1") in message.blocks[0].items
