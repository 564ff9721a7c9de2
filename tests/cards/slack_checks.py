"""Checks every Block Kit test applies: Slack's own models read the payload back unchanged,
and no block passes a documented limit (checked here too, not only by the SDK)."""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Iterator
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from cards.blockkit import BUTTON_ACTION_PREFIX, SlackMessage, SlackRender
from cards.reply import File

LIMITS = {
    "blocks": 50,
    "text": 3000,
    "header": 150,
    "fields": 10,
    "field": 2000,
    "buttons": 25,
    "value": 2000,
    "action_id": 255,
    "button_text": 75,
    "context_elements": 10,
}


def checked(render: SlackRender) -> SlackRender:
    """The render, after asserting the round trip and the limits on all it holds."""
    messages = [*render.messages, *([render.secret] if render.secret else [])]
    for message in messages:
        assert_round_trip(message)
        assert_within_limits(message)
    if render.modal is not None:
        assert View(**render.modal).to_dict() == render.modal
    return render


def assert_round_trip(message: SlackMessage) -> None:
    for block in message.blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        assert parsed.to_dict() == block


def assert_within_limits(message: SlackMessage) -> None:
    assert message.text
    assert 1 <= len(message.blocks) <= LIMITS["blocks"]
    action_ids = [e["action_id"] for e in _elements(message, "actions")]
    assert len(action_ids) == len(set(action_ids))
    for block in message.blocks:
        _check_block(block)


def _check_block(block: dict[str, Any]) -> None:
    kind = block["type"]
    if kind == "header":
        assert 1 <= len(block["text"]["text"]) <= LIMITS["header"]
    elif kind == "section":
        if "text" in block:
            assert 1 <= len(block["text"]["text"]) <= LIMITS["text"]
        fields = block.get("fields", [])
        assert len(fields) <= LIMITS["fields"]
        assert all(1 <= len(field["text"]) <= LIMITS["field"] for field in fields)
    elif kind == "context":
        assert len(block["elements"]) <= LIMITS["context_elements"]
        assert all(len(e["text"]) <= LIMITS["text"] for e in block["elements"])
    elif kind == "actions":
        assert 1 <= len(block["elements"]) <= LIMITS["buttons"]
        for button in block["elements"]:
            assert len(button["value"]) <= LIMITS["value"]
            assert len(button["action_id"]) <= LIMITS["action_id"]
            assert button["action_id"] == BUTTON_ACTION_PREFIX + button["value"]
            assert len(button["text"]["text"]) <= LIMITS["button_text"]
    else:
        raise AssertionError(f"unexpected block type {kind}")


def _elements(message: SlackMessage, kind: str) -> Iterator[dict[str, Any]]:
    for block in message.blocks:
        if block["type"] == kind:
            yield from block["elements"]


def all_blocks(render: SlackRender) -> list[dict[str, Any]]:
    return [block for message in render.messages for block in message.blocks]


def mrkdwn_texts(node: Any) -> Iterator[dict[str, Any]]:
    """Every mrkdwn text object anywhere in a payload."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn":
            yield node
        for value in node.values():
            yield from mrkdwn_texts(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from mrkdwn_texts(item)


def section_texts(render: SlackRender) -> list[str]:
    """The text of each section, unescaped as Slack shows it."""
    return [
        html.unescape(block["text"]["text"])
        for block in all_blocks(render)
        if block["type"] == "section" and "text" in block
    ]


def code_lines(render: SlackRender) -> list[str]:
    """The lines inside the code blocks (tables), unescaped, header lines included."""
    lines: list[str] = []
    for text in section_texts(render):
        if text.startswith("```\n") and text.endswith("\n```"):
            lines.extend(text[4:-4].split("\n"))
    return lines


def context_texts(render: SlackRender) -> list[str]:
    return [
        html.unescape(element["text"])
        for block in all_blocks(render)
        if block["type"] == "context"
        for element in block["elements"]
    ]


def csv_rows(file: File) -> list[list[str]]:
    return list(csv.reader(io.StringIO(file.content.decode("utf-8"))))
