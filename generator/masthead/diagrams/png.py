"""The PNG Graphviz draws for email: its size, and nothing in it but the picture.

:func:`without_metadata` drops the chunks that carry text or a time
(``tEXt``, ``zTXt``, ``iTXt``, ``tIME``: a build date, the software's name
and version, a file name), so the same diagram always gives the same bytes.
"""

from __future__ import annotations

import struct

from .svg import SvgError

SIGNATURE = b"\x89PNG\r\n\x1a\n"
METADATA_CHUNKS = frozenset({b"tEXt", b"zTXt", b"iTXt", b"tIME"})


def png_size(data: bytes) -> tuple[int, int]:
    """Pixel width and height of the PNG ``data`` (from its IHDR chunk)."""
    if len(data) < 24 or data[:8] != SIGNATURE or data[12:16] != b"IHDR":
        raise SvgError("Graphviz's PNG output is not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def without_metadata(data: bytes) -> bytes:
    """The PNG ``data`` without its text and time chunks (the image is untouched)."""
    png_size(data)  # a PNG, or SvgError
    out = [SIGNATURE]
    position = len(SIGNATURE)
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        end = position + 12 + length
        if end > len(data):
            raise SvgError("Graphviz's PNG output is cut short")
        if data[position + 4 : position + 8] not in METADATA_CHUNKS:
            out.append(data[position:end])
        position = end
    return b"".join(out)
