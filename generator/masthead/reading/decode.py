"""Content codings (gzip, deflate, br), decoded a step at a time under the size cap.

httpx decodes each coding of a response in one call per chunk it reads: one
64 KiB chunk of a gzip bomb became 64 MiB at once, and with the codings
stacked (``Content-Encoding: gzip, gzip``) a 3.6 KB body became gigabytes
before any cap could look at it. Here every layer hands on at most
:data:`STEP` bytes at a time, the next layer takes those before the first
one produces more, and the bytes entering each stage (the body as sent,
each intermediate coding, the document) are counted: past the cap, the
body is refused at once, whatever the number of layers.

Memory of one body is therefore the document (at most the cap) plus, per
layer, one step of output, the input it has not taken yet (at most one
step or one read of the connection) and the decompressor's own window
(32 KiB for zlib, at most 16 MiB for brotli, which the decoder allocates only
as large as the stream's window asks for).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from .parse import FeedError

STEP = 64 * 1024
"""The most bytes a layer hands on at a time."""
MAX_CODINGS = 8
"""More codings than this on one body are refused (no real server stacks more than two)."""
_IDENTITY = {"", "identity"}
_ALIASES = {"x-gzip": "gzip", "x-deflate": "deflate"}
_GZIP_MAGIC = b"\x1f\x8b"


def _brotli() -> Any:
    """The brotli module, when one that can limit its output is installed, else None."""
    try:
        import brotli  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return None
    if not hasattr(brotli.Decompressor(), "can_accept_more_data"):
        return None  # older releases cannot be told to stop: a bomb would decode whole
    return brotli


BROTLI = _brotli()
SUPPORTED = ("gzip", "deflate", "br") if BROTLI is not None else ("gzip", "deflate")
"""The codings masthead decodes (and asks for in ``Accept-Encoding``)."""


class _Layer(Protocol):
    def decode(self, data: bytes) -> Iterator[bytes]: ...

    def finish(self) -> Iterator[bytes]: ...


def _steps(decompressor: Any, data: bytes) -> Iterator[bytes]:
    """Feed ``data`` to a zlib decompressor, yielding its output a step at a time."""
    while True:
        out = decompressor.decompress(data, STEP)
        data = decompressor.unconsumed_tail
        if out:
            yield out
        if decompressor.eof or (not data and len(out) < STEP):
            return


class _Gzip:
    """gzip: one member or several in a row; bytes after the last member are ignored."""

    def __init__(self) -> None:
        self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._after = b""
        self._ignore = False

    def decode(self, data: bytes) -> Iterator[bytes]:
        while data and not self._ignore:
            if self._member.eof:
                data = self._after + data
                if len(data) < len(_GZIP_MAGIC):
                    self._after = data
                    return
                self._after = b""
                if not data.startswith(_GZIP_MAGIC):
                    self._ignore = True  # padding or junk after the stream
                    return
                self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            yield from _steps(self._member, data)
            data = self._member.unused_data if self._member.eof else b""

    def finish(self) -> Iterator[bytes]:
        if not self._member.eof and not self._ignore:
            yield from _steps(self._member, b"")


class _Deflate:
    """deflate: zlib-wrapped as the standard says, or raw as some servers send it."""

    def __init__(self) -> None:
        self._stream: Any = None
        self._start = b""

    def decode(self, data: bytes) -> Iterator[bytes]:
        if self._stream is None:
            data = self._start + data
            if len(data) < 2:
                self._start = data
                return
            self._start = b""
            wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._stream = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        if not self._stream.eof:
            yield from _steps(self._stream, data)

    def finish(self) -> Iterator[bytes]:
        if self._stream is None and self._start:  # one byte in all
            self._stream = zlib.decompressobj(-zlib.MAX_WBITS)
            yield from _steps(self._stream, self._start)
        if self._stream is not None and not self._stream.eof:
            yield from _steps(self._stream, b"")


class _Brotli:
    def __init__(self) -> None:
        self._stream = BROTLI.Decompressor()

    def decode(self, data: bytes) -> Iterator[bytes]:
        while not self._stream.is_finished():
            out = self._stream.process(data, output_buffer_limit=STEP)
            data = b""
            if out:
                yield out
            if not out or (len(out) < STEP and self._stream.can_accept_more_data()):
                return

    def finish(self) -> Iterator[bytes]:
        while not self._stream.is_finished():
            out = self._stream.process(b"", output_buffer_limit=STEP)
            if not out:
                return
            yield out


def _layer(coding: str) -> _Layer:
    if coding == "gzip":
        return _Gzip()
    if coding == "deflate":
        return _Deflate()
    return _Brotli()


def codings_of(content_encoding: Iterable[str], transfer_encoding: Iterable[str] = ()) -> list[str]:
    """The codings a body carries, in the order they were applied: the content codings,
    then the transfer codings other than ``chunked`` (which the transport undoes).

    Raises :class:`FeedError` for a coding masthead cannot decode, or too many.
    """
    found: list[str] = []
    for header, skip in (
        (content_encoding, _IDENTITY),
        (transfer_encoding, {*_IDENTITY, "chunked"}),
    ):
        for value in header:
            for part in value.split(","):
                coding = part.split(";", 1)[0].strip().lower()
                coding = _ALIASES.get(coding, coding)
                if coding in skip:
                    continue
                if coding not in SUPPORTED:
                    raise FeedError(
                        f"refused: the body is encoded as {part.strip()[:40]!r}, which masthead "
                        f"does not decode (it asks for {', '.join(SUPPORTED)})"
                    )
                if coding == "br" and "br" in found:
                    raise FeedError(
                        "refused: the body is encoded as br twice (a br layer may take 16 MiB "
                        "of window; masthead decodes one)"
                    )
                found.append(coding)
                if len(found) > MAX_CODINGS:
                    raise FeedError(
                        f"refused: the body carries more than {MAX_CODINGS} stacked codings "
                        f"({', '.join(found[:3])}, ...)"
                    )
    return found


class Decoder:
    """Undo ``codings`` (in the order they were applied), refusing more than
    ``max_bytes`` at any stage.

    :meth:`decode` takes the body as it arrives and yields the document a piece at a
    time (each at most :data:`STEP` bytes); :meth:`finish` yields what the layers
    still hold at the end of the body.
    """

    def __init__(self, codings: list[str], max_bytes: int) -> None:
        self.codings = list(codings)
        self.max_bytes = max_bytes
        self._layers = [_layer(c) for c in reversed(self.codings)]
        self._sizes = [0] * (len(self._layers) + 1)
        """Bytes that entered each stage: the body as sent, then each layer's output."""

    @property
    def size(self) -> int:
        """Bytes of the document so far."""
        return self._sizes[-1]

    def _refuse(self, stage: int) -> FeedError:
        cap = f"the {self.max_bytes:,}-byte size cap"
        if not self._layers:
            return FeedError(f"refused: the body is larger than {cap}")
        if stage == len(self._layers):
            return FeedError(
                f"refused: the body, decoded ({', '.join(self.codings)}), is larger than {cap}"
            )
        return FeedError(
            f"refused: the body is larger than {cap} before it is fully decoded "
            f"({', '.join(self.codings)})"
        )

    def _push(self, stage: int, data: bytes) -> Iterator[bytes]:
        self._sizes[stage] += len(data)
        if self._sizes[stage] > self.max_bytes:
            raise self._refuse(stage)
        if stage == len(self._layers):
            yield data
            return
        for piece in self._guarded(stage, self._layers[stage].decode(data)):
            yield from self._push(stage + 1, piece)

    def _guarded(self, stage: int, produced: Iterator[bytes]) -> Iterator[bytes]:
        """``produced``, with a decompressor's error turned into a :class:`FeedError`."""
        errors: tuple[type[BaseException], ...] = (zlib.error,)
        if BROTLI is not None:
            errors += (BROTLI.error,)
        while True:
            try:
                piece = next(produced)
            except StopIteration:
                return
            except errors as exc:
                coding = self.codings[len(self.codings) - 1 - stage]
                raise FeedError(f"bad compressed body ({coding}): {exc}") from exc
            yield piece

    def decode(self, data: bytes) -> Iterator[bytes]:
        """The document pieces that ``data`` (the next bytes of the body) gives."""
        if data:
            yield from self._push(0, data)

    def finish(self) -> Iterator[bytes]:
        """The document pieces the layers still hold once the body has ended."""
        for stage, layer in enumerate(self._layers):
            for piece in self._guarded(stage, layer.finish()):
                yield from self._push(stage + 1, piece)


def decode_all(chunks: Iterable[bytes], codings: list[str], max_bytes: int) -> bytes:
    """The document from the body ``chunks``, or :class:`FeedError` past ``max_bytes``."""
    decoder = Decoder(codings, max_bytes)
    out: list[bytes] = []
    for chunk in chunks:
        out.extend(decoder.decode(chunk))
    out.extend(decoder.finish())
    return b"".join(out)
