"""Socket Mode's door: what Slack sends over the WebSocket gets the shape check HTTP gets.

Over HTTP, `SlackChannel.handle_http` refuses a malformed body before bolt sees it; a Socket
Mode request goes from the WebSocket straight to bolt, so the check sits here instead. A
malformed request is logged and not acknowledged, as HTTP answers it 400: nothing runs.
"""

from __future__ import annotations

from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest

from bot.channels.shape import log_malformed
from bot.channels.slack_shape import check_socket_payload

__all__ = ["CheckedSocketModeHandler"]


class CheckedSocketModeHandler(AsyncSocketModeHandler):
    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        malformed = check_socket_payload(req.type, req.payload)
        if malformed is not None:
            log_malformed("slack", malformed)
            return
        # bolt types it as its aiohttp client, which is the one this handler opens.
        await super().handle(client, req)  # type: ignore[arg-type]
