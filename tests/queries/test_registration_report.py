"""RegistrationReport hands each page of users its report rows as both are still being read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from commands.queries.registration_report import RegistrationReport
from commands.queries.roster import REPORT, Registered
from core.errors import LicenseRequired, Unavailable

# userregistrationdetails.md's example row, cut to what the report's reader uses.
ROW = {
    "id": "86462606-fde0-4fc4-9e0c-a20eb73e54c6",
    "isMfaRegistered": True,
    "isMfaCapable": True,
    "methodsRegistered": ["microsoftAuthenticatorPush"],
}


def row(user_id: str, registered: bool = True) -> dict[str, Any]:
    return {**ROW, "id": user_id, "isMfaRegistered": registered}


class Pages:
    """The report's pages, each given out only when the test releases it."""

    def __init__(self, *pages: list[dict[str, Any]], error: Exception | None = None) -> None:
        self._pages, self._error = pages, error
        self.release = asyncio.Semaphore(0)

    async def pages(self, path: str, *, select: tuple[str, ...]) -> AsyncIterator[dict[str, Any]]:
        assert path == REPORT
        for page in self._pages:
            await self.release.acquire()
            for item in page:
                yield item
        if self._error is not None:
            raise self._error


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_row_read_ahead_of_its_user_is_handed_out_once() -> None:
    graph = Pages([row("a"), row("b", registered=False)])
    report = RegistrationReport()
    reading = asyncio.create_task(report.read(graph))  # type: ignore[arg-type]
    graph.release.release()
    await reading
    assert await report.rows(["b"]) == {
        "b": Registered(False, ("microsoftAuthenticatorPush",), True)
    }
    assert await report.rows(["b"]) == {}  # forgotten once handed out
    assert await report.ended() is True


async def test_a_page_waits_for_rows_not_read_yet_and_not_for_other_pages() -> None:
    graph = Pages([row("a")], [row("b")], [row("c")])
    report = RegistrationReport()
    reading = asyncio.create_task(report.read(graph))  # type: ignore[arg-type]
    first = asyncio.create_task(report.rows(["a", "b"]))
    graph.release.release()
    await settle()
    assert not first.done()  # "b" has not arrived
    graph.release.release()
    assert set(await first or {}) == {"a", "b"}
    assert not reading.done()  # the report's last page is still to come
    graph.release.release()
    await reading


async def test_users_the_report_lacks_are_left_out_once_it_ends() -> None:
    graph = Pages([row("a")])
    report = RegistrationReport()
    reading = asyncio.create_task(report.read(graph))  # type: ignore[arg-type]
    page = asyncio.create_task(report.rows(["a", "never-in-the-report"]))
    graph.release.release()
    await reading
    assert set(await page or {}) == {"a"}


async def test_a_tenant_refusing_the_report_gives_none() -> None:
    graph = Pages(error=LicenseRequired("no P1", licence="Microsoft Entra ID P1"))
    report = RegistrationReport()
    page = asyncio.create_task(report.rows(["a"]))
    await report.read(graph)  # type: ignore[arg-type]
    assert await page is None
    assert await report.ended() is False


async def test_a_report_failing_otherwise_fails_the_pages_waiting_on_it() -> None:
    graph = Pages([row("a")], error=Unavailable("Graph unavailable"))
    report = RegistrationReport()
    page = asyncio.create_task(report.rows(["a", "b"]))
    graph.release.release()
    await report.read(graph)  # type: ignore[arg-type]
    with pytest.raises(Unavailable):
        await page
    with pytest.raises(Unavailable):
        await report.ended()
