"""The audit chain's settings: `[audit]` in deskhand.toml.

[audit]
slack_channel = "C0AUDIT01"
teams_conversation = "19:audit@thread.tacv2"
post_every_minutes = 60
key_file = "/run/secrets/deskhand-audit.key"   # default <home>/audit.key
anchor_file = "/var/lib/deskhand/audit-anchors.jsonl"   # default <home>/audit-anchors.jsonl
replica = "bot-1"                              # default the host name

The keys themselves never sit in configuration: `DESKHAND_AUDIT_KEY` or the key file holds them
(`bot.audit.keys`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AuditPostSettings"]


class AuditPostSettings(BaseModel):
    """`[audit]` in deskhand.toml: where the chain head is posted, and how often; where this
    replica keeps its chain keys and anchors, and the name its anchors carry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slack_channel: str = ""
    teams_conversation: str = ""
    post_every_minutes: int = Field(60, ge=1)
    key_file: Path | None = None
    anchor_file: Path | None = None
    replica: str = Field("", max_length=128)

    @property
    def destinations(self) -> tuple[tuple[str, str], ...]:
        places = (("slack", self.slack_channel), ("teams", self.teams_conversation))
        return tuple((channel, place) for channel, place in places if place)
