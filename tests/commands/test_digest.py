from __future__ import annotations

import csv
import dataclasses
import io
from datetime import UTC, datetime, timedelta

import pytest

from bot.process.runtime import Runtime
from cards.reply import Reply
from commands import digest
from commands.digest import DigestArgs, digest_mfa
from commands.kit.context import CommandContext
from commands.kit.services import Snapshot
from core.errors import UserError
from core.identity import TenantInfo
from integrations.graph import GraphClient
from tests.commands.replies import column, facts, tables, text
from tests.plugins.runtime import OPERATOR, Ask

PNG = b"\x89PNG\r\n\x1a\n"


def files(reply: Reply) -> dict[str, bytes]:
    return {file.filename: file.content for file in reply.files}


async def test_mfa_shows_coverage_and_who_to_act_on_by_upn(ask: Ask) -> None:
    reply = await ask("/digest mfa --tenant fabrikam")

    assert not reply.failed
    assert facts(reply)["MFA coverage"] == "80 % (4 of 5)"
    assert facts(reply)["Enforced, not registered"] == "1"
    people = tables(reply)[0]
    status = dict(zip(column(people, "UPN"), column(people, "status"), strict=True))
    assert status == {"ben.walters@fabrikam.com": "enforced, not registered"}
    assert "Conditional Access: needs Microsoft Entra ID P1" in text(reply)
    assert isinstance(reply.data, dict)
    assert reply.data["tenant"] == "fabrikam" and reply.data["kind"] == "mfa"
    assert reply.data["metrics"]["mfa_coverage_pct"] == 80.0
    (row,) = reply.data["rows"]
    assert (row["userPrincipalName"], row["mfaClass"]) == (
        "ben.walters@fabrikam.com",
        "enforced-not-registered",
    )


async def test_each_kind_attaches_its_trend_chart(ask: Ask) -> None:
    for kind in ("mfa", "inactive", "licences"):
        reply = await ask(f"/digest {kind}")
        name = f"{kind.replace('licences', 'licenses')}-contoso.png"
        chart = files(reply)[name]
        assert chart.startswith(PNG) and len(chart) < 1_000_000
        assert "First digest" in text(reply)


async def test_inactive_and_licences_list_people_under_upn(ask: Ask) -> None:
    inactive = tables(await ask("/digest inactive"))[0]
    assert "megan.bowen@contoso.com" in column(inactive, "UPN")
    licences = await ask("/digest licenses")
    wasted = next(t for t in tables(licences) if "UPN" in t.columns)
    why = dict(zip(column(wasted, "UPN"), column(wasted, "why"), strict=True))
    assert why["alex.wilber@contoso.com"] == "sign-in blocked"
    assert why["megan.bowen@contoso.com"] == "inactive"


async def test_the_change_since_the_last_snapshot_names_who_came_and_went(
    ask: Ask, runtime: Runtime
) -> None:
    trends = runtime.contexts.trends
    assert trends is not None
    yesterday = datetime.now(UTC) - timedelta(days=1)
    await trends.record(
        Snapshot(
            tenant="fabrikam",
            kind="mfa",
            day=yesterday.date(),
            metrics={"mfa_coverage_pct": 60.0, "without_mfa": 1.0},
            flagged={
                "without_mfa": ("gone@fabrikam.com",),
                "registered_not_enforced": (),
                "enforced_not_registered": (),
            },
            taken_at=yesterday,
        )
    )

    reply = await ask("/digest mfa --tenant fabrikam")

    said = text(reply)
    assert f"Since {yesterday:%d %b %Y}" in said
    assert "+1 enforced but not registered: ben.walters@fabrikam.com" in said
    assert "-1 user without MFA: gone@fabrikam.com" in said
    assert "+1 user without MFA: ben.walters@fabrikam.com" in said
    assert isinstance(reply.data, dict)
    assert reply.data["change"]["metrics"]["mfa_coverage_pct"] == 20.0
    today = await trends.history("fabrikam", "mfa", yesterday.date())
    assert [s.metrics["mfa_coverage_pct"] for s in today] == [60.0, 80.0]


async def test_running_twice_a_day_keeps_one_snapshot_and_no_change(
    ask: Ask, runtime: Runtime
) -> None:
    await ask("/digest inactive")
    again = await ask("/digest inactive")
    assert "First digest" in text(again)  # today's own snapshot is not "the last one"
    assert runtime.contexts.trends is not None
    history = await runtime.contexts.trends.history("contoso", "inactive", datetime.now(UTC).date())
    assert len(history) == 1


async def test_a_large_table_shows_its_first_rows_and_attaches_every_row(
    ask: Ask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(digest, "SHOWN_ROWS", 2)
    reply = await ask("/digest licenses")

    wasted = next(t for t in tables(reply) if "UPN" in t.columns)
    assert (len(wasted.rows), wasted.total) == (2, 4)
    (name,) = [n for n in files(reply) if n.startswith("contoso-licenses-wasted-")]
    assert name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(files(reply)[name].decode())))
    assert rows[0] == list(wasted.columns) and len(rows) == 5


async def test_export_xlsx_attaches_a_workbook(ask: Ask) -> None:
    reply = await ask("/digest inactive --export xlsx")
    (name,) = [n for n in files(reply) if n.endswith(".xlsx")]
    assert files(reply)[name].startswith(b"PK")


async def test_all_needs_no_tenant_and_ranks_by_coverage(ask: Ask) -> None:
    reply = await ask("/digest mfa --all")

    assert not reply.failed and reply.tenant == ""
    ranking = tables(reply)[0]
    assert column(ranking, "tenant") == ["Contoso", "Fabrikam"]  # lowest coverage first
    assert isinstance(reply.data, dict)
    assert [t["tenant"] for t in reply.data["tenants"]] == ["contoso", "fabrikam"]


@dataclasses.dataclass(frozen=True)
class _Failing:
    """The runtime's clients, except that one tenant cannot be reached."""

    runtime: Runtime
    broken: str

    def graph(self, tenant: TenantInfo) -> GraphClient:
        if tenant.name == self.broken:
            raise UserError(f"Deskhand has no Graph client for {tenant.name}.")
        return self.runtime.contexts.tenants.graph(tenant)

    def exchange(self, tenant: TenantInfo) -> None:
        return None


async def test_a_tenant_that_fails_shows_why_in_its_row(runtime: Runtime) -> None:
    directory = runtime.contexts.tenants
    ctx = CommandContext(
        actor=OPERATOR,
        tenants=directory.tenants,
        allowed_commands=list,
        products=runtime.contexts.products,
        tenant_clients=_Failing(runtime, "contoso"),
        trends=runtime.contexts.trends,
    )

    reply = await digest_mfa(ctx, DigestArgs(all=True))

    ranking = tables(reply)[0]
    assert column(ranking, "tenant") == ["Fabrikam", "Contoso"]  # the failed one last
    assert column(ranking, "note")[1] == (
        "could not be read: Deskhand has no Graph client for contoso."
    )
    assert "1 tenant could not be read: contoso." in text(reply)


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/digest weekly", "/digest is followed by one more word"),
        ("/digest inactive --days 0", "--days: Input should be greater than or equal to 1"),
        ("/digest mfa --all --tenant contoso", "--all and --tenant cannot be used together"),
    ],
)
async def test_bad_input_gets_a_short_message(ask: Ask, line: str, said: str) -> None:
    reply = await ask(line)
    assert reply.failed
    assert said in text(reply)
