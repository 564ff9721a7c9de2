"""Teams' limits are kept by splitting, paging or attaching a file; nothing goes missing."""

from __future__ import annotations

import json

from cards.adaptive import render_adaptive
from cards.reply import Button, Facts, File, Heading, Level, Notice, Reply, Table, Text
from tests.cards.adaptive_checks import (
    MAX_CARD_BYTES,
    action_lists,
    checked,
    csv_rows,
    nodes,
    shown_texts,
    table_rows,
)
from tests.cards.replies import users_rows

COLUMNS = ("name", "upn", "enabled", "products", "mfa", "lastactive")


def data_rows(rows: list[list[str]]) -> list[list[str]]:
    return [row for row in rows if row != list(COLUMNS)]


def test_300_row_table_shows_40_rows_and_attaches_every_row_as_csv() -> None:
    rows = users_rows(300)
    render = checked(render_adaptive(Reply(title="300 users", blocks=(Table(COLUMNS, rows),))))

    assert data_rows(table_rows(render)) == [list(row) for row in rows[:40]]
    (csv_file,) = render.files
    assert csv_file.filename == "300-users.csv"
    assert csv_file.media_type == "text/csv"
    assert csv_rows(csv_file) == [list(COLUMNS), *map(list, rows)]
    assert shown_texts(render)[-1] == (
        "Showing 40 of 300 rows — all rows in the attached CSV, 300-users.csv."
    )


def test_table_elements_repeat_the_header_and_mark_it_as_one() -> None:
    render = checked(render_adaptive(Reply(blocks=(Table(COLUMNS, users_rows(40)),))))

    tables = list(nodes(render.cards, "Table"))
    assert len(tables) > 1
    for table in tables:
        assert table["firstRowAsHeader"] is True
        assert len(table["columns"]) == len(COLUMNS)
        header = table["rows"][0]["cells"]
        assert [cell["items"][0]["text"] for cell in header] == list(COLUMNS)
        assert all(cell["items"][0]["weight"] == "Bolder" for cell in header)
    assert not render.files


def test_table_total_beyond_its_rows_is_stated() -> None:
    render = checked(render_adaptive(Reply(blocks=(Table(COLUMNS, users_rows(10), total=312),))))

    assert shown_texts(render) == ["Showing 10 of 312 rows."]
    assert not render.files


def test_a_row_too_large_for_a_table_element_stops_the_rows_shown_and_goes_to_the_csv() -> None:
    rows = (("a", "short"), ("b", "short"), ("c", "y" * 25_000), ("d", "short"))
    render = checked(render_adaptive(Reply(blocks=(Table(("id", "note"), rows, "Notes"),))))

    assert [row[0] for row in table_rows(render)] == ["id", "a", "b"]
    assert csv_rows(render.files[0])[1:] == [list(row) for row in rows]
    assert render.files[0].filename == "notes.csv"


def test_an_empty_table_shows_its_header_and_says_no_rows() -> None:
    render = checked(render_adaptive(Reply(blocks=(Table(COLUMNS, ()),))))

    assert table_rows(render) == [list(COLUMNS)]
    assert shown_texts(render) == ["No rows."]


def test_csv_cells_that_spreadsheets_would_run_as_formulas_stay_text() -> None:
    rows = tuple((f'=HYPERLINK("x",{i})', "@risk") for i in range(45))
    render = checked(render_adaptive(Reply(blocks=(Table(("name", "note"), rows),))))

    assert csv_rows(render.files[0])[1] == ['\'=HYPERLINK("x",0)', "'@risk"]


def test_csv_names_never_collide_with_each_other_or_reply_files() -> None:
    big = Table(("n",), tuple((str(i),) for i in range(41)), title="Users")
    reply = Reply(blocks=(big, big), files=(File("users.csv", "text/csv", b"n\r\n"),))
    render = checked(render_adaptive(reply))

    assert [file.filename for file in render.files] == ["users.csv", "users-2.csv", "users-3.csv"]


def test_60_facts_are_kept_in_order_across_fact_sets() -> None:
    items = tuple((f"label {i}", f"value {i}") for i in range(60))
    render = checked(render_adaptive(Reply(blocks=(Facts(items),))))

    facts = [fact for fact_set in nodes(render.cards, "FactSet") for fact in fact_set["facts"]]
    assert [(fact["title"], fact["value"]) for fact in facts] == list(items)


def test_many_long_facts_split_into_fact_sets_that_page_across_cards() -> None:
    items = tuple((f"label {i}", f"value {i} " + "v" * 900) for i in range(60))
    render = checked(render_adaptive(Reply(blocks=(Facts(items),))))

    fact_sets = list(nodes(render.cards, "FactSet"))
    assert len(render.cards) > 1
    assert len(fact_sets) > len(render.cards)
    titles = [fact["title"] for fact_set in fact_sets for fact in fact_set["facts"]]
    assert titles == [f"label {i}" for i in range(60)]


