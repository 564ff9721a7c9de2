"""Reading Slack Web API failures: Slack's error code, or the HTTP status when there is none."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

__all__ = ["slack_error_code"]


def slack_error_code(error: SlackApiError) -> str:
    data = error.response.data
    code = data.get("error") if isinstance(data, dict) else None
    return code if isinstance(code, str) else f"http_{error.response.status_code}"
