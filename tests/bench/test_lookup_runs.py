"""The lookup benchmark runs end to end and ends with its figures as one line of JSON.

Nothing here times anything: the numbers belong to `python -m bench.lookup`, not to tests.
"""

from __future__ import annotations

from importlib.util import find_spec

import pytest

from tests.bench.runs import Finished, run_benchmark

RATIOS = [
    "upn_over_round_trip",
    "fragment_over_round_trip",
    "speedup_upn_vs_sequential",
    "speedup_upn_vs_msgraph_sdk",
    "speedup_fragment_vs_sequential",
    "speedup_fragment_vs_msgraph_sdk",
]
MEDIANS = [
    "round_trip_ms",
    "upn_ms",
    "sequential_upn_ms",
    "msgraph_sdk_upn_ms",
    "fragment_ms",
    "sequential_fragment_ms",
    "msgraph_sdk_fragment_ms",
]


@pytest.fixture(scope="module")
def finished() -> Finished:
    return run_benchmark("bench.lookup", "--runs", "1", "--latency", "0")


def test_lookup_benchmark_ends_with_its_figures_as_json_ratios_first(finished: Finished) -> None:
    assert list(finished.figures)[: len(RATIOS)] == RATIOS
    assert set(MEDIANS) <= set(finished.figures)
    assert finished.figures["runs"] == 1


def test_lookup_benchmark_prints_a_table_before_the_json(finished: Finished) -> None:
    table = finished.stdout.strip().splitlines()[:-1]
    assert any("one round trip" in line for line in table)
    assert any("/user by UPN" in line for line in table)


@pytest.mark.skipif(find_spec("msgraph") is None, reason="msgraph-sdk (the bench extra) missing")
def test_msgraph_sdk_baseline_talks_to_the_sandbox(finished: Finished) -> None:
    assert "msgraph_sdk_unavailable" not in finished.figures
    assert finished.figures["msgraph_sdk_upn_ms"] is not None
    assert finished.figures["msgraph_sdk_fragment_ms"] is not None
