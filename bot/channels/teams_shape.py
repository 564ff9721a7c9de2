"""The shape of a Teams activity, checked once the SDK has checked its token: an activity
Deskhand cannot read is refused with 400 before the SDK or any handler sees it.

Two checks, in order: the fields `bot.channels.teams` and its identity and file modules read
(who sent it, in which conversation, to which bot, through which service URL, and what an
invoke carries), then the SDK's own `Activity` model, which the adapter applies next and
would otherwise fail with a 500. Activity types Deskhand does not handle pass; the SDK
answers them as it always has.
"""

from __future__ import annotations

import json

from microsoft_agents.activity import Activity, AdaptiveCardInvokeValue
from pydantic import BaseModel, Field

from bot.channels.shape import Malformed, Shape, first_problem, json_type

__all__ = ["check_activity"]

_ID = Field(min_length=1)


class _Account(Shape):
    id: str = _ID
    name: str | None = None
    aad_object_id: str | None = Field(default=None, alias="aadObjectId")


class _Conversation(Shape):
    id: str = _ID
    conversation_type: str | None = Field(default=None, alias="conversationType")
    tenant_id: str | None = Field(default=None, alias="tenantId")


class _Activity(Shape):
    type: str = _ID
    id: str | None = None
    name: str | None = None
    text: str | None = None
    service_url: str = Field(alias="serviceUrl", min_length=1)
    sender: _Account = Field(alias="from")
    conversation: _Conversation
    recipient: _Account
    reply_to_id: str | None = Field(default=None, alias="replyToId")
    channel_data: dict[str, object] | None = Field(default=None, alias="channelData")
    entities: list[dict[str, object]] | None = None


class _FileConsentValue(Shape):
    action: str = _ID
    context: dict[str, object] | None = None
    upload_info: dict[str, object] | None = Field(default=None, alias="uploadInfo")


_INVOKE_VALUES: dict[str, type[BaseModel]] = {
    "adaptiveCard/action": AdaptiveCardInvokeValue,
    "fileConsent/invoke": _FileConsentValue,
}
"""What an invoke's `value` must be, by the invoke's name, for the invokes Deskhand answers."""


def check_activity(body: str) -> Malformed | None:
    """None when Deskhand and the SDK can read the activity in `body`, else what is wrong."""
    try:
        data = json.loads(body)
    except ValueError:
        return Malformed("activity", "body", "not JSON")
    if not isinstance(data, dict):
        return Malformed("activity", "body", f"a JSON {json_type(data)}, not an object")
    problem = first_problem("activity", _Activity, data)
    if problem is not None:
        return problem
    kind = f"{data['type']}:{data.get('name') or ''}".rstrip(":")
    value_model = _INVOKE_VALUES.get(str(data.get("name"))) if data["type"] == "invoke" else None
    if value_model is not None:
        found = first_problem(kind, value_model, data.get("value"))
        if found is not None:
            field = "value" if found.field == "body" else f"value.{found.field}"
            return Malformed(kind, field, found.problem)
    return first_problem(data["type"], Activity, data)
