"""Trend charts as PNG: a digest's figure over the days its snapshots were taken.

Small on purpose (Teams shows inline images up to about 1 MB; Slack uploads them as files):
one line, a few dated ticks, 96 dpi. matplotlib is imported inside `trend_chart`, never at
module import, so commands that draw nothing do not pay for it; it is CPU work, so callers run
it in a thread (`asyncio.to_thread`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

__all__ = ["trend_chart"]

_SIZE = (6.4, 2.8)  # inches: 614 x 268 pixels at 96 dpi, readable inline in a chat message
_DPI = 96
_COLOUR = "#2f6fdb"
_TICKS = 6


def trend_chart(points: Sequence[tuple[date, float]], *, title: str, label: str) -> bytes:
    """A PNG of the points in date order; a single point is drawn as a dot with its value.

    Raises ValueError when there is no point at all.
    """
    if not points:
        raise ValueError("a trend chart needs at least one point")
    import matplotlib

    matplotlib.use("Agg")  # no display: render to memory only
    from matplotlib.figure import Figure

    ordered = sorted(points)
    # Days as ordinals, so gaps between snapshots keep their width without date converters.
    days = [day.toordinal() for day, _ in ordered]
    values = [value for _, value in ordered]
    figure = Figure(figsize=_SIZE, dpi=_DPI)
    axes = figure.add_subplot()
    axes.plot(days, values, color=_COLOUR, marker="o", markersize=4, linewidth=2)
    axes.annotate(
        f"{values[-1]:g}",
        (days[-1], values[-1]),
        textcoords="offset points",
        xytext=(0, 6),
        ha="center",
        fontsize=9,
    )
    ticks = _ticks(days)
    axes.set_xticks(ticks, [f"{date.fromordinal(tick):%d %b}" for tick in ticks])
    if len(days) == 1:
        axes.set_xlim(days[0] - 3, days[0] + 3)
    axes.set_title(title, fontsize=11)
    axes.set_ylabel(label, fontsize=9)
    axes.tick_params(labelsize=8)
    axes.grid(alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    figure.tight_layout()
    buffer = io.BytesIO()
    # No software tag in the file: the same points give the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _ticks(days: list[int]) -> list[int]:
    """At most `_TICKS` of the days, evenly picked, first and last included."""
    if len(days) <= _TICKS:
        return days
    step = (len(days) - 1) / (_TICKS - 1)
    return [days[round(n * step)] for n in range(_TICKS)]
