"""The digest benchmark runs end to end on a tiny sandbox and ends with its figures as JSON.

Nothing here times anything: the numbers belong to `python -m bench.digest`, not to tests.
"""

from __future__ import annotations

from importlib.util import find_spec

import pytest

from tests.bench.runs import Finished, run_benchmark

FIRST = [
    "bench",
    "requests_over_minimum",
    "wall_over_bound",
    "depth_over_chain",
    "peak_bytes",
    "bytes_per_user",
    "speedup_vs_msgraph_sdk",
]
TINY = ("--tenants", "2", "--users", "130", "--latency", "0", "--memory-users", "20")
BASELINE = ("--baseline-tenants", "1", "--baseline-users", "2", "--depth-latency", "0.01")


@pytest.fixture(scope="module")
def finished() -> Finished:
    return run_benchmark("bench.digest", *TINY, *BASELINE)


def test_digest_benchmark_ends_with_the_issues_figures_first(finished: Finished) -> None:
    assert list(finished.figures)[: len(FIRST)] == FIRST
    assert finished.figures["bench"] == "digest"
    assert (finished.figures["tenants"], finished.figures["users"]) == (2, 130)


def test_the_read_sends_what_the_generated_data_says_it_needs(finished: Finished) -> None:
    # 2 users pages (130 > 120) + 2 report pages + 4 tenant-wide reads + 1 $batch (the admin)
    assert finished.figures["minimum_per_tenant"] == 9
    assert finished.figures["requests_per_tenant"] >= 9


def test_the_memory_probe_reports_a_peak(finished: Finished) -> None:
    assert finished.figures["peak_bytes"] > finished.figures["peak_one_tenant_bytes"] > 0


@pytest.mark.skipif(find_spec("msgraph") is None, reason="msgraph-sdk (the bench extra) missing")
def test_the_msgraph_sdk_baseline_is_scaled_from_what_it_timed(finished: Finished) -> None:
    assert "msgraph_sdk_unavailable" not in finished.figures
    assert finished.figures["msgraph_sdk_scaled_from"] == "1 tenant x 2 users"
