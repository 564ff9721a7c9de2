"""Who counts as inactive: last success first, attempts only where it is missing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from commands.queries.conditional_access import Enforcement
from commands.queries.inactivity import INACTIVE, NEVER, idle_reason
from commands.queries.mfa_coverage import MfaClass, classify
from integrations.graph.directory import SignIns, User

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def user(created: str | None = "2024-01-01T00:00:00Z") -> User:
    return User.from_graph(
        {"id": "u1", "userPrincipalName": "u@contoso.com", "createdDateTime": created}
    )


def activity(**times: Any) -> SignIns:
    return SignIns.from_graph({"signInActivity": times})


def test_last_success_is_the_last_activity_even_when_a_failed_attempt_is_newer() -> None:
    sign_ins = activity(
        lastSignInDateTime="2025-05-30T08:00:00Z",  # a failed attempt
        lastSuccessfulSignInDateTime="2025-01-02T08:00:00Z",
    )
    assert sign_ins.last_activity == datetime(2025, 1, 2, 8, tzinfo=UTC)
    assert idle_reason(user(), sign_ins, NOW, 90) == INACTIVE


def test_only_non_interactive_sign_ins_count_where_no_success_is_recorded() -> None:
    sign_ins = activity(lastNonInteractiveSignInDateTime="2025-05-20T08:00:00Z")
    assert idle_reason(user(), sign_ins, NOW, 90) is None


def test_the_0001_value_means_never() -> None:
    sign_ins = activity(
        lastSignInDateTime="0001-01-01T00:00:00Z",
        lastSuccessfulSignInDateTime="0001-01-01T00:00:00Z",
    )
    assert sign_ins.last_activity is None
    assert idle_reason(user(), sign_ins, NOW, 90) == NEVER


def test_never_signed_in_counts_only_once_created_long_enough_ago() -> None:
    assert idle_reason(user("2025-05-15T00:00:00Z"), activity(), NOW, 90) is None
    assert idle_reason(user("2024-05-15T00:00:00Z"), activity(), NOW, 90) == NEVER
    assert idle_reason(user(None), activity(), NOW, 90) == NEVER  # created before 2018


def test_classes_of_registered_against_enforced() -> None:
    assert classify(True, Enforcement.ENFORCED) is MfaClass.COVERED
    assert classify(True, Enforcement.NOT) is MfaClass.REGISTERED_NOT_ENFORCED
    assert classify(False, Enforcement.ENFORCED) is MfaClass.ENFORCED_NOT_REGISTERED
    assert classify(True, Enforcement.PARTLY) is MfaClass.PARTLY
    assert classify(False, Enforcement.NOT) is MfaClass.NEITHER
    assert classify(None, Enforcement.ENFORCED) is MfaClass.UNKNOWN
    assert classify(True, Enforcement.UNKNOWN) is MfaClass.UNKNOWN
