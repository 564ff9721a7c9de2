"""Benchmarks: each measures Deskhand and its baseline in the same run, prints a table and ends
with one line of JSON (ratios first). Run one as `python -m bench.<name>`, all as
`python -m bench`."""

from __future__ import annotations

__all__: list[str] = []
