"""Reply → Slack Block Kit. Pure: no I/O, no state; plain dicts, the JSON Slack takes.

Slack's limits are kept here, not in commands: more than 50 blocks page into several
messages, long text splits into several sections, more than 10 facts into several field
sections, more than 25 buttons into several `actions` blocks, and a table too long to show
whole shows its first rows and comes attached as CSV. Nothing is cut without a word.

All data goes into mrkdwn escaped (`&`, `<`, `>`) and marked verbatim, so a display name
such as `<!channel>` or "@here" stays text and never becomes a mention or a link.
plain_text (the header, button and modal labels, the secret) is shown as written: Slack
parses no mentions there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cards.blockkit_controls import (
    BUTTON_ACTION_PREFIX,
    FORM_CALLBACK_PREFIX,
    actions_blocks,
    modal_view,
)
from cards.blockkit_table import render_table
from cards.blockkit_text import (
    MAX_BLOCKS,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    MAX_HEADER,
    MAX_TEXT,
    escape,
    escaped_cost,
    mrkdwn,
    mrkdwn_sections,
    plain,
    section,
)
from cards.reply import Block, Facts, File, Heading, Level, Notice, Reply, Table, Text
from cards.summary import shorten, summary
from cards.tables import render_blocks

__all__ = [
    "BUTTON_ACTION_PREFIX",
    "FORM_CALLBACK_PREFIX",
    "SlackMessage",
    "SlackRender",
    "mention_line",
    "render_blockkit",
]

SlackBlock = dict[str, Any]

_NOTICE_EMOJI = {
    Level.INFO: ":information_source:",
    Level.SUCCESS: ":white_check_mark:",
    Level.WARNING: ":warning:",
    Level.ERROR: ":x:",
}


@dataclass(frozen=True)
class SlackMessage:
    text: str
    """Notification and fallback text (chat.postMessage requires it), escaped for mrkdwn."""
    blocks: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class SlackRender:
    messages: tuple[SlackMessage, ...]
    """One message, or several pages past 50 blocks; none when the reply has no blocks."""
    files: tuple[File, ...]
    """Reply.files, then a CSV for each table too big to show whole."""
    secret: SlackMessage | None
    """Reply.secret on its own, for an ephemeral post to the requester only."""
    modal: dict[str, Any] | None
    """A `views.open` view (type "modal") for Reply.form."""


def render_blockkit(reply: Reply, mentions: Mapping[str, str] | None = None) -> SlackRender:
    """Render a Reply; raises ValueError for a button or form that no Slack limit admits.

    `mentions` maps the e-mail addresses of `reply.mentions` to Slack user ids (the channel
    looks them up); an address without one is shown as text.
    """
    blocks, tables = _body(reply)
    blocks.extend(actions_blocks(reply.buttons))
    line = mention_line(reply.mentions, mentions or {})
    text = _short(summary(reply))
    if line:
        blocks.insert(0, section(line))
        text = f"{line} {text}"
    return SlackRender(
        messages=_pages(blocks, text),
        files=(*reply.files, *tables),
        secret=_secret(reply) if reply.secret else None,
        modal=modal_view(reply.form) if reply.form else None,
    )


def mention_line(emails: tuple[str, ...], user_ids: Mapping[str, str]) -> str:
    """`<@U123>` for each address Slack knows, the address itself (escaped) for the rest."""
    parts = []
    for email in emails:
        user_id = user_ids.get(email.lower())
        # An id from Slack is letters and digits; anything else would not be a mention.
        parts.append(f"<@{user_id}>" if user_id and user_id.isalnum() else escape(email))
    return " ".join(parts)


def _body(reply: Reply) -> tuple[list[SlackBlock], list[File]]:
    blocks, files = render_blocks(reply, _block, _table)
    return [*_title(reply.title), *blocks], files


def _table(table: Table, filename: str) -> tuple[tuple[SlackBlock, ...], File | None]:
    render = render_table(table, filename)
    return render.blocks, render.file


def _title(title: str) -> list[SlackBlock]:
    """A header block; one longer than a header holds goes into bold sections instead."""
    title = title.strip()
    if len(title) <= MAX_HEADER:
        return [{"type": "header", "text": plain(title)}] if title else []
    return _bold(title)


def _block(block: Block) -> list[SlackBlock]:
    match block:
        case Heading(text=text):
            return _bold(text)
        case Text(text=text):
            return mrkdwn_sections(text)
        case Notice(level=level, text=text):
            return mrkdwn_sections(text, prefix=f"{_NOTICE_EMOJI[level]} ")
        case Facts(items=items):
            return _facts(items)
    raise TypeError(f"unknown block {type(block).__name__}")


def _bold(text: str) -> list[SlackBlock]:
    return mrkdwn_sections(text.strip(), prefix="*", suffix="*")


def _facts(items: tuple[tuple[str, str], ...]) -> list[SlackBlock]:
    """Facts as `fields`, ten to a section; a fact too long for a field gets sections
    of its own, in its place."""
    blocks: list[SlackBlock] = []
    fields: list[dict[str, Any]] = []
    for label, value in items:
        text = _fact_text(label, value)
        if len(text) <= MAX_FIELD_TEXT:
            fields.extend([mrkdwn(text)] if text else [])
            continue
        blocks.extend(_field_sections(fields))
        fields = []
        blocks.extend([*_bold(label), *mrkdwn_sections(value)])
    blocks.extend(_field_sections(fields))
    return blocks


def _fact_text(label: str, value: str) -> str:
    parts = (f"*{escape(label.strip())}*" if label.strip() else "", escape(value))
    return "\n".join(part for part in parts if part)


def _field_sections(fields: list[dict[str, Any]]) -> list[SlackBlock]:
    return [
        {"type": "section", "fields": fields[start : start + MAX_FIELDS]}
        for start in range(0, len(fields), MAX_FIELDS)
    ]


def _pages(blocks: list[SlackBlock], text: str) -> tuple[SlackMessage, ...]:
    pages = [
        tuple(blocks[start : start + MAX_BLOCKS]) for start in range(0, len(blocks), MAX_BLOCKS)
    ]
    if len(pages) == 1:
        return (SlackMessage(text, pages[0]),)
    return tuple(
        SlackMessage(f"{text} ({number} of {len(pages)})", page)
        for number, page in enumerate(pages, start=1)
    )


def _short(text: str) -> str:
    """`text` escaped, ending in an ellipsis where it passes the notification length."""
    return escape(shorten(text, escaped_cost))


def _secret(reply: Reply) -> SlackMessage:
    """The secret as plain text (no mrkdwn, no emoji codes: it must read exactly as it is),
    cut at exact lengths so no character is lost; the notification text never holds it."""
    secret = reply.secret
    pieces = [secret[start : start + MAX_TEXT] for start in range(0, len(secret), MAX_TEXT)]
    title = reply.title.strip()
    note = _short(f"Shown only to you — {title}" if title else "Shown only to you")
    blocks: list[SlackBlock] = [
        {"type": "context", "elements": [mrkdwn(f":lock: {note}")]},
        *({"type": "section", "text": plain(piece, emoji=False)} for piece in pieces),
    ]
    return SlackMessage(note, tuple(blocks))
