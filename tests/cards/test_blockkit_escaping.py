"""Data can never become a mention, a link or a broadcast in Slack."""

from __future__ import annotations

import re

from cards.blockkit import render_blockkit
from cards.reply import Reply, Table
from tests.cards.replies import hostile_reply
from tests.cards.slack_checks import checked, code_lines, mrkdwn_texts, section_texts

HOSTILE = "<!channel> <@U024BE7LH> <https://evil.example|click> & @here"
RAW_ENTITY = re.compile(r"&(?!amp;|lt;|gt;)")


def test_every_mrkdwn_text_is_escaped_and_verbatim() -> None:
    render = checked(render_blockkit(hostile_reply(HOSTILE)))

    texts = list(mrkdwn_texts([message.blocks for message in render.messages]))
    assert len(texts) >= 7
    for text in texts:
        assert "<" not in text["text"] and ">" not in text["text"]
        assert not RAW_ENTITY.search(text["text"])
        assert text["verbatim"] is True


def test_escaped_data_reads_back_as_written() -> None:
    render = checked(render_blockkit(hostile_reply(HOSTILE)))

    assert f":warning: {HOSTILE}" in section_texts(render)
    assert f"*{HOSTILE}*" in section_texts(render)
    assert any(line.startswith(HOSTILE) for line in code_lines(render))


def test_notification_text_cannot_mention_anyone() -> None:
    render = render_blockkit(hostile_reply(HOSTILE))

    (message,) = render.messages
    assert "<" not in message.text
    assert message.text.startswith("&lt;!channel&gt;")


def test_backticks_in_a_cell_cannot_close_the_table_code_block() -> None:
    render = checked(render_blockkit(Reply(blocks=(Table(("n",), (("a```<!here>",),)),))))

    (text,) = section_texts(render)
    assert text.count("```") == 2
    assert text.endswith("\n```")


def test_secret_is_plain_text_without_emoji_codes_and_absent_from_notifications() -> None:
    secret = "p:cd:*x*_y_<!channel>"
    render = checked(render_blockkit(Reply(title="Password reset", secret=secret)))

    assert render.messages[0].blocks[0]["type"] == "header"
    assert render.secret is not None
    shown = render.secret.blocks[1]["text"]
    assert shown == {"type": "plain_text", "text": secret, "emoji": False}
    assert secret not in render.secret.text
    assert all(secret not in message.text for message in render.messages)
    assert all(secret not in str(message.blocks) for message in render.messages)


def test_long_secret_is_cut_at_exact_lengths_keeping_every_character() -> None:
    secret = "ab cd " * 1000
    render = checked(render_blockkit(Reply(secret=secret)))

    assert render.secret is not None
    assert render.messages == ()
    pieces = [block["text"]["text"] for block in render.secret.blocks[1:]]
    assert "".join(pieces) == secret
