"""The load generator of `bench.slack_ack`, run in its own process so that sending does not
share an event loop (or a core) with the servers it measures.

Run as `python -m bench.slack_load URL --response-url URL [--senders 32] [--seconds 5]` with
the signing secret in SLACK_SIGNING_SECRET. Each sender posts signed slash commands back to
back (a closed loop) and times each one until its ack, the HTTP response. Prints one line of
JSON: every ack's latency in seconds, the failures, and the wall time the senders ran.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import aiohttp

from bot.channels.slack import BUSY, YOUR_SHARE

__all__ = ["SECRET_VARIABLE", "LoadRun", "closed_loop", "main", "signed_command"]

SECRET_VARIABLE = "SLACK_SIGNING_SECRET"
COMMAND_TEXT = "user adele.vance@contoso.com"

# Slack's example payload ("Implementing slash commands", docs.slack.dev/interactivity/
# implementing-slash-commands), sent form-encoded; ids are the benchmark workspace's.
_SLASH_COMMAND = {
    "token": "gIkuvaNzQIHg97ATvDxqgjtO",
    "team_id": "T0001",
    "team_domain": "example",
    "channel_id": "C0HELPDESK1",
    "channel_name": "helpdesk",
    "user_id": "U0TESS",
    "user_name": "tess",
    "command": "/deskhand",
    "api_app_id": "A123456",
}
_TIMEOUT = aiohttp.ClientTimeout(total=30)
_NOT_RUN = (BUSY.encode(), YOUR_SHARE.rpartition("}")[2].encode())
"""What an ack says when nothing was queued: Deskhand is busy, or the sender's share is full."""


def signed_command(
    secret: str, *, response_url: str, trigger_id: str, user_id: str = "U0TESS"
) -> tuple[str, dict[str, str]]:
    """`/deskhand user adele.vance@contoso.com` as Slack would send it: body and headers.

    The trigger id must differ on every call: Deskhand refuses a signature it has seen.
    """
    body = urlencode(
        {
            **_SLASH_COMMAND,
            "user_id": user_id,
            "text": COMMAND_TEXT,
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
    stamp = str(int(time.time()))
    # Slack's request signing: HMAC-SHA256 of "v0:{timestamp}:{body}" with the signing secret.
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": f"v0={digest.hexdigest()}",
    }
    return body, headers


@dataclass(frozen=True)
class LoadRun:
    """What one closed-loop run saw: ack latencies (seconds), failed requests, wall time."""

    latencies: tuple[float, ...]
    failures: int
    elapsed: float
    busy: int = 0
    """Acks that said the bot was too busy to run the command (nothing queued)."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "latencies": self.latencies,
                "failures": self.failures,
                "elapsed": self.elapsed,
                "busy": self.busy,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> LoadRun:
        data = json.loads(text)
        latencies = tuple(map(float, data["latencies"]))
        return cls(latencies, int(data["failures"]), data["elapsed"], int(data.get("busy", 0)))


@dataclass(frozen=True)
class _Target:
    url: str
    response_url: str
    secret: str
    nonce: str


async def closed_loop(
    url: str, *, response_url: str, secret: str, senders: int, seconds: float
) -> LoadRun:
    """`senders` loops posting to `url` until `seconds` have passed; in-flight requests finish."""
    target = _Target(url, response_url, secret, secrets.token_hex(4))
    connector = aiohttp.TCPConnector(limit=senders)
    async with aiohttp.ClientSession(connector=connector, timeout=_TIMEOUT) as session:
        started = time.perf_counter()
        deadline = started + seconds
        runs = await asyncio.gather(
            *(_send_until(session, target, sender, deadline) for sender in range(senders))
        )
        elapsed = time.perf_counter() - started
    latencies = tuple(latency for run in runs for latency in run[0])
    return LoadRun(latencies, sum(run[1] for run in runs), elapsed, sum(run[2] for run in runs))


async def _send_until(
    session: aiohttp.ClientSession, target: _Target, sender: int, deadline: float
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    failures = busy = 0
    sequence = 0
    while time.perf_counter() < deadline:
        sequence += 1
        body, headers = signed_command(
            target.secret,
            response_url=target.response_url,
            trigger_id=f"{target.nonce}.{sender}.{sequence}",
            # A help desk's load: each sender is a technician of their own, with their own
            # share of Deskhand's backlog (`slack.per_person_in_flight`).
            user_id=f"U0LOAD{sender:04d}",
        )
        started = time.perf_counter()
        try:
            async with session.post(target.url, data=body, headers=headers) as response:
                answer = await response.read()
                ok = response.status == 200
                busy += ok and any(refusal in answer for refusal in _NOT_RUN)
        except (aiohttp.ClientError, TimeoutError):
            ok = False
        if ok:
            latencies.append(time.perf_counter() - started)
        else:
            failures += 1
    return latencies, failures, busy


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.slack_load", description=__doc__)
    parser.add_argument("url", help="where to post, e.g. http://127.0.0.1:3000/slack/events")
    parser.add_argument("--response-url", required=True, help="the commands' response_url")
    parser.add_argument("--senders", type=int, default=32, help="concurrent senders")
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to send")
    options = parser.parse_args(argv)
    if options.senders < 1 or options.seconds <= 0:
        parser.error("--senders must be at least 1 and --seconds positive")
    if not os.environ.get(SECRET_VARIABLE):
        parser.error(f"set {SECRET_VARIABLE} to the target's signing secret")
    return options


def main(argv: Sequence[str] | None = None) -> None:
    options = _parse(argv)
    run = asyncio.run(
        closed_loop(
            options.url,
            response_url=options.response_url,
            secret=os.environ[SECRET_VARIABLE],
            senders=options.senders,
            seconds=options.seconds,
        )
    )
    sys.stdout.write(run.to_json() + "\n")


if __name__ == "__main__":
    main()
