"""A Slack Web API on loopback: the methods Deskhand calls, answered as Slack documents them.

Every call is recorded; `wait_for` waits (with a deadline, never a sleep) until a call arrives.
Users and channels are a small fixed workspace, T0001, with a guest, a person from another
organisation and a channel shared with another organisation. Posted messages are kept per
channel, with their message metadata, for `conversations.history`.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TEAM = "T0001"
BOT_USER = "UBOT"
TOKEN = "xoxb-test-token"
TESS = "U0TESS"
GUEST = "U0GUEST"
OUTSIDER = "U0OUT"
APPROVER = "U0ADA"
OPEN_CHANNEL = "C0OPEN"
SHARED_CHANNEL = "C0SHARED"
LOCKED_CHANNEL = "C0LOCKED"
MANAGERS_CHANNEL = "C0MANAGERS"

USERS: dict[str, dict[str, Any]] = {
    TESS: {"id": TESS, "team_id": TEAM, "name": "tess", "real_name": "Tess Tech",
           "profile": {"email": "tess@msp.example"}},
    GUEST: {"id": GUEST, "team_id": TEAM, "name": "gus", "real_name": "Gus Guest",
            "is_restricted": True, "profile": {"email": "gus@elsewhere.example"}},
    OUTSIDER: {"id": OUTSIDER, "team_id": "T0999", "name": "olga", "real_name": "Olga Outside",
               "profile": {"email": "olga@other.example"}},
    APPROVER: {"id": APPROVER, "team_id": TEAM, "name": "ada", "real_name": "Ada Approver",
               "profile": {"email": "ada@msp.example"}},
}  # fmt: skip
CHANNELS: dict[str, dict[str, Any]] = {
    OPEN_CHANNEL: {"id": OPEN_CHANNEL, "name": "helpdesk", "is_ext_shared": False},
    SHARED_CHANNEL: {"id": SHARED_CHANNEL, "name": "contoso-shared", "is_ext_shared": True},
    LOCKED_CHANNEL: {"id": LOCKED_CHANNEL, "name": "private", "is_ext_shared": False},
    MANAGERS_CHANNEL: {"id": MANAGERS_CHANNEL, "name": "it-managers", "is_ext_shared": False},
}


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]


@dataclass
class FakeSlack:
    url: str = ""
    calls: list[SlackCall] = field(default_factory=list)
    uploads: dict[str, bytes] = field(default_factory=dict)
    rate_limited: dict[str, int] = field(default_factory=dict)
    """Method → how many calls to answer with HTTP 429 `ratelimited` before answering."""
    answers: dict[str, Callable[[], web.Response]] = field(default_factory=dict)
    """Method → what to answer instead of the documented answer (a broken or odd Slack)."""
    holds: dict[tuple[str, str], asyncio.Event] = field(default_factory=dict)
    """(method, user argument) → calls wait for the event before they are answered (a Slack
    slow for one person), so requests stay in flight as long as a test needs."""
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """Channel id → the messages posted there, oldest first, as conversations.history lists them."""
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def called(self, method: str) -> list[SlackCall]:
        return [call for call in self.calls if call.method == method]

    async def wait_for(
        self, method: str, count: int = 1, within: float = 10.0, user: str | None = None
    ) -> list[SlackCall]:
        """The calls of `method` (about `user`, when given) once `count` of them arrived."""

        def arrived() -> list[SlackCall]:
            calls = self.called(method)
            return calls if user is None else [c for c in calls if c.args.get("user") == user]

        async with asyncio.timeout(within), self._arrived:
            await self._arrived.wait_for(lambda: len(arrived()) >= count)
        return arrived()

    async def _record(self, method: str, args: dict[str, Any]) -> None:
        async with self._arrived:
            self.calls.append(SlackCall(method, args))
            self._arrived.notify_all()

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        args = await _arguments(request)
        await self._record(method, args)
        hold = self.holds.get((method, str(args.get("user", ""))))
        if hold is not None:
            await hold.wait()
        if self.rate_limited.get(method, 0) > 0:
            # Slack's documented rate-limit answer: 429 with the seconds to wait.
            self.rate_limited[method] -= 1
            return web.json_response(
                {"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"}
            )
        if method in self.answers:
            return self.answers[method]()
        return web.json_response(self._answer(method, args))

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        answer = {
            "auth.test": self._auth_test,
            "users.info": self._users_info,
            "conversations.info": self._conversations_info,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "users.lookupByEmail": self._lookup_by_email,
            "conversations.open": lambda a: {"ok": True, "channel": {"id": f"D{a.get('users')}"}},
            "conversations.list": self._conversations_list,
            "conversations.history": self._conversations_history,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "views.open": lambda a: {"ok": True, "view": {"id": "V0001"}},
        }.get(method)
        return answer(args) if answer else {"ok": False, "error": "unknown_method"}

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0BOT", "team": "MSP"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = USERS.get(str(args.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = CHANNELS.get(str(args.get("channel")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": channel}

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel", ""))
        if channel == LOCKED_CHANNEL:
            return {"ok": False, "error": "not_in_channel"}
        # Slack's ts is the post's Unix time, unique per channel; history filters on it.
        ts = f"{time.time():.6f}"
        posted = self.history.setdefault(channel, [])
        while any(m["ts"] >= ts for m in posted):
            ts = f"{float(ts) + 0.000001:.6f}"
        message = {
            "type": "message",
            "user": BOT_USER,
            "bot_id": "B0BOT",
            "text": args.get("text", ""),
            "ts": ts,
        }
        if isinstance(args.get("metadata"), dict):
            message["metadata"] = args["metadata"]
        posted.append(message)
        return {"ok": True, "channel": channel, "ts": ts}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        # One page: the workspace is small (documented shape: channels + response_metadata).
        channels = [{**c, "is_channel": True, "is_archived": False} for c in CHANNELS.values()]
        return {"ok": True, "channels": channels, "response_metadata": {"next_cursor": ""}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        """Newest first, from `oldest` on; metadata only with `include_all_metadata`."""
        channel = str(args.get("channel", ""))
        if channel not in self.history and channel not in CHANNELS and not channel.startswith("D"):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(args.get("oldest") or 0)
        metadata = str(args.get("include_all_metadata", "")).lower() in ("true", "1")
        messages = [
            m if metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in reversed(self.history.get(channel, []))
            if float(m["ts"]) >= oldest
        ]
        return {
            "ok": True,
            "messages": messages,
            "has_more": False,
            "pin_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if args.get("channel") == LOCKED_CHANNEL:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "message_ts": "1700000000.000001"}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("ts")
        if not channel or not ts:
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel, "ts": ts, "text": args.get("text", "")}

    def _lookup_by_email(self, args: dict[str, Any]) -> dict[str, Any]:
        email = str(args.get("email", "")).lower()
        for user in USERS.values():
            if user["profile"]["email"] == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{len(self.called('files.getUploadURLExternal')):04d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files", "[]")
        listed = json.loads(files) if isinstance(files, str) else files
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in listed]}

    async def upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text=f"OK - {len(self.uploads[request.match_info['file_id']])}")

    async def respond(self, request: web.Request) -> web.Response:
        await self._record(
            "response_url", {"name": request.match_info["name"], **await request.json()}
        )
        return web.Response(text="ok")


async def _arguments(request: web.Request) -> dict[str, Any]:
    """Slack's clients send arguments in the query, a form or JSON, depending on the method."""
    args: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        body = await request.json()
        args.update(body if isinstance(body, dict) else {})
    elif request.method == "POST":
        form = await request.post()
        args.update({key: value for key, value in form.items() if isinstance(value, str)})
    return args


@asynccontextmanager
async def fake_slack() -> AsyncIterator[FakeSlack]:
    slack = FakeSlack()
    app = web.Application()
    app.router.add_route("*", "/api/{method}", slack.api)
    app.router.add_post("/upload/{file_id}", slack.upload)
    app.router.add_post("/response/{name}", slack.respond)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    slack.url = f"http://{host}:{port}"
    try:
        yield slack
    finally:
        await runner.cleanup()
