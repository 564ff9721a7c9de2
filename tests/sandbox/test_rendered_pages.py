"""Collections render lazily: a page renders only the items it returns, unless a `$filter` or
`$search` has to read every rendered item; and the cheaper user stamps and request ids."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sandbox.graph.entities import NEVER, sign_in_activity, stamp
from sandbox.graph.query import Rendered, kept
from sandbox.model import User


class _Counting:
    def __init__(self) -> None:
        self.rendered = 0

    def __call__(self, n: int) -> dict[str, Any]:
        self.rendered += 1
        return {"id": str(n), "even": n % 2 == 0}


class _Even:
    def matches(self, entity: Mapping[str, Any]) -> bool:
        return bool(entity["even"])


def test_a_page_renders_only_its_own_items() -> None:
    render = _Counting()
    items = Rendered(range(1000), render)

    page = list(kept(items)[240:360])

    assert [item["id"] for item in page] == [str(n) for n in range(240, 360)]
    assert (render.rendered, len(items)) == (120, 1000)


def test_a_filter_reads_every_item_once() -> None:
    render = _Counting()

    matching = kept(Rendered(range(1000), render), _Even(), None)

    assert len(matching) == 500 and render.rendered == 1000


def test_stamp_is_utc_seconds_without_fraction_or_offset() -> None:
    moment = datetime(2025, 3, 4, 5, 6, 7, 891_234, tzinfo=UTC)

    assert stamp(moment) == stamp(moment.replace(tzinfo=None)) == "2025-03-04T05:06:07Z"
    assert stamp(None) is None


def test_sign_in_request_ids_are_uuid5_of_the_user_and_kind() -> None:
    user_id = "48d31887-5fad-4d73-a9f5-3c356e68a038"
    moment = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    user = User(user_id, "a@contoso.com", "A", None, None, None, last_sign_in=moment)

    activity = sign_in_activity(user)

    assert activity == {
        "lastSignInDateTime": "2025-03-04T05:06:07Z",
        "lastSignInRequestId": str(uuid.uuid5(uuid.UUID(user_id), "SignIn")),
        "lastNonInteractiveSignInDateTime": NEVER,
        "lastNonInteractiveSignInRequestId": "",
        "lastSuccessfulSignInDateTime": NEVER,
        "lastSuccessfulSignInRequestId": "",
    }
