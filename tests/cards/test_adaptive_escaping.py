"""Data can never become formatting, a link, an HTML tag or a mention in Teams."""

from __future__ import annotations

import json
import re

import pytest

from cards.adaptive import render_adaptive
from cards.adaptive_text import markdown
from cards.reply import Reply, Text
from tests.cards.adaptive_checks import checked, nodes, shown_texts, table_rows, unescape
from tests.cards.replies import hostile_reply

HOSTILE = "[click](https://evil.example) <at>Everyone</at> **bold** _it_ `code` # &amp; ~x~ \\"
# An escape-free special character: one not preceded by an odd run of backslashes.
UNESCAPED = re.compile(r"(?<!\\)(?:\\\\)*[*_\[\]<>#`~&|]")


def markdown_texts(render: object) -> list[str]:
    """Every string Teams reads as Markdown: TextBlocks and both sides of each fact."""
    blocks = [block["text"] for block in nodes(render, "TextBlock")]
    facts = [fact for fact_set in nodes(render, "FactSet") for fact in fact_set["facts"]]
    return blocks + [fact[side] for fact in facts for side in ("title", "value")]


def test_every_markdown_text_has_its_special_characters_escaped() -> None:
    render = checked(render_adaptive(hostile_reply(HOSTILE)))

    texts = markdown_texts(list(render.cards))
    assert len(texts) >= 9
    for text in texts:
        assert not UNESCAPED.search(text), text


def test_escaped_data_reads_back_as_written() -> None:
    render = checked(render_adaptive(hostile_reply(HOSTILE)))

    shown = shown_texts(render)
    assert shown.count(HOSTILE) == 4  # title, heading, text, table title
    assert f"⚠️ {HOSTILE}" in shown
    assert table_rows(render)[1] == [HOSTILE, "x"]
    (fact_set,) = nodes(list(render.cards), "FactSet")
    assert [unescape(fact_set["facts"][0][side]) for side in ("title", "value")] == [HOSTILE] * 2
    (confirm,) = nodes(list(render.cards), "Action.ShowCard")
    assert unescape(confirm["card"]["body"][0]["text"]) == f"Block {HOSTILE}?"


def test_no_card_holds_an_at_mention_tag() -> None:
    render = checked(render_adaptive(hostile_reply(HOSTILE)))

    assert "<at>" not in json.dumps(render.cards, ensure_ascii=False)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- not a list", "\\- not a list"),
        ("+ not a list", "\\+ not a list"),
        ("12. not numbered", "12\\. not numbered"),
        ("3) not numbered", "3\\) not numbered"),
        ("===", "\\==="),
        ("> not a quote", "\\> not a quote"),
        ("a - b 1. c", "a - b 1. c"),
    ],
)
def test_line_start_markers_are_escaped_only_where_they_would_format(
    line: str, expected: str
) -> None:
    assert markdown(line) == expected
    assert unescape(expected) == line


def test_each_line_becomes_a_paragraph_so_line_breaks_survive() -> None:
    text = "first line\n- second\nthird"
    render = checked(render_adaptive(Reply(blocks=(Text(text),))))

    (block,) = nodes(list(render.cards), "TextBlock")
    assert block["text"] == "first line\n\n\\- second\n\nthird"
    assert shown_texts(render) == [text]


def test_secret_is_an_exact_text_run_absent_from_cards_and_notification_text() -> None:
    secret = "p:*x*_y_[a](b)<at>z</at>\\"
    render = checked(
        render_adaptive(Reply(title="Password reset", blocks=(Text("Done"),), secret=secret))
    )

    assert render.secret_card is not None
    (run,) = nodes(render.secret_card, "TextRun")
    assert run["text"] == secret
    assert run["fontType"] == "Monospace"
    assert (
        unescape(render.secret_card["body"][0]["text"]) == "🔒 Shown only to you — Password reset"
    )
    assert secret not in json.dumps(render.cards, ensure_ascii=False)
    assert secret not in render.text


def test_secret_too_long_for_one_card_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="secret"):
        render_adaptive(Reply(secret="s" * 30_000))


def test_a_secret_alone_renders_only_the_secret_card() -> None:
    render = checked(render_adaptive(Reply(secret="Tmp-1")))

    assert render.cards == ()
    assert render.secret_card is not None


def test_notification_text_is_plain_and_unescaped() -> None:
    render = checked(render_adaptive(Reply(title="Sales & Marketing *team*")))

    assert render.text == "Sales & Marketing *team*"
