"""Signed Slack requests for tests that drive `deskhand serve` processes over HTTP."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from typing import Any

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.fakes.slack_api import FakeSlack
from tests.slack.conftest import SIGNING_SECRET, documented

__all__ = ["button_in", "click_payload", "send_signed"]

_BUTTON = re.compile(r"a:[A-Za-z0-9_-]+:(?:confirm|approve)")


async def send_signed(http: httpx.AsyncClient, url: str, payload: dict[str, Any]) -> int:
    body = urllib.parse.urlencode(payload)
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=stamp, body=body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    answer = await http.post(f"{url}/slack/events", content=body, headers=headers)
    return answer.status_code


def click_payload(slack: FakeSlack, value: str, user: str, trigger: str) -> dict[str, Any]:
    payload = documented("block_actions")
    payload["actions"][0].update(action_id="deskhand:1", value=value)
    payload["user"].update(id=user)
    payload["trigger_id"] = trigger
    payload["response_url"] = slack.response_url(trigger)
    return {"payload": json.dumps(payload)}


def button_in(call_args: dict[str, Any], verb: str) -> str:
    found = [b for b in _BUTTON.findall(json.dumps(call_args)) if b.endswith(f":{verb}")]
    assert found, f"no {verb} button in {call_args}"
    return found[0]
