"""The signature gate on its own: what it admits and refuses, before anything runs."""

from __future__ import annotations

import time

from multidict import CIMultiDict
from slack_sdk.signature import SignatureVerifier

from bot.channels.slack_gate import SlackGate

SECRET = "gate-test-secret"
BODY = "command=%2Fdeskhand&text=user+adele"


def signed(stamp: str) -> dict[str, str]:
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=BODY)
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": str(signature)}


def gate() -> SlackGate:
    return SlackGate(SECRET, store=None)  # type: ignore[arg-type]  # admit never uses it


def test_a_signed_request_is_admitted_whatever_the_case_of_its_header_names() -> None:
    headers = {k.lower(): v for k, v in signed(str(int(time.time()))).items()}
    key, refusal = gate().admit(BODY, CIMultiDict(headers))
    assert refusal == ""
    assert key.startswith("slack-request:")


def test_a_missing_or_malformed_timestamp_is_refused_not_a_crash() -> None:
    headers = signed("not-a-number")
    assert gate().admit(BODY, headers) == ("", "invalid or stale signature")
    del headers["X-Slack-Request-Timestamp"]
    assert gate().admit(BODY, headers) == ("", "invalid or stale signature")


def test_the_same_signature_twice_is_refused_the_second_time() -> None:
    door = gate()
    headers = signed(str(int(time.time())))
    assert door.admit(BODY, headers)[1] == ""
    assert door.admit(BODY, headers) == ("", "request already received")
