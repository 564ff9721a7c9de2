"""Reply → Adaptive Card 1.5 for Teams. Pure: no I/O, no state; plain dicts, the JSON Teams takes.

Buttons are `Action.Execute` (Universal Actions): the bot's invoke response updates the
clicker's view only, so the Teams adapter also edits the message when everyone must see the
outcome. The secret comes back as a card of its own, for a 1:1 chat with the requester only;
files come back beside the cards (a file-consent card in a 1:1 chat, a page or a link
elsewhere: the adapter's choice).

Teams' limits are kept here, not in commands: a card stays under CARD_MAX_BYTES by paging
its elements across several cards, long text splits into several TextBlocks, more than six
buttons go into further ActionSets, and a table too long to show whole shows its first rows
and comes attached as CSV. Nothing is cut without a word.

All data goes into Markdown escaped (see `cards.adaptive_text`), so a display name such as
`[click](https://evil.example)` or `<at>Everyone</at>` stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from cards.adaptive_controls import (
    EXECUTE_VERB,
    FORM_VERB,
    action_groups,
    action_set,
    form_container,
)
from cards.adaptive_table import render_table
from cards.adaptive_text import (
    ITEM_GAP,
    PIECE_BYTES,
    Element,
    json_size,
    markdown,
    text_block,
    text_blocks,
)
from cards.reply import Block, Facts, File, Heading, Level, Notice, Reply, Table, Text
from cards.summary import shorten, summary
from cards.tables import render_blocks

__all__ = [
    "CARD_MAX_BYTES",
    "EXECUTE_VERB",
    "FORM_VERB",
    "TeamsRender",
    "mention_entities",
    "render_adaptive",
]

CARD_MAX_BYTES = 28_000
"""Teams refuses a message over about 28 KB; a card is measured as `json.dumps` writes it."""
SCHEMA_URL = "http://adaptivecards.io/schemas/adaptive-card.json"

# What Teams can mention by UPN; anything else is shown as text, never inside an <at> tag.
_ADDRESS = re.compile(r"[A-Za-z0-9.'+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")

_NOTICE_STYLE = {
    Level.INFO: ("\u2139\ufe0f", "Accent"),
    Level.SUCCESS: ("✅", "Good"),
    Level.WARNING: ("⚠️", "Warning"),
    Level.ERROR: ("❌", "Attention"),
}


@dataclass(frozen=True)
class TeamsRender:
    cards: tuple[dict[str, Any], ...]
    """One Adaptive Card, or several pages past CARD_MAX_BYTES; none for an empty reply."""
    text: str
    """Plain summary for notifications and `activity.text`; never holds the secret."""
    secret_card: dict[str, Any] | None
    """Reply.secret alone, for a 1:1 chat with the requester only."""
    files: tuple[File, ...]
    """Reply.files, then a CSV for each table too big to show whole."""


def render_adaptive(reply: Reply) -> TeamsRender:
    """Render a Reply; raises ValueError for a button or form that no card admits."""
    body, tables = _body(reply)
    if reply.form is not None:
        body.append(form_container(reply.form))
    *groups, last = action_groups(reply.buttons) or [[]]
    body.extend(map(action_set, groups))
    line, entities = mention_entities(reply.mentions)
    if line:
        body.insert(0, text_block(line))
    cards = _pages(body, last)
    if entities:
        cards[0]["msteams"]["entities"] = entities
    return TeamsRender(
        cards=cards,
        text=shorten(summary(reply)),
        secret_card=_secret_card(reply) if reply.secret else None,
        files=(*reply.files, *tables),
    )


def mention_entities(emails: tuple[str, ...]) -> tuple[str, list[Element]]:
    """A line of `<at>address</at>` mentions and the `msteams.entities` naming each person by
    UPN (which Teams accepts as the mentioned id); an address that cannot be one is text.

    Each mention's text is its own address, so no two entities share a text.
    """
    parts: list[str] = []
    entities: list[Element] = []
    for email in dict.fromkeys(e.strip().lower() for e in emails if e.strip()):
        if not _ADDRESS.fullmatch(email):
            parts.append(markdown(email))
            continue
        tag = f"<at>{email}</at>"
        parts.append(tag)
        entities.append({"type": "mention", "text": tag, "mentioned": {"id": email, "name": email}})
    return " ".join(parts), entities


def _body(reply: Reply) -> tuple[list[Element], list[File]]:
    title = text_blocks(reply.title.strip(), size="Large", weight="Bolder")
    elements, files = render_blocks(reply, _block, _table)
    return [*title, *elements], files


def _table(table: Table, filename: str) -> tuple[tuple[Element, ...], File | None]:
    render = render_table(table, filename)
    return render.elements, render.file


def _block(block: Block) -> list[Element]:
    match block:
        case Heading(text=text):
            return text_blocks(text.strip(), weight="Bolder")
        case Text(text=text):
            return text_blocks(text)
        case Notice(level=level, text=text):
            icon, color = _NOTICE_STYLE[level]
            return text_blocks(text, prefix=f"{icon} ", color=color)
        case Facts(items=items):
            return _facts(items)
    raise TypeError(f"unknown block {type(block).__name__}")


def _facts(items: tuple[tuple[str, str], ...]) -> list[Element]:
    """FactSets of bounded size, so long lists page across cards; a fact too long for a
    FactSet gets TextBlocks of its own, in its place."""
    elements: list[Element] = []
    facts: list[Element] = []
    empty = json_size(_fact_set([]))
    used = empty
    for label, value in items:
        fact = {"title": markdown(label), "value": markdown(value)}
        size = json_size(fact) + ITEM_GAP
        if empty + size > PIECE_BYTES:
            elements.extend(_fact_sets(facts))
            facts, used = [], empty
            elements.extend([*text_blocks(label.strip(), weight="Bolder"), *text_blocks(value)])
            continue
        if used + size > PIECE_BYTES:
            elements.extend(_fact_sets(facts))
            facts, used = [], empty
        facts.append(fact)
        used += size
    elements.extend(_fact_sets(facts))
    return elements


def _fact_sets(facts: list[Element]) -> list[Element]:
    return [_fact_set(facts)] if facts else []


def _fact_set(facts: list[Element]) -> Element:
    return {"type": "FactSet", "facts": facts}


def _pages(body: list[Element], actions: list[Element]) -> tuple[dict[str, Any], ...]:
    """The elements in order, as many to a card as fit; the actions on the last card."""
    if not body and not actions:
        return ()
    empty = json_size(_card([]))
    pages: list[list[Element]] = [[]]
    used = empty
    for element in body:
        size = json_size(element) + ITEM_GAP
        if empty + size > CARD_MAX_BYTES:
            raise ValueError(f"a {element['type']} element is too large for any card")
        if used + size > CARD_MAX_BYTES:
            pages.append([])
            used = empty
        pages[-1].append(element)
        used += size
    cards = [_card(page) for page in pages]
    if actions and json_size(_card(pages[-1], actions)) > CARD_MAX_BYTES:
        cards.append(_card([]))
    cards[-1] = _card(cards[-1]["body"], actions)
    return tuple(cards)


def _card(body: list[Element], actions: list[Element] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA_URL,
        "version": "1.5",
        "body": body,
    }
    if actions:
        card["actions"] = actions
    card["msteams"] = {"width": "Full"}
    return card


def _secret_card(reply: Reply) -> dict[str, Any]:
    """The secret as a TextRun (never read as Markdown: it must show exactly as it is), in
    monospace so that l, 1, O and 0 read apart."""
    title = reply.title.strip()
    note = f"🔒 Shown only to you — {title}" if title else "🔒 Shown only to you"
    secret = {"type": "TextRun", "text": reply.secret, "fontType": "Monospace", "size": "Large"}
    body = [*text_blocks(note, isSubtle=True), {"type": "RichTextBlock", "inlines": [secret]}]
    card = _card(body)
    if json_size(card) > CARD_MAX_BYTES:
        raise ValueError("the secret is too long for one card")
    return card
