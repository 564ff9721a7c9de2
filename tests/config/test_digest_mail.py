"""`[digest_mail]`: the MSP's tenant and the one mailbox digests are sent from."""

from __future__ import annotations

import pytest

from bot.config import load_settings
from core.errors import ConfigurationError

TENANT = {
    "msp": {
        "tenant_id": "11111111-1111-1111-1111-111111111111",
        "client_id": "22222222-2222-2222-2222-222222222222",
        "domain": "msp.example",
        "client_secret_env": "MSP_SECRET",
    }
}


def test_digest_mail_names_a_configured_tenant_and_a_mailbox() -> None:
    settings = load_settings(
        tenants=TENANT, digest_mail={"tenant": "msp", "sender": "Digests@MSP.example"}
    )
    assert settings.digest_mail is not None
    assert settings.digest_mail.sender == "digests@msp.example"


@pytest.mark.parametrize(
    ("digest_mail", "words"),
    [
        ({"tenant": "nope", "sender": "digests@msp.example"}, "digest_mail.tenant: 'nope'"),
        ({"tenant": "msp", "sender": "digests"}, "sending mailbox's address"),
    ],
)
def test_a_wrong_digest_mail_is_refused_at_start_up(digest_mail: object, words: str) -> None:
    with pytest.raises(ConfigurationError, match=words):
        load_settings(tenants=TENANT, digest_mail=digest_mail)
