"""What /offboard does when a toggle is not given: `[offboard]` and `[tenants.<name>.offboard]`.

Every toggle of `/offboard` (`--block` / `--no-block` …) falls back to these. The defaults
below are the full offboarding; a tenant that, say, keeps leavers' mailboxes as they are sets
`convert_shared = false` for itself. The mailbox grant and the OneDrive grant go to the
leaver's manager unless `--mailbox-to` / `--onedrive-to` names someone.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["TOGGLES", "OffboardDefaults"]

TOGGLES = (
    "block",
    "revoke_sessions",
    "reset_password",
    "remove_methods",
    "remove_devices",
    "disable_rules",
    "convert_shared",
    "hide",
    "grant_mailbox",
    "grant_onedrive",
    "remove_groups",
    "remove_delegates",
    "remove_licences",
)
"""The on/off steps of an offboarding, in the order the card lists them."""


class OffboardDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    block: bool = True
    revoke_sessions: bool = True
    reset_password: bool = True
    remove_methods: bool = True
    """Every authentication method, a Temporary Access Pass included."""
    remove_devices: bool = True
    """Mobile devices partnered with the mailbox (Exchange ActiveSync, Outlook mobile)."""
    disable_rules: bool = True
    """Inbox rules are disabled, never deleted: the evidence stays."""
    convert_shared: bool = True
    hide: bool = True
    """Hide the mailbox from the address lists."""
    grant_mailbox: bool = True
    """Full access to the mailbox for the manager (or --mailbox-to)."""
    auto_mapping: bool = True
    """Outlook opens the granted mailbox by itself."""
    grant_onedrive: bool = True
    """Site collection administrator of the OneDrive for the manager (or --onedrive-to)."""
    remove_groups: bool = True
    remove_delegates: bool = True
    """Everyone given access to the calendar folder (delegates and shares)."""
    remove_licences: bool = True
    keep_copy: bool = True
    """With --forward-to: keep a copy in the mailbox (DeliverToMailboxAndForward)."""
    ooo: str = ""
    """The out-of-office reply set when --ooo is not given; empty: none."""
    delete_after_days: int = Field(0, ge=0, le=3650)
    """Delete the user this many days after offboarding; 0: never."""
