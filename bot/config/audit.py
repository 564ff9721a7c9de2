"""Where the audit chain's head is posted, and how often: `[audit]` in deskhand.toml.

[audit]
slack_channel = "C0AUDIT01"
teams_conversation = "19:audit@thread.tacv2"
post_every_minutes = 60
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AuditPostSettings"]


class AuditPostSettings(BaseModel):
    """`[audit]` in deskhand.toml: where the chain head is posted, and how often."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    slack_channel: str = ""
    teams_conversation: str = ""
    post_every_minutes: int = Field(60, ge=1)

    @property
    def destinations(self) -> tuple[tuple[str, str], ...]:
        places = (("slack", self.slack_channel), ("teams", self.teams_conversation))
        return tuple((channel, place) for channel, place in places if place)
