"""Adding up the metrics of several processes: the server's own and its workers'.

Each process keeps its own Prometheus registry; `/metrics` shows one sum, so a scrape reads
the same families whether commands run in the serving process or in worker processes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.exposition import generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families

__all__ = ["merge_metrics"]

_Key = tuple[str, tuple[tuple[str, str], ...]]


class _Families:
    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        return iter(self._families)


def merge_metrics(texts: Iterable[str]) -> bytes:
    """Prometheus' text format of every sample summed over `texts` (the earliest `_created`)."""
    families: dict[str, Metric] = {}
    values: dict[str, dict[_Key, float]] = {}
    for text in texts:
        for family in text_string_to_metric_families(text):
            families.setdefault(family.name, family)
            samples = values.setdefault(family.name, {})
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                if key not in samples:
                    samples[key] = sample.value
                elif sample.name.endswith("_created"):
                    samples[key] = min(samples[key], sample.value)
                else:
                    samples[key] += sample.value
    merged = []
    for name, family in families.items():
        metric = Metric(name, family.documentation, family.type, family.unit)
        for (sample_name, labels), value in values[name].items():
            metric.add_sample(sample_name, dict(labels), value)
        merged.append(metric)
    return generate_latest(_Families(merged))
