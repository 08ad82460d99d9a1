"""A lean HTTP/1.1 transport for httpx: one connection per request, no pool.

A pull asks each of a hundred or so hosts for one document, so a connection
pool has nothing to reuse, and httpcore's pool costs several milliseconds of
CPU per request (it scans its connections for every waiting request): a
re-pull of 200 unchanged feeds spent most of its time there. This transport
opens a connection (TLS with the host name checked, for https), sends the
request with ``Connection: close``, reads the status line and headers, and
streams the body by ``Content-Length``, chunked transfer coding or until the
server closes. What a server sends is bounded: the status line and headers
(:data:`MAX_HEAD`, :data:`MAX_FIELDS`), interim responses (:data:`MAX_INTERIM`),
a chunk size line (:data:`MAX_LINE`) and the trailer; the body is the caller's
to cap (it reads it raw and undoes its codings under the size cap, see
:mod:`.decode`). Redirects (followed by the caller), headers and timeouts (the
caller's deadline around the whole fetch) are the caller's or httpx's.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import ssl
from collections.abc import AsyncIterator, Callable

import httpx

MAX_HEAD = 64 * 1024
"""Status line and headers larger than this are refused (a hostile or broken server)."""
MAX_FIELDS = 500
"""More header fields than this are refused (real responses have a few dozen)."""
MAX_LINE = 4 * 1024
"""A chunk size line (with its extensions) longer than this is refused."""
MAX_INTERIM = 8
"""Interim responses (100 Continue, 103 Early Hints) allowed before the final one."""
READ_SIZE = 64 * 1024
NO_BODY = {204, 304}
_SIZE_LINE = re.compile(rb"[ \t]*([0-9a-fA-F]+)[ \t]*(?:;[^\r\n]*)?\r\n")
"""A chunk's size line: hex digits (no sign, no 0x), maybe extensions, CRLF."""


class _Body(httpx.AsyncByteStream):
    """The body of one response, read from the connection as the caller asks."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        *,
        length: int | None,
        chunked: bool,
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._length = length
        self._chunked = chunked
        self._trailer_size = 0
        self.framing = 0
        """Bytes of chunked framing read so far (size lines, CRLFs, trailer): the caller's
        size cap counts them too, or a body sent a byte per chunk would take minutes."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            if self._chunked:
                async for chunk in self._chunks():
                    yield chunk
            elif self._length is not None:
                left = self._length
                while left > 0:
                    data = await self._reader.read(min(left, READ_SIZE))
                    if not data:
                        raise httpx.RemoteProtocolError(
                            f"connection closed with {left} bytes of the body unread"
                        )
                    left -= len(data)
                    yield data
            else:
                while data := await self._reader.read(READ_SIZE):
                    yield data
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__) from exc
        except asyncio.LimitOverrunError as exc:
            raise httpx.RemoteProtocolError("chunk size line too long") from exc

    async def _more(self) -> bytes:
        data = await self._reader.read(READ_SIZE)
        if not data:
            raise httpx.RemoteProtocolError("connection closed inside the chunked body")
        return data

    async def _chunks(self) -> AsyncIterator[bytes]:
        """The chunked transfer coding, undone over reads of up to READ_SIZE bytes.

        Small chunks are gathered into pieces of up to READ_SIZE bytes, and a chunk
        that lies whole in what was read is taken in a few steps, so that a body
        sent a byte per chunk costs about a microsecond a chunk, not a trip through
        the stream reader and an object per byte for everything above it.
        """
        data, pos = b"", 0
        out = bytearray()
        reported = 0
        while True:
            head = _SIZE_LINE.match(data, pos)
            if head is None:
                end = data.find(b"\r\n", pos)
                while end < 0:
                    if len(data) - pos > MAX_LINE:
                        raise httpx.RemoteProtocolError("chunk size line too long")
                    data, pos = data[pos:] + await self._more(), 0
                    end = data.find(b"\r\n")
                head = _SIZE_LINE.match(data, pos)
                if head is None:
                    size_text = data[pos:end].split(b";", 1)[0].strip(b" \t")
                    raise httpx.RemoteProtocolError(f"bad chunk size {size_text[:20]!r}")
            if head.end() - pos > MAX_LINE:
                raise httpx.RemoteProtocolError("chunk size line too long")
            size = int(head[1], 16)
            self.framing += head.end() - pos + 2  # the size line, and the CRLF after the data
            pos = head.end()
            if size == 0:
                if out:
                    yield bytes(out)
                await self._trailer(data[pos:])
                return
            if self.framing - reported >= READ_SIZE:
                # chunks of a few bytes: hand on what there is, so the caller sees the framing
                reported = self.framing
                yield bytes(out)
                out.clear()
            stop = pos + size
            if stop + 2 <= len(data) and size < READ_SIZE:  # the whole chunk is here
                if data[stop : stop + 2] != b"\r\n":
                    raise httpx.RemoteProtocolError("chunk not followed by CRLF")
                out += data[pos:stop]
                pos = stop + 2
                if len(out) >= READ_SIZE:
                    yield bytes(out)
                    out.clear()
                continue
            while size:
                if pos == len(data):
                    if out:
                        yield bytes(out)
                        out.clear()
                    data, pos = await self._more(), 0
                take = min(size, len(data) - pos)
                if not out and take >= READ_SIZE:
                    yield data[pos : pos + take]
                else:
                    out += data[pos : pos + take]
                    if len(out) >= READ_SIZE:
                        yield bytes(out)
                        out.clear()
                pos += take
                size -= take
            while len(data) - pos < 2:
                data, pos = data[pos:] + await self._more(), 0
            if data[pos : pos + 2] != b"\r\n":
                raise httpx.RemoteProtocolError("chunk not followed by CRLF")
            pos += 2

    async def _trailer(self, data: bytes) -> None:
        """Read (and drop) the trailer fields up to the empty line that ends the body."""
        while True:
            end = data.find(b"\r\n")
            while end < 0:
                if len(data) > MAX_HEAD:
                    raise httpx.RemoteProtocolError(f"trailer larger than {MAX_HEAD} bytes")
                data += await self._more()
                end = data.find(b"\r\n")
            if end == 0:
                return
            data = data[end + 2 :]
            self._trailer_size += end + 2
            self.framing += end + 2
            if self._trailer_size > MAX_HEAD:
                raise httpx.RemoteProtocolError(f"trailer larger than {MAX_HEAD} bytes")

    async def aclose(self) -> None:
        self._writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError, OSError):
            await self._writer.wait_closed()


