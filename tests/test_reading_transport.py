"""The lean HTTP/1.1 transport under httpx, against raw servers on loopback that
answer with exact bytes: chunked bodies, bodies up to the close, interim
responses, broken heads, and TLS with a checked certificate."""

from __future__ import annotations

import asyncio
import gzip
import socket
import ssl
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from masthead.reading.fetch import fetch, make_client
from masthead.reading.parse import FeedError
from masthead.reading.transport import MAX_HEAD, LeanTransport


@contextmanager
def raw_server(reply: bytes, *, tls: ssl.SSLContext | None = None) -> Iterator[tuple[str, list]]:
    """Answer every connection with ``reply`` after reading the request head."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(0.1)
    requests: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(5)
            try:
                if tls is not None:
                    conn = tls.wrap_socket(conn, server_side=True)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                requests.append(data)
                conn.sendall(reply)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}/feed.xml", requests
    finally:
        stop.set()
        thread.join(5)
        listener.close()


async def _get(url: str, context: ssl.SSLContext | None = None) -> httpx.Response:
    transport = LeanTransport(context or ssl.create_default_context())
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(url)
        await response.aread()
        return response


Runner = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Runner:
    """Each test on asyncio's own loop and on uvloop (the loop a pull runs on)."""
    if request.param == "asyncio":
        return asyncio.run
    pytest.importorskip("uvloop")
    from masthead.reading.pull import run_loop

    return run_loop


FEED = b"<rss version='2.0'><channel><title>t</title></channel></rss>"


def test_content_length_body_and_request_head(run: Runner) -> None:
    reply = b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nETag: "v1"\r\n\r\n%s' % (len(FEED), FEED)
    with raw_server(reply) as (url, requests):
        response = run(_get(url))
    assert response.status_code == 200
    assert response.content == FEED
    assert response.headers["etag"] == '"v1"'
    head = requests[0].decode()
    assert head.startswith("GET /feed.xml HTTP/1.1\r\n")
    assert "\r\nHost: 127.0.0.1:" in head
    assert "\r\nConnection: close\r\n" in head


def test_chunked_body_with_extensions_and_trailer(run: Runner) -> None:
    body = (
        b"4;ext=1\r\n<rss\r\n"
        + b"%x\r\n%s\r\n" % (len(FEED) - 4, FEED[4:])
        + b"0\r\nX-T: 1\r\n\r\n"
    )
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body
    with raw_server(reply) as (url, _):
        response = run(_get(url))
    assert response.content == FEED


def test_gzip_body_is_decoded_by_httpx(run: Runner) -> None:
    packed = gzip.compress(FEED)
    reply = (
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(packed)
    ) + packed
    with raw_server(reply) as (url, _):
        response = run(_get(url))
    assert response.content == FEED


def test_body_up_to_the_close_and_interim_response(run: Runner) -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n" + FEED
    with raw_server(reply) as (url, _):
        response = run(_get(url))
    assert response.status_code == 200
    assert response.content == FEED


def test_304_has_no_body(run: Runner) -> None:
    with raw_server(b'HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\n\r\n') as (url, _):
        response = run(_get(url))
    assert response.status_code == 304
    assert response.content == b""


@pytest.mark.parametrize(
    ("reply", "error", "words"),
    [
        (b"SSH-2.0-OpenSSH_9.2\r\n\r\n", httpx.RemoteProtocolError, "not an HTTP/1.x status"),
        (b"HTTP/1.1 200 OK\r\nBroken header\r\n\r\n", httpx.RemoteProtocolError, "malformed"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", httpx.RemoteProtocolError, "complete response head"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort",
            httpx.RemoteProtocolError,
            "unread",
        ),
        (
            b"HTTP/1.1 200 OK\r\nX: " + b"a" * MAX_HEAD + b"\r\n\r\n",
            httpx.RemoteProtocolError,
            "larger",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            httpx.RemoteProtocolError,
            "chunk size",
        ),
    ],
)
def test_broken_responses_raise_httpx_errors(
    reply: bytes, error: type, words: str, run: Runner
) -> None:
    with raw_server(reply) as (url, _), pytest.raises(error, match=words):
        run(_get(url))


def test_connection_refused_is_a_connect_error(run: Runner) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    with pytest.raises(httpx.ConnectError):
        run(_get(f"http://127.0.0.1:{port}/"))


def test_https_with_a_trusted_certificate(certificate: tuple[Path, Path], run: Runner) -> None:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(str(cert), str(key))
    client = ssl.create_default_context(cafile=str(cert))
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(FEED), FEED)
    with raw_server(reply, tls=server) as (url, _):
        response = run(_get(url, client))
    assert response.content == FEED


def test_https_with_an_untrusted_certificate_fails_as_a_feed_error(
    certificate: tuple[Path, Path], run: Runner
) -> None:
    cert, key = certificate
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(str(cert), str(key))
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"

    async def pull_one(url: str) -> None:
        async with make_client() as client:  # the system's trust store
            await fetch(client, url, max_bytes=1 << 20, timeout=5)

    with raw_server(reply, tls=server) as (url, _), pytest.raises(FeedError) as info:
        run(pull_one(url))
    assert "connection failed" in info.value.reason
    assert "CERTIFICATE_VERIFY_FAILED" in info.value.reason
