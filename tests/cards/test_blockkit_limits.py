"""Slack's limits are kept by splitting, paging or attaching a file; nothing goes missing."""

from __future__ import annotations

import html

from cards.blockkit import render_blockkit
from cards.reply import Button, Facts, File, Heading, Level, Notice, Reply, Table, Text
from tests.cards.replies import users_rows
from tests.cards.slack_checks import (
    all_blocks,
    checked,
    code_lines,
    context_texts,
    csv_rows,
    section_texts,
)

COLUMNS = ("name", "upn", "enabled", "products", "mfa", "lastactive")


def test_300_row_table_shows_the_first_rows_and_attaches_every_row_as_csv() -> None:
    rows = users_rows(300)
    render = checked(render_blockkit(Reply(title="300 users", blocks=(Table(COLUMNS, rows),))))

    shown = [line for line in code_lines(render) if not line.startswith("name ")]
    assert len(shown) == 40
    assert [line.split("  ")[0].strip() for line in shown] == [row[0] for row in rows[:40]]
    (csv_file,) = render.files
    assert csv_file.filename == "300-users.csv"
    assert csv_file.media_type == "text/csv"
    assert csv_rows(csv_file) == [list(COLUMNS), *map(list, rows)]
    assert context_texts(render) == [
        "Showing 40 of 300 rows — all rows in the attached CSV, 300-users.csv."
    ]


def test_table_sections_repeat_the_header_and_stay_under_3000_characters() -> None:
    wide = tuple((f"user {i}", "x" * 180) for i in range(40))
    render = checked(render_blockkit(Reply(blocks=(Table(("name", "note"), wide),))))

    tables = [text for text in section_texts(render) if text.startswith("```")]
    assert len(tables) > 1
    assert all(text.split("\n")[1].startswith("name ") for text in tables)
    assert not render.files


def test_table_total_beyond_its_rows_is_stated() -> None:
    table = Table(COLUMNS, users_rows(10), total=312)
    render = checked(render_blockkit(Reply(blocks=(table,))))

    assert context_texts(render) == ["Showing 10 of 312 rows."]
    assert not render.files


def test_a_row_too_wide_for_a_section_stops_the_shown_rows_and_goes_to_the_csv() -> None:
    rows = (("a", "short"), ("b", "short"), ("c", "y" * 5000), ("d", "short"))
    render = checked(render_blockkit(Reply(blocks=(Table(("id", "note"), rows, "Notes"),))))

    assert [line.split()[0] for line in code_lines(render)] == ["id", "a", "b"]
    assert csv_rows(render.files[0])[1:] == [list(row) for row in rows]


def test_csv_cells_that_spreadsheets_would_run_as_formulas_stay_text() -> None:
    rows = tuple((f'=HYPERLINK("x",{i})', "@risk") for i in range(45))
    render = checked(render_blockkit(Reply(blocks=(Table(("name", "note"), rows),))))

    assert csv_rows(render.files[0])[1] == ['\'=HYPERLINK("x",0)', "'@risk"]


def test_csv_names_never_collide_with_each_other_or_reply_files() -> None:
    big = Table(("n",), tuple((str(i),) for i in range(41)), title="Users")
    reply = Reply(blocks=(big, big), files=(File("users.csv", "text/csv", b"n\r\n"),))
    render = checked(render_blockkit(reply))

    assert [file.filename for file in render.files] == ["users.csv", "users-2.csv", "users-3.csv"]


def test_60_facts_become_sections_of_at_most_10_fields_in_order() -> None:
    items = tuple((f"label {i}", f"value {i}") for i in range(60))
    render = checked(render_blockkit(Reply(blocks=(Facts(items),))))

    sections = all_blocks(render)
    assert [len(block["fields"]) for block in sections] == [10] * 6
    fields = [field["text"] for block in sections for field in block["fields"]]
    assert fields == [f"*label {i}*\nvalue {i}" for i in range(60)]