def _parse_head(head: bytes) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise httpx.RemoteProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
    status = int(parts[1])
    reason = parts[2] if len(parts) == 3 else b""
    if len(lines) - 1 > MAX_FIELDS:
        raise httpx.RemoteProtocolError(f"more than {MAX_FIELDS} header fields")
    headers: list[tuple[bytes, bytes]] = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep or not name or name != name.strip():
            raise httpx.RemoteProtocolError(f"malformed header line: {line[:80]!r}")
        headers.append((name, value.strip()))
    return status, reason, headers


class LeanTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 over one fresh connection per request (http and https)."""

    def __init__(
        self,
        ssl_context: ssl.SSLContext | None = None,
        *,
        context_factory: Callable[[], ssl.SSLContext] = ssl.create_default_context,
    ) -> None:
        self._ssl = ssl_context
        self._factory = context_factory

    def _context(self) -> ssl.SSLContext:
        # made on the first https request: loading the CA bundle costs tens of ms
        if self._ssl is None:
            self._ssl = self._factory()
        return self._ssl

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}")
        tls = url.scheme == "https"
        port = url.port or (443 if tls else 80)
        try:
            reader, writer = await asyncio.open_connection(
                url.host,
                port,
                ssl=self._context() if tls else None,
                server_hostname=url.host if tls else None,
                limit=MAX_HEAD,
            )
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        try:
            status, reason, headers = await self._exchange(request, reader, writer)
        except BaseException:
            # a failure, or the caller's deadline cancelling us: never leak the socket
            writer.close()
            raise
        fields = {name.lower(): value for name, value in headers}
        chunked = b"chunked" in fields.get(b"transfer-encoding", b"").lower()
        length: int | None = None
        if request.method == "HEAD" or status in NO_BODY:
            length = 0
        elif not chunked and b"content-length" in fields:
            try:
                length = int(fields[b"content-length"])
            except ValueError:
                writer.close()
                raise httpx.RemoteProtocolError(
                    f"bad Content-Length {fields[b'content-length'][:20]!r}", request=request
                ) from None
        return httpx.Response(
            status,
            headers=headers,
            stream=_Body(reader, writer, length=length, chunked=chunked),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason},
            request=request,
        )

    async def _exchange(
        self,
        request: httpx.Request,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Send the request; read the final response's status line and headers."""
        url = request.url
        body = await request.aread()
        lines = [request.method.encode("ascii") + b" " + url.raw_path + b" HTTP/1.1"]
        lines += [
            name + b": " + value
            for name, value in request.headers.raw
            if name.lower() not in (b"connection", b"content-length")
        ]
        lines.append(b"Connection: close")
        if body:
            lines.append(b"Content-Length: " + str(len(body)).encode("ascii"))
        try:
            writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
            await writer.drain()
            status, reason, headers = _parse_head(await reader.readuntil(b"\r\n\r\n"))
            interim = 0
            while 100 <= status < 200:  # interim responses (100 Continue, 103 Early Hints)
                interim += 1
                if interim > MAX_INTERIM:
                    raise httpx.RemoteProtocolError(
                        f"more than {MAX_INTERIM} interim responses before the final one",
                        request=request,
                    )
                status, reason, headers = _parse_head(await reader.readuntil(b"\r\n\r\n"))
        except asyncio.LimitOverrunError as exc:
            raise httpx.RemoteProtocolError(
                f"response head larger than {MAX_HEAD} bytes", request=request
            ) from exc
        except asyncio.IncompleteReadError as exc:
            raise httpx.RemoteProtocolError(
                "connection closed before a complete response head", request=request
            ) from exc
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from exc
        return status, reason, headers
