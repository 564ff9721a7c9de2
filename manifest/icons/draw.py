"""Deskhand's Teams icons, drawn as a "D" and written as PNG with zlib and struct only.

Teams wants a full-colour 192x192 icon and a 32x32 outline icon, white on transparent. The PNGs
beside this module are its output; `python -m manifest.icons.draw` writes them again.
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from manifest.icons import COLOR_ICON, OUTLINE_ICON

__all__ = ["ACCENT_COLOR", "color_icon", "outline_icon", "png"]

ACCENT_COLOR = "#2B579A"
"""The colour icon's background, and the manifest's `accentColor`, so the two agree."""

_WHITE = (255, 255, 255)
_SUBSAMPLES = 4  # per axis: edges are shaded by how much of the pixel the glyph covers

# The glyph in a unit square: a stem and a half ring of one stroke width.
_LEFT, _STEM_RIGHT, _MIDDLE_Y = 0.30, 0.44, 0.5
_OUTER, _STROKE = 0.28, 0.12

Coverage = Callable[[float, float], bool]


def color_icon(size: int = 192) -> bytes:
    """A white "D" on the accent colour, opaque: PNG colour type 2 (RGB)."""
    background = _rgb(ACCENT_COLOR)
    rows = (
        b"".join(bytes(_blend(background, _WHITE, share)) for share in row)
        for row in _coverage_rows(size)
    )
    return png(size, size, rows, alpha=False)


def outline_icon(size: int = 32) -> bytes:
    """A white "D" on transparency: PNG colour type 6 (RGBA), white wherever it is not clear."""
    rows = (
        b"".join(bytes((*_WHITE, round(255 * share))) for share in row)
        for row in _coverage_rows(size)
    )
    return png(size, size, rows, alpha=True)


def png(width: int, height: int, rows: Iterator[bytes], *, alpha: bool) -> bytes:
    """An 8-bit RGB or RGBA PNG from rows of pixel bytes, each row unfiltered."""
    header = struct.pack(">IIBBBBB", width, height, 8, 6 if alpha else 2, 0, 0, 0)
    pixels = b"".join(b"\x00" + row for row in rows)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(pixels, 9)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    checksum = zlib.crc32(kind + data)
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", checksum)


def _coverage_rows(size: int) -> Iterator[list[float]]:
    step = 1 / (size * _SUBSAMPLES)
    offsets = [(index + 0.5) * step for index in range(_SUBSAMPLES)]
    for y in range(size):
        yield [
            sum(_in_glyph(x / size + dx, y / size + dy) for dx in offsets for dy in offsets)
            / _SUBSAMPLES**2
            for x in range(size)
        ]


def _in_glyph(x: float, y: float) -> bool:
    return _in_d(x, y, _OUTER) and not _in_d(x, y, _OUTER - _STROKE, left=_LEFT + _STROKE)


def _in_d(x: float, y: float, radius: float, left: float = _LEFT) -> bool:
    """Inside a filled "D": a rectangle from `left`, closed by a half disc on the right."""
    if x < left:
        return False
    if x <= _STEM_RIGHT:
        return abs(y - _MIDDLE_Y) <= radius
    return math.hypot(x - _STEM_RIGHT, y - _MIDDLE_Y) <= radius


def _blend(base: tuple[int, int, int], top: tuple[int, int, int], share: float) -> tuple[int, ...]:
    return tuple(round(b + (t - b) * share) for b, t in zip(base, top, strict=True))


def _rgb(color: str) -> tuple[int, int, int]:
    value = int(color.removeprefix("#"), 16)
    return value >> 16, (value >> 8) & 0xFF, value & 0xFF


if __name__ == "__main__":
    here = Path(__file__).parent
    (here / COLOR_ICON).write_bytes(color_icon())
    (here / OUTLINE_ICON).write_bytes(outline_icon())
