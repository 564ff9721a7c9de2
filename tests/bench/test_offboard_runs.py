"""The offboarding benchmark runs end to end and ends with its figures as one line of JSON.

Nothing here times anything: the numbers belong to `python -m bench.offboard`, not to tests.
"""

from __future__ import annotations

import pytest

from tests.bench.runs import Finished, run_benchmark

FIRST = [
    "bench",
    "rtt_ms",
    "job_ms",
    "depth",
    "sequential_ms",
    "speedup",
    "graph_requests",
    "exchange_requests",
    "plan_ms",
    "goal_depth_met",
    "goal_speedup_met",
]


@pytest.fixture(scope="module")
def finished() -> Finished:
    return run_benchmark("bench.offboard", "--runs", "1", "--latency", "0")


def test_offboard_benchmark_ends_with_the_issues_figures_first(finished: Finished) -> None:
    assert list(finished.figures)[: len(FIRST)] == FIRST
    assert finished.figures["bench"] == "offboard"
    assert finished.figures["runs"] == 1


def test_the_job_and_the_baseline_send_graph_and_exchange_requests(finished: Finished) -> None:
    figures = finished.figures
    assert figures["graph_requests"] > 0 and figures["exchange_requests"] > 0
    assert figures["sequential_graph_requests"] > 0 and figures["sequential_exchange_requests"] > 0
    # 5 licences in one call, 30 groups one step each, and the toggles without a group: 44.
    assert figures["steps"] == 44


def test_offboard_benchmark_prints_its_tables_before_the_json(finished: Finished) -> None:
    table = finished.stdout.strip().splitlines()[:-1]
    assert any("one round trip" in line for line in table)
    assert any("job (confirm" in line for line in table)
    assert any("round 2" in line for line in table)
