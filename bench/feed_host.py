"""A feed host on 127.0.0.1 for the reading benchmark: a folder of documents,
each answered after an added latency, with ETag / Last-Modified validators and
real 304 answers.

It runs in its own process on one asyncio loop. On the benchmark's two CPUs
the host shares the machine with the pull it serves, whereas a real feed host
costs the pull no CPU at all; a thread per connection (the test suite's
server) spent about 0.75 ms of CPU per request, more than the pull itself
spends on a 304, so the benchmark serves the same documents more cheaply.

Run: ``python -m bench.feed_host FOLDER LATENCY``; it prints its base URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from email.utils import formatdate
from pathlib import Path

MODIFIED = formatdate(1670000000, usegmt=True).encode("ascii")


class Documents:
    """The folder's files, read on first request and kept (a server's page cache)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()
        self.cache: dict[str, tuple[bytes, bytes] | None] = {}

    def get(self, path: str) -> tuple[bytes, bytes] | None:
        if path not in self.cache:
            candidate = (self.folder / path.lstrip("/")).resolve()
            found = None
            if candidate.parent == self.folder and candidate.is_file():
                body = candidate.read_bytes()
                etag = b'"' + hashlib.sha256(body).hexdigest()[:16].encode("ascii") + b'"'
                found = (body, etag)
            self.cache[path] = found
        return self.cache[path]


def _response(status: bytes, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> bytes:
    lines = [b"HTTP/1.1 " + status]
    lines += [name + b": " + value for name, value in headers]
    lines += [b"Content-Length: " + str(len(body)).encode("ascii"), b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def _serve(
    docs: Documents, latency: float, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head[:-4].split(b"\r\n")
        path = request_line.split(b" ")[1].decode("latin-1").split("?", 1)[0]
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        await asyncio.sleep(latency)
        found = docs.get(path)
        if found is None:
            writer.write(_response(b"404 Not Found", [(b"Content-Type", b"text/plain")], b"nf"))
        else:
            body, etag = found
            validators = [(b"ETag", etag), (b"Last-Modified", MODIFIED)]
            if headers.get(b"if-none-match") == etag or (
                b"if-none-match" not in headers and headers.get(b"if-modified-since") == MODIFIED
            ):
                writer.write(_response(b"304 Not Modified", validators))
            else:
                content_type = [(b"Content-Type", b"application/xml")]
                writer.write(_response(b"200 OK", content_type + validators, body))
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, IndexError):
        pass
    finally:
        writer.close()


async def main(folder: Path, latency: float) -> None:
    docs = Documents(folder)
    server = await asyncio.start_server(
        lambda r, w: _serve(docs, latency, r, w), "127.0.0.1", 0, backlog=1024
    )
    port = server.sockets[0].getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), float(sys.argv[2])))
