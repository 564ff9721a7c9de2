"""A filtered lookup shows only rows that match what it asked for, even when Graph answers the
filter with other rows: never another user's MFA state, another user or another group."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from sandbox.graph import odata_filter
from tests.commands.replies import facts, text
from tests.plugins.runtime import Ask


@pytest.fixture
def filters_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox answers every `$filter` with every row, as a misbehaving service might."""

    def everything(self: odata_filter.Filter, entity: Mapping[str, Any]) -> bool:
        return True

    monkeypatch.setattr(odata_filter.Filter, "matches", everything)


@pytest.mark.usefixtures("filters_ignored")
async def test_the_registration_report_row_of_another_user_is_not_shown(ask: Ask) -> None:
    reply = await ask("/user lynne.robbins@contoso.com")
    assert reply.title == "Lynne Robbins (lynne.robbins@contoso.com)"
    assert facts(reply)["Registered"] == "no"  # Lynne's row; the report's first is the admin's


@pytest.mark.usefixtures("filters_ignored")
async def test_a_name_search_keeps_only_users_matching_the_name(ask: Ask) -> None:
    reply = await ask("/user lynne")
    assert reply.title == "Lynne Robbins (lynne.robbins@contoso.com)"


@pytest.mark.usefixtures("filters_ignored")
async def test_a_group_lookup_keeps_only_the_group_named(ask: Ask) -> None:
    reply = await ask("/group add lynne.robbins@contoso.com SG-Finance --reason t")
    assert "SG-Finance" in text(reply)
    assert "groups in Contoso match" not in text(reply)
