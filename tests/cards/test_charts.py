from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from cards.charts import trend_chart

PNG = b"\x89PNG\r\n\x1a\n"
START = date(2026, 9, 7)


def weekly(count: int) -> list[tuple[date, float]]:
    return [(START + timedelta(weeks=n), 60.0 + n * 1.5) for n in range(count)]


def decoded_size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        image.verify()
    with Image.open(io.BytesIO(png)) as image:
        return image.size


def test_a_trend_is_a_small_png_that_decodes() -> None:
    png = trend_chart(weekly(26), title="MFA coverage: contoso", label="%")
    assert png.startswith(PNG)
    assert len(png) < 200_000  # far below the ~1 MB Teams shows inline
    assert decoded_size(png) == (614, 268)


def test_the_same_points_give_the_same_bytes() -> None:
    points = weekly(5)
    assert trend_chart(points, title="t", label="l") == trend_chart(
        list(reversed(points)), title="t", label="l"
    )


def test_a_single_point_still_draws() -> None:
    png = trend_chart(weekly(1), title="Inactive accounts: contoso", label="accounts")
    assert decoded_size(png) == (614, 268)


def test_no_point_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one point"):
        trend_chart([], title="t", label="l")
