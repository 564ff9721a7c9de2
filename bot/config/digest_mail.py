"""Where digest e-mail comes from: `[digest_mail]` in deskhand.toml.

[digest_mail]
tenant = "msp"                     # a configured tenant: the MSP's own
sender = "digests@msp.example"     # the one mailbox digests are sent from

Deskhand sends with Graph's `sendMail` as that mailbox, with the application permission
Mail.Send in that tenant; the README shows how to scope it to this one mailbox.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, field_validator

__all__ = ["SANDBOX_DIGEST_MAIL", "DigestMailSettings"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class DigestMailSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant: str
    sender: str

    @field_validator("sender")
    @classmethod
    def _mailbox(cls, value: str) -> str:
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError("must be the sending mailbox's address, like digests@msp.example")
        return value.lower()


SANDBOX_DIGEST_MAIL = DigestMailSettings(tenant="contoso", sender="admin@contoso.com")
"""On the built-in sandbox without `[digest_mail]`: contoso's admin sends, so the demo's digest
e-mail can be tried (the sandbox keeps what it sends)."""
