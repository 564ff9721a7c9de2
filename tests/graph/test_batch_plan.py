"""Splitting `$batch` requests into chunks of 20 and the inner request payloads."""

from __future__ import annotations

import pytest

from integrations.graph import BatchRequest
from integrations.graph.batch import plan_chunks


def requests(count: int) -> list[BatchRequest]:
    return [BatchRequest.get(str(i), f"/users/{i}", select=["id"]) for i in range(count)]


def test_large_sets_split_into_chunks_of_twenty_in_order() -> None:
    chunks = plan_chunks(requests(45))
    assert [len(c) for c in chunks] == [20, 20, 5]
    assert [r.id for c in chunks for r in c] == [str(i) for i in range(45)]


def test_dependent_requests_stay_in_one_chunk() -> None:
    items = requests(19)
    items.append(BatchRequest("a", "/users/a"))
    items.append(BatchRequest("b", "/users/a/manager", depends_on=("a",)))
    chunks = plan_chunks(items)
    assert [len(c) for c in chunks] == [19, 2]


def test_requests_linked_through_two_dependencies_form_one_group() -> None:
    items = [
        BatchRequest("a", "/a"),
        BatchRequest("x", "/x"),
        BatchRequest("b", "/b"),
        BatchRequest("c", "/c", depends_on=("a", "b")),
    ]
    (chunk,) = plan_chunks(items)
    assert [r.id for r in chunk] == ["a", "b", "c", "x"]


def test_duplicate_ids_and_forward_dependencies_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        plan_chunks([BatchRequest("A", "/a"), BatchRequest("a", "/b")])
    with pytest.raises(ValueError, match="depends on"):
        plan_chunks([BatchRequest("a", "/a", depends_on=("b",)), BatchRequest("b", "/b")])


def test_a_dependency_chain_longer_than_a_batch_is_refused() -> None:
    chain = [BatchRequest("0", "/x")]
    chain += [BatchRequest(str(i), "/x", depends_on=(str(i - 1),)) for i in range(1, 21)]
    with pytest.raises(ValueError, match="21 requests"):
        plan_chunks(chain)


def test_payload_encodes_a_guest_address_once() -> None:
    read = BatchRequest.get("1", "/users/jo_x.com#EXT#@c.com/memberOf", select=["id"])
    assert read.payload()["url"] == "/users/jo_x.com%23EXT%23@c.com/memberOf?$select=id"


def test_payload_encodes_the_query_and_adds_content_type_for_a_body() -> None:
    read = BatchRequest.get(
        "1", "/users", select=["id", "mail"], params={"$filter": "mail eq 'o''b'"}
    )
    write = BatchRequest(
        "2", "/users/x", method="patch", body={"accountEnabled": False}, depends_on=("1",)
    )
    assert read.payload() == {
        "id": "1",
        "method": "GET",
        "url": "/users?$filter=mail%20eq%20'o''b'&$select=id,mail",
    }
    assert write.payload() == {
        "id": "2",
        "method": "PATCH",
        "url": "/users/x",
        "body": {"accountEnabled": False},
        "headers": {"Content-Type": "application/json"},
        "dependsOn": ["1"],
    }
