from __future__ import annotations

from tests.commands.replies import column, notices, tables
from tests.plugins.runtime import Ask


async def test_each_sku_shows_its_product_name_and_seats(ask: Ask) -> None:
    reply = await ask("/licenses")
    skus = tables(reply)[0]
    rows = {row[0]: row[1:] for row in skus.rows}
    assert "Microsoft 365 E3" in rows
    purchased, assigned, available, _ = rows["Microsoft 365 E3"]
    assert int(purchased) - int(assigned) == int(available)


async def test_licences_held_by_blocked_or_idle_accounts_are_listed(ask: Ask) -> None:
    wasted = tables(await ask("/licenses"))[1]
    why = dict(zip(column(wasted, "name"), column(wasted, "why"), strict=True))
    assert why["Alex Wilber"] == "sign-in blocked"
    assert why["Diego Siciliani"] == "never signed in"
    assert why["Megan Bowen"].startswith("last active 4 months ago")
    assert "Adele Vance" not in why


async def test_without_p1_only_blocked_accounts_are_judged(ask: Ask) -> None:
    reply = await ask("/licences --tenant fabrikam")
    assert any("needs Microsoft Entra ID P1" in n for n in notices(reply))
