"""What /digest uses when an option is not given: `[digests]` in deskhand.toml.

Prices are per seat and month, by the product's `skuPartNumber` (as /licenses and Graph's
subscribedSkus name it, e.g. "SPE_E3"); a product without a price counts its wasted seats but
adds nothing to the waste's cost. A server also takes every tenant's snapshot of the three
digests once a day, at `snapshot_cron` in `snapshot_tz`, so that trends have a point per day
whoever asks for a digest and however often.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from commands.kit.cron import Cron, TimeZone

__all__ = ["DigestDefaults"]


class DigestDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    inactive_days: int = Field(90, ge=1, le=3650)
    """An account with no successful sign-in for this many days is inactive (`--days`)."""
    expiring_days: int = Field(30, ge=1, le=3650)
    """Subscriptions that end within this many days are listed as expiring."""
    guests: bool = False
    """The MFA digest includes guests (`--guests`)."""
    currency: str = Field("EUR", min_length=1, max_length=8)
    prices: dict[str, float] = Field(default_factory=dict)
    """Monthly price per seat, by skuPartNumber."""
    snapshot_cron: Cron = "0 5 * * *"
    """When a server takes the daily snapshots (5 fields, or 6 with seconds first)."""
    snapshot_tz: TimeZone = "UTC"
    """The IANA time zone `snapshot_cron` is read in."""