def test_a_fact_too_long_for_a_fact_set_gets_its_own_text_blocks_in_place() -> None:
    items = (("before", "1"), ("log", "z " * 5000), ("after", "2"))
    render = checked(render_adaptive(Reply(blocks=(Facts(items),))))

    kinds = [element["type"] for card in render.cards for element in card["body"]]
    assert kinds[0] == "FactSet" and kinds[-1] == "FactSet"
    texts = shown_texts(render)
    assert texts[0] == "log"
    assert " ".join(texts[1:]).split() == ["z"] * 5000


def test_30_buttons_make_six_to_a_row_in_order_with_the_last_row_as_card_actions() -> None:
    buttons = tuple(Button(f"Step {i}", f"pa_{i}") for i in range(30))
    (card,) = checked(render_adaptive(Reply(title="Steps", buttons=buttons))).cards

    rows = action_lists(card)
    assert [len(row) for row in rows] == [6] * 5
    assert card["actions"] == rows[-1]
    ids = [action["data"]["action"] for row in rows for action in row]
    assert ids == [f"pa_{i}" for i in range(30)]


def test_60_kb_of_text_pages_into_cards_under_28_kb_keeping_every_word() -> None:
    words = [f"w{i}*_<>" for i in range(6000)]
    reply = Reply(title="Log", blocks=(Text(" ".join(words)),), buttons=(Button("Done", "fu"),))
    render = checked(render_adaptive(reply))

    assert len(render.cards) >= 3
    assert all(len(json.dumps(card)) <= MAX_CARD_BYTES for card in render.cards)
    texts = shown_texts(render)
    assert texts[0] == "Log"
    assert " ".join(texts[1:]).split() == words
    assert [("actions" in card) for card in render.cards][-1] is True
    assert not any("actions" in card for card in render.cards[:-1])


def test_non_ascii_text_is_measured_by_its_escaped_size() -> None:
    text = "é🙂" * 20_000
    render = checked(render_adaptive(Reply(blocks=(Notice(Level.WARNING, text),))))

    prefix = "⚠️ "
    pieces = shown_texts(render)
    assert len(render.cards) > 1
    assert all(piece.startswith(prefix) for piece in pieces)
    assert "".join(piece.removeprefix(prefix) for piece in pieces) == text


def test_actions_move_to_a_card_of_their_own_when_the_last_page_is_full() -> None:
    filler = Text("x" * 3_900)
    confirm = "c" * 2_500
    buttons = tuple(Button(f"B{i}", f"b{i}", "danger", confirm) for i in range(6))
    render = checked(render_adaptive(Reply(blocks=(filler,) * 6, buttons=buttons)))

    *pages, last = render.cards
    assert last["body"] == []
    assert len(last["actions"]) == 6
    assert sum(len(page["body"]) for page in pages) == 6


def test_every_part_of_a_huge_reply_is_present_across_cards_or_files() -> None:
    facts = Facts(tuple((f"fact {i}", str(i)) for i in range(60)))
    table = Table(COLUMNS, users_rows(300), "People")
    text = Text("word " * 12_000)
    buttons = tuple(Button(f"B{i}", f"b{i}") for i in range(30))
    reply = Reply(title="T" * 200, blocks=(facts, table, text, Heading("end")), buttons=buttons)
    render = checked(render_adaptive(reply))

    assert len(render.cards) > 2
    assert len(csv_rows(render.files[0])) == 301
    assert len(data_rows(table_rows(render))) == 40
    ids = [a["data"]["action"] for card in render.cards for row in action_lists(card) for a in row]
    assert ids == [f"b{i}" for i in range(30)]
    assert shown_texts(render)[0] == "T" * 200
    assert shown_texts(render)[-1] == "end"
    assert sum(len(fact_set["facts"]) for fact_set in nodes(render.cards, "FactSet")) == 60
    assert sum(text.count("word") for text in shown_texts(render)) == 12_000


def test_notification_text_is_the_title_and_first_notice_kept_short() -> None:
    reply = Reply(title="Offboarding", blocks=(Text("a"), Notice(Level.WARNING, "n " * 5000)))
    render = checked(render_adaptive(reply))

    assert render.text.startswith("Offboarding — n n")
    assert render.text.endswith("…")
    assert len(render.text) <= 300


def test_notification_text_falls_back_to_the_first_words_shown() -> None:
    render = checked(render_adaptive(Reply(blocks=(Facts((("a", "b"),)), Heading("Groups")))))

    assert render.text == "Groups"


def test_an_empty_reply_renders_no_card() -> None:
    render = checked(render_adaptive(Reply()))

    assert render.cards == ()
    assert render.text == "Deskhand"
