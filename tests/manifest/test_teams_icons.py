"""The committed Teams icons: sizes, colour types, and white on transparent for the outline.

The PNGs are decoded here with zlib and struct, independently of the code that wrote them.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from importlib import resources

from manifest.icons import COLOR_ICON, OUTLINE_ICON
from manifest.icons.draw import ACCENT_COLOR, color_icon, outline_icon

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB, RGBA = 2, 6


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    color_type: int
    pixels: list[tuple[int, ...]]


def committed(name: str) -> bytes:
    return resources.files("manifest.icons").joinpath(name).read_bytes()


def decode(data: bytes) -> Image:
    """An 8-bit, non-interlaced PNG whose rows use filter 0 (none), as the icons do."""
    assert data.startswith(SIGNATURE)
    chunks: dict[bytes, bytes] = {}
    offset = len(SIGNATURE)
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks[kind] = chunks.get(kind, b"") + body
        offset += 12 + length
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, interlace) == (8, 0)
    channels = {RGB: 3, RGBA: 4}[color_type]
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = 1 + width * channels
    assert len(raw) == stride * height
    pixels: list[tuple[int, ...]] = []
    for row in range(height):
        line = raw[row * stride : (row + 1) * stride]
        assert line[0] == 0, "filtered rows are not expected"
        pixels += [tuple(line[i : i + channels]) for i in range(1, stride, channels)]
    return Image(width, height, color_type, pixels)


def test_the_committed_icons_are_what_the_drawing_code_makes() -> None:
    assert committed(COLOR_ICON) == color_icon()
    assert committed(OUTLINE_ICON) == outline_icon()


def test_the_color_icon_is_192_square_and_opaque_on_the_accent_colour() -> None:
    image = decode(committed(COLOR_ICON))
    accent = bytes.fromhex(ACCENT_COLOR.removeprefix("#"))

    assert (image.width, image.height, image.color_type) == (192, 192, RGB)
    assert image.pixels[0] == tuple(accent)  # a solid background, corner included
    assert (255, 255, 255) in image.pixels  # the glyph


def test_the_outline_icon_is_32_square_white_on_transparent() -> None:
    image = decode(committed(OUTLINE_ICON))
    alphas = {pixel[3] for pixel in image.pixels}

    assert (image.width, image.height, image.color_type) == (32, 32, RGBA)
    assert all(pixel[:3] == (255, 255, 255) for pixel in image.pixels if pixel[3])
    assert image.pixels[0][3] == 0
    assert {0, 255} <= alphas
