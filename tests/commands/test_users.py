from __future__ import annotations

import csv
import io
import re
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from rich.console import Console

from bot.channels.console import ConsoleSession
from bot.process.runtime import Runtime
from tests.commands.replies import column, notices, tables, text
from tests.commands.sandbox_state import sandbox_of
from tests.plugins.runtime import OPERATOR, Ask


def names(reply_text_table: object) -> set[str]:
    return set(column(reply_text_table, "name"))  # type: ignore[arg-type]


async def test_members_are_listed_with_the_default_columns(ask: Ask) -> None:
    reply = await ask("/users")
    table = tables(reply)[0]
    assert table.columns == ("name", "upn", "enabled", "products", "mfa", "lastactive")
    assert "Adele Vance" in names(table)
    assert "Jordan Miller" not in names(table)  # a guest
    assert table.total == len(table.rows)


async def test_mfa_filter_finds_who_has_no_method(ask: Ask) -> None:
    reply = await ask("/users --mfa unregistered --columns name,mfa")
    table = tables(reply)[0]
    assert {"Lynne Robbins", "Diego Siciliani"} <= names(table)
    assert set(column(table, "mfa")) == {"none"}


async def test_inactive_filter_counts_never_as_inactive(ask: Ask) -> None:
    table = tables(await ask("/users --inactive 90"))[0]
    assert {"Megan Bowen", "Diego Siciliani"} <= names(table)
    assert "Adele Vance" not in names(table)


async def test_filters_combine(ask: Ask) -> None:
    table = tables(await ask("/users --disabled --licensed"))[0]
    assert names(table) == {"Alex Wilber"}
    assert names(tables(await ask("/users --synced"))[0]) == {"Lee Gu"}
    assert names(tables(await ask("/users --guests"))[0]) == {"Jordan Miller"}


async def test_department_and_domain_filters(ask: Ask) -> None:
    table = tables(await ask('/users --department "Sales & Marketing" --columns name,department'))[
        0
    ]
    assert table.rows and set(column(table, "department")) == {"Sales & Marketing"}
    assert tables(await ask("/users --domain fabrikam.com"))[0].rows == ()


async def test_without_p1_inactive_is_refused_clearly(ask: Ask) -> None:
    reply = await ask("/users --tenant fabrikam --inactive 30")
    assert reply.failed
    assert "lacks Microsoft Entra ID P1" in text(reply)


async def test_without_p1_mfa_comes_from_each_users_methods(ask: Ask) -> None:
    reply = await ask("/users --tenant fabrikam --columns name,mfa,lastactive")
    table = tables(reply)[0]
    assert dict(zip(column(table, "name"), column(table, "mfa"), strict=True))["Ben Walters"] == (
        "none"
    )
    assert set(column(table, "lastactive")) == {"unknown"}
    assert "Last active: needs Microsoft Entra ID P1." in notices(reply)


async def test_contradicting_flags_are_a_usage_error(ask: Ask) -> None:
    reply = await ask("/users --licensed --unlicensed")
    assert reply.failed
    assert "--licensed and --unlicensed cannot be used together" in text(reply)
    assert "Usage: /users" in text(reply)


async def test_unknown_column_names_the_choices(ask: Ask) -> None:
    reply = await ask("/users --columns name,shoesize")
    assert reply.failed
    assert "--columns" in text(reply)


async def test_csv_export_holds_every_row_and_defuses_formulas(ask: Ask, runtime: Runtime) -> None:
    assert runtime.sandbox is not None
    contoso = runtime.sandbox.tenant("contoso").directory
    adele = next(u for u in contoso.users.values() if u.display_name == "Adele Vance")
    contoso.users[adele.id] = replace(adele, display_name='=HYPERLINK("http://evil")')
    reply = await ask("/users --export csv --columns name,upn")
    rows = list(csv.reader(io.StringIO(reply.files[0].content.decode())))
    assert rows[0][:2] == ["name", "upn"]
    assert len(rows) - 1 == tables(reply)[0].total
    assert ['\'=HYPERLINK("http://evil")', "adele.vance@contoso.com"] in [r[:2] for r in rows]


async def test_xlsx_export_is_a_real_workbook(ask: Ask, runtime: Runtime) -> None:
    assert runtime.sandbox is not None
    contoso = runtime.sandbox.tenant("contoso").directory
    adele = next(u for u in contoso.users.values() if u.display_name == "Adele Vance")
    contoso.users[adele.id] = replace(adele, display_name="=SUM(1,2)\x07")
    reply = await ask("/users --export xlsx --columns name,upn")
    workbook = openpyxl.load_workbook(io.BytesIO(reply.files[0].content))
    sheet = workbook["Users"]
    assert [cell.value for cell in sheet[1]][:2] == ["name", "upn"]
    assert sheet.max_row - 1 == tables(reply)[0].total
    names = {row[0].value: row[0].data_type for row in sheet.iter_rows(min_row=2)}
    assert names["=SUM(1,2)"] == "s"


@pytest.mark.parametrize("line", ["/users", "/licenses", "/users --inactive 30"])
async def test_listings_with_sign_in_activity_ask_for_graphs_page_limit(
    ask: Ask, runtime: Runtime, line: str
) -> None:
    await ask(line)
    listings = [r.query for r in sandbox_of(runtime).requests if r.path == "/v1.0/users"]
    with_sign_ins = [q for q in listings if "signInActivity" in q.get("$select", "")]
    assert with_sign_ins
    assert {q["$top"] for q in with_sign_ins} == {"120"}


async def test_an_export_is_named_for_tenant_command_and_time_with_iso_times(ask: Ask) -> None:
    reply = await ask("/users --export csv --columns name,created,lastactive")
    [file] = reply.files
    assert re.fullmatch(r"contoso-users-\d{8}T\d{6}Z\.csv", file.filename), file.filename
    rows = list(csv.DictReader(io.StringIO(file.content.decode())))
    adele = next(row for row in rows if row["name"] == "Adele Vance")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", adele["created"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", adele["lastactive"])
    assert "ago" not in file.content.decode()


async def test_an_export_never_overwrites_an_earlier_file(runtime: Runtime, tmp_path: Path) -> None:
    session = ConsoleSession(
        runtime.router,
        Console(file=io.StringIO()),
        Console(file=io.StringIO()),
        tmp_path / "exports",
        OPERATOR,
    )
    first = await session.run_line("/users --export csv", terse=True)
    taken = tmp_path / "exports" / first.files[0].filename
    taken.write_text("the operator's earlier file")
    await session.run_line("/users --export csv", terse=True)
    saved = sorted(path.name for path in (tmp_path / "exports").iterdir())
    assert len(saved) >= 2
    assert taken.read_text() == "the operator's earlier file"
