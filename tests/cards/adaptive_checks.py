"""Checks every Adaptive Card test applies: each card validates against the official 1.5
schema (after stripping `msteams`, which the schema does not know), names its type and
version (which the schema does not require), fits the Teams size limit however it is
serialised, and keeps the Action rules Teams relies on."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft6Validator  # type: ignore[import-untyped]

from cards.adaptive import EXECUTE_VERB, FORM_VERB, TeamsRender
from cards.reply import File

SCHEMA = Path(__file__).resolve().parents[1] / "fixtures" / "schemas" / "adaptive-card-1.5.json"
# Teams's documented limits, written out here so a change to the renderer cannot loosen them.
MAX_CARD_BYTES = 28_000
MAX_ACTIONS = 6
MAX_SUMMARY = 300
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


@cache
def validator() -> Draft6Validator:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    Draft6Validator.check_schema(schema)
    return Draft6Validator(schema)


def schema_errors(card: dict[str, Any]) -> list[str]:
    stripped = {key: value for key, value in card.items() if key != "msteams"}
    return [error.message for error in validator().iter_errors(stripped)]


def checked(render: TeamsRender) -> TeamsRender:
    """The render, after asserting the schema, the size and the action rules on every card."""
    for card in all_cards(render):
        assert_valid_card(card)
    assert render.text
    assert len(render.text) <= MAX_SUMMARY
    return render


def assert_mentions_match(card: dict[str, Any]) -> None:
    """Each mention entity's text appears in the card once; Teams matches them by text."""
    text = json.dumps(card["body"], ensure_ascii=False)
    texts = [entity["text"] for entity in card["msteams"].get("entities", [])]
    assert len(set(texts)) == len(texts)
    for mention in texts:
        assert text.count(mention) == 1, mention


def all_cards(render: TeamsRender) -> list[dict[str, Any]]:
    return [*render.cards, *([render.secret_card] if render.secret_card else [])]


def assert_valid_card(card: dict[str, Any]) -> None:
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["msteams"]["width"] == "Full"
    assert set(card["msteams"]) <= {"width", "entities"}
    assert_mentions_match(card)
    assert schema_errors(card) == []
    assert len(json.dumps(card).encode("utf-8")) <= MAX_CARD_BYTES
    compact = json.dumps(card, ensure_ascii=False, separators=(",", ":"))
    assert len(compact.encode("utf-8")) <= MAX_CARD_BYTES
    for actions in action_lists(card):
        assert 1 <= len(actions) <= MAX_ACTIONS
    for action in nodes(card, "Action.Execute"):
        assert action["fallback"] == "drop" or isinstance(action["fallback"], dict)
        assert action["verb"] in (EXECUTE_VERB, FORM_VERB)
        assert list(action["data"]) == (["action"] if action["verb"] == EXECUTE_VERB else ["form"])


def nodes(node: Any, kind: str, *, skip: str = "") -> Iterator[dict[str, Any]]:
    """Every object of `type` `kind` anywhere in a payload, in document order, leaving out
    whatever lies inside objects of `type` `skip`."""
    if isinstance(node, dict):
        if node.get("type") == kind:
            yield node
        if not skip or node.get("type") != skip:
            for value in node.values():
                yield from nodes(value, kind, skip=skip)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from nodes(item, kind, skip=skip)


def action_lists(card: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """The card's own actions and each ActionSet's, in document order (body first)."""
    sets = [action_set["actions"] for action_set in nodes(card["body"], "ActionSet")]
    return [*sets, *([card["actions"]] if "actions" in card else [])]


def unescape(markdown: str) -> str:
    """What Teams shows for a TextBlock's Markdown: escapes undone, paragraphs as lines."""
    return _ESCAPE.sub(r"\1", markdown.replace("\n\n", "\n"))


def shown_texts(render: TeamsRender) -> list[str]:
    """Every TextBlock of the cards outside tables, as Teams shows it, in order."""
    return [unescape(block["text"]) for block in nodes(render.cards, "TextBlock", skip="Table")]


def table_rows(render: TeamsRender) -> list[list[str]]:
    """The rows of every Table of the cards, unescaped, header rows included."""
    return [
        [unescape(cell["items"][0]["text"]) for cell in row["cells"]]
        for table in nodes(render.cards, "Table")
        for row in table["rows"]
    ]


def csv_rows(file: File) -> list[list[str]]:
    return list(csv.reader(io.StringIO(file.content.decode("utf-8"))))


def file_json(file: File) -> dict[str, str]:
    text = file.media_type.startswith("text/")
    content = file.content.decode("utf-8") if text else base64.b64encode(file.content).decode()
    return {"filename": file.filename, "media_type": file.media_type, "content": content}
