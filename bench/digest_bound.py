"""The least a digest read can cost: Graph requests per tenant, and round trips end to end.

A tenant's read for all three digests needs, at the page sizes Graph documents:
- the users with `signInActivity`, at most 120 a page (user-list.md), one page after another
  (each `@odata.nextLink` comes with the page before it);
- the registration-details report at its page size, one page after another, beside the users;
- security defaults and the Conditional Access policies once each, then the members of the
  groups and roles those policies name (after the policies say which; a read's pages one after
  another, the reads side by side);
- `subscribedSkus` and `directory/subscriptions` once each;
- per-user MFA state for the users a digest needs it for, 20 to a `$batch` (json-batching.md);
  the last of them is known only with the last users page, so one batch waits for it.

`minimum_requests` counts those requests; `chain` is the longest run of them that must go one
after another; `makespan` lays tenants' chains (or times) out `slots` at a time, in the order
given, as a bounded gather starts them: the critical-path bound of an `--all` read.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from math import ceil

from integrations.graph.batch import MAX_BATCH

__all__ = ["SIGN_IN_PAGE", "TenantShape", "chain", "makespan", "minimum_requests"]

SIGN_IN_PAGE = 120
"""user-list.md: at most 120 users a page when `signInActivity` is selected."""
_ONCE = 4
"""Security defaults, Conditional Access policies, subscribedSkus, directory/subscriptions."""


@dataclass(frozen=True)
class TenantShape:
    """What a tenant's data makes a digest read: its size and what its policies name."""

    users: int
    report_page: int
    """The registration-details report's page size."""
    mfa_state_users: int
    """Users whose per-user MFA state a digest needs."""
    policy_reads: tuple[int, ...] = ()
    """Pages of each read of a group or role the Conditional Access policies name."""

    @property
    def user_pages(self) -> int:
        return max(1, ceil(self.users / SIGN_IN_PAGE))

    @property
    def report_pages(self) -> int:
        return max(1, ceil(self.users / self.report_page))

    @property
    def mfa_batches(self) -> int:
        return ceil(self.mfa_state_users / MAX_BATCH)


def minimum_requests(shape: TenantShape) -> int:
    """The fewest Graph requests that read all three digests of a tenant."""
    return (
        shape.user_pages + shape.report_pages + _ONCE + sum(shape.policy_reads) + shape.mfa_batches
    )


def chain(shape: TenantShape) -> int:
    """The most round trips of a tenant's read that must go one after another."""
    policies = 1 + max(shape.policy_reads, default=0)
    mfa = max(shape.user_pages, policies) + 1 if shape.mfa_batches else 0
    return max(shape.user_pages, shape.report_pages, policies, mfa)


def makespan(chains: Sequence[float], slots: int) -> float:
    """Round trips until the last tenant is read, `slots` tenants at a time, each tenant
    starting when a slot frees, in the order given."""
    if slots < 1:
        raise ValueError("at least one tenant must be read at a time")
    free_at = [0.0] * min(slots, len(chains))
    ends = [0.0]
    for length in chains:
        end = heapq.heappop(free_at) + length
        ends.append(end)
        heapq.heappush(free_at, end)
    return max(ends)
