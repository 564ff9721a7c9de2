"""The digest benchmark's yardsticks: the fewest requests and the critical path of a read.

Pure arithmetic: nothing here starts the sandbox or times anything.
"""

from __future__ import annotations

import pytest

from bench.digest_bound import TenantShape, chain, makespan, minimum_requests


def shape(users: int = 1000, mfa: int = 1, reads: tuple[int, ...] = ()) -> TenantShape:
    return TenantShape(users=users, report_page=100, mfa_state_users=mfa, policy_reads=reads)


def test_a_thousand_users_need_nine_sign_in_pages_ten_report_pages_and_one_batch() -> None:
    # 9 users pages (120 each) + 10 report pages + 4 tenant-wide reads + 1 $batch of 20
    assert minimum_requests(shape()) == 24


@pytest.mark.parametrize(("users", "pages"), [(1, 1), (120, 1), (121, 2), (0, 1)])
def test_users_pages_hold_at_most_120_with_sign_in_activity(users: int, pages: int) -> None:
    assert shape(users=users).user_pages == pages


@pytest.mark.parametrize(("users", "batches"), [(0, 0), (1, 1), (20, 1), (21, 2), (300, 15)])
def test_per_user_mfa_state_goes_twenty_to_a_batch(users: int, batches: int) -> None:
    assert shape(mfa=users).mfa_batches == batches


def test_each_group_or_role_read_of_the_policies_counts_all_its_pages() -> None:
    assert minimum_requests(shape(reads=(2, 1))) == minimum_requests(shape()) + 3


def test_the_chain_is_the_longer_of_the_pages_and_the_batch_after_the_last_users_page() -> None:
    assert chain(shape(users=1000, mfa=0)) == 10  # the report's 10 pages
    big_report_pages = TenantShape(users=2000, report_page=999, mfa_state_users=1)
    assert chain(big_report_pages) == 18  # 17 users pages, then the last batch
    assert chain(shape(users=100, mfa=0, reads=(3,))) == 4  # policies, then 3 member pages


def test_tenants_a_few_at_a_time_take_as_long_as_their_fullest_slot() -> None:
    assert makespan([10] * 8, 4) == 20
    assert makespan([3] * 5, 4) == 6
    assert makespan([5, 1, 1, 1, 1], 4) == 5
    assert makespan([], 4) == 0


def test_at_least_one_tenant_is_read_at_a_time() -> None:
    with pytest.raises(ValueError, match="at least one"):
        makespan([1], 0)
