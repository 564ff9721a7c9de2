"""The e-mail rendering: escaped HTML from the template, the chart inline by cid, plain text;
and `only_rows`, what a line manager may see of a digest."""

from __future__ import annotations

from cards.email import render_email, render_plain
from cards.reply import Button, Facts, File, Heading, Level, Notice, Reply, Table, Text
from cards.subset import only_rows

CHART = File("mfa-contoso.png", "image/png", b"\x89PNG chart")
CSV = File("without-mfa.csv", "text/csv", b"UPN\n")
TABLE = Table(
    ("Name", "UPN"),
    (("<script>alert(1)</script>", "adele@contoso.com"), ("Alex", "alex@contoso.com")),
    title="Without MFA",
)
DIGEST = Reply(
    title="MFA digest: contoso & co",
    blocks=(
        Facts((("MFA coverage", "94%"),)),
        Text("+2 users without MFA: adele@contoso.com, alex@contoso.com"),
        Heading("Without MFA"),
        TABLE,
        Notice(Level.WARNING, "Conditional Access: needs Microsoft Entra ID P1"),
        Heading("Inactive"),
        Table(("Name", "UPN"), (("Lynne", "lynne@contoso.com"),), title="Inactive", total=40),
        Heading("Licences"),
        Table(("Product", "Wasted"), (("E3", "4"),)),
    ),
    buttons=(Button("Run again", command="digest mfa"),),
    files=(CHART, CSV),
)


def test_html_is_escaped_and_shows_the_chart_inline() -> None:
    rendered = render_email(DIGEST)
    assert rendered.subject == "MFA digest: contoso & co"
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered.html
    assert "<script>" not in rendered.html
    assert "contoso &amp; co" in rendered.html
    assert '<img src="cid:chart"' in rendered.html
    assert "<th" in rendered.html and "Without MFA</caption>" in rendered.html
    assert "94%" in rendered.html
    assert "needs Microsoft Entra ID P1" in rendered.html
    assert [(i.content_id, i.file) for i in rendered.inline] == [("chart", CHART)]
    assert rendered.attachments == (CSV,)
    assert "Attached: without-mfa.csv." in rendered.html


def test_a_cut_table_says_how_many_more_rows_there_are() -> None:
    assert "… and 39 more." in render_email(DIGEST).html
    assert "... and 39 more." in render_plain(DIGEST)


def test_plain_text_aligns_table_columns_and_lists_the_files() -> None:
    text = render_plain(Reply(title="T", blocks=(TABLE,), files=(CHART,)))
    assert text.splitlines()[:2] == ["T", "="]
    assert "Name                       UPN" in text
    assert "Alex                       alex@contoso.com" in text
    assert "Attached: mfa-contoso.png" in text


def test_only_rows_keeps_the_kept_people_and_nothing_tenant_wide() -> None:
    subset = only_rows(DIGEST, keep=frozenset({"ADELE@contoso.com"}))
    assert subset.blocks == (
        Heading("Without MFA"),
        Table(
            ("Name", "UPN"), (("<script>alert(1)</script>", "adele@contoso.com"),), "Without MFA"
        ),
    )
    assert subset.files == () and subset.buttons == ()
    assert subset.title == DIGEST.title


def test_only_rows_warns_when_the_table_it_cut_from_was_already_cut() -> None:
    subset = only_rows(DIGEST, keep=frozenset({"lynne@contoso.com"}))
    heading, table, notice = subset.blocks
    assert heading == Heading("Inactive")
    assert isinstance(table, Table) and table.rows == (("Lynne", "lynne@contoso.com"),)
    assert table.total is None
    assert isinstance(notice, Notice) and "first 1 of 40 rows" in notice.text


def test_only_rows_filters_the_data_rows_and_drops_the_metrics() -> None:
    reply = Reply(
        blocks=(TABLE,),
        data={
            "tenant": "contoso",
            "kind": "mfa",
            "metrics": {"mfa_coverage_pct": 94.0},
            "rows": [
                {"id": "1", "userPrincipalName": "adele@contoso.com"},
                {"id": "2", "userPrincipalName": "alex@contoso.com"},
            ],
        },
    )
    subset = only_rows(reply, keep=frozenset({"alex@contoso.com"}))
    assert subset.data == {
        "tenant": "contoso",
        "kind": "mfa",
        "rows": [{"id": "2", "userPrincipalName": "alex@contoso.com"}],
    }