def test_a_fact_too_long_for_a_field_gets_its_own_sections_in_place() -> None:
    items = (("before", "1"), ("log", "z " * 2500), ("after", "2"))
    render = checked(render_blockkit(Reply(blocks=(Facts(items),))))

    kinds = [
        "fields" if "fields" in block else block["text"]["text"][:5] for block in all_blocks(render)
    ]
    assert kinds == ["fields", "*log*", "z z z", "z z z", "fields"]
    values = [text for text in section_texts(render) if text.startswith("z")]
    assert " ".join(values).split() == ["z"] * 2500


def test_30_buttons_make_two_actions_blocks_with_every_button() -> None:
    buttons = tuple(Button(f"Step {i}", f"pa_{i}") for i in range(30))
    render = checked(render_blockkit(Reply(title="Steps", buttons=buttons)))

    actions = [block for block in all_blocks(render) if block["type"] == "actions"]
    assert [len(block["elements"]) for block in actions] == [25, 5]
    values = [element["value"] for block in actions for element in block["elements"]]
    assert values == [f"pa_{i}" for i in range(30)]


def test_10000_character_text_splits_into_sections_keeping_every_word() -> None:
    words = [f"w{i}&<>" for i in range(1200)]
    render = checked(render_blockkit(Reply(blocks=(Text(" ".join(words)),))))

    texts = section_texts(render)
    assert len(texts) >= 4
    assert " ".join(texts).split() == words


def test_text_without_spaces_splits_mid_word_losing_nothing() -> None:
    text = "&" * 10_000
    render = checked(render_blockkit(Reply(blocks=(Notice(Level.ERROR, text),))))

    prefix = ":x: "
    texts = section_texts(render)
    assert all(piece.startswith(prefix) for piece in texts)
    assert "".join(piece.removeprefix(prefix) for piece in texts) == text


def test_200_character_title_goes_into_a_section_whole() -> None:
    title = "Offboarding " + "x" * 188
    render = checked(render_blockkit(Reply(title=title, blocks=(Text("body"),))))

    first = all_blocks(render)[0]
    assert first["type"] == "section"
    assert html.unescape(first["text"]["text"]) == f"*{title}*"


def test_more_than_50_blocks_page_into_messages_in_order() -> None:
    blocks = tuple(Heading(f"part {i}") for i in range(120))
    buttons = (Button("Done", "fu_done"),)
    render = checked(render_blockkit(Reply(title="Long", blocks=blocks, buttons=buttons)))

    assert [len(message.blocks) for message in render.messages] == [50, 50, 22]
    assert [message.text for message in render.messages] == [
        "Long (1 of 3)",
        "Long (2 of 3)",
        "Long (3 of 3)",
    ]
    texts = section_texts(render)
    assert texts == [f"*part {i}*" for i in range(120)]
    assert render.messages[-1].blocks[-1]["type"] == "actions"


def test_every_part_of_a_huge_reply_is_present_across_pages_or_files() -> None:
    facts = Facts(tuple((f"fact {i}", str(i)) for i in range(60)))
    table = Table(COLUMNS, users_rows(300), "People")
    text = Text("word " * 2000)
    buttons = tuple(Button(f"B{i}", f"b{i}") for i in range(30))
    reply = Reply(title="T" * 200, blocks=(facts, table, text, Heading("end")), buttons=buttons)
    render = checked(render_blockkit(reply))

    assert len(csv_rows(render.files[0])) == 301
    actions = [block for block in all_blocks(render) if block["type"] == "actions"]
    buttons_shown = [button for block in actions for button in block["elements"]]
    assert [button["value"] for button in buttons_shown] == [f"b{i}" for i in range(30)]
    assert section_texts(render)[-1] == "*end*"
    fields = [f for block in all_blocks(render) for f in block.get("fields", [])]
    assert len(fields) == 60


def test_notification_text_is_the_title_and_first_notice_kept_short() -> None:
    reply = Reply(title="Offboarding", blocks=(Text("a"), Notice(Level.WARNING, "n " * 5000)))
    (message,) = checked(render_blockkit(reply)).messages

    assert message.text.startswith("Offboarding — n n")
    assert message.text.endswith("…")
    assert len(message.text) <= 300
