"""aiohttp's client in place of masthead's HTTP/1.1 transport, for the comparison bench.

Two ways, both for :func:`masthead.reading.fetch.fetch` unchanged:

* :class:`AiohttpTransport` -- an httpx transport that sends each request with
  an ``aiohttp.ClientSession``: the transport slot of masthead's client, with
  httpx's request and response objects around it as before;
* :class:`AiohttpClient` -- the whole client: aiohttp's request and response,
  with a response object answering what ``fetch`` asks of httpx's.

Both leave the body's content codings to masthead (``auto_decompress=False``,
so the size cap counts every stage), open one connection per request
(``force_close``, as masthead's transport does), with the same bounds on a
response head, no pool limit (the pull's semaphore is the limit), no timeouts
(the pull's deadline is), no redirects (``fetch`` follows them). aiohttp's
errors become httpx's, which ``fetch`` turns into the reasons a pull reports.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import httpx
from multidict import CIMultiDictProxy

from masthead.reading import fetch as fetch_module
from masthead.reading.transport import MAX_FIELDS, MAX_HEAD

READ_SIZE = 64 * 1024


def _session() -> aiohttp.ClientSession:
    import certifi

    tls = ssl.create_default_context(cafile=certifi.where())
    connector = aiohttp.TCPConnector(limit=0, force_close=True, ssl=tls, ttl_dns_cache=300)
    return aiohttp.ClientSession(
        connector=connector,
        auto_decompress=False,
        timeout=aiohttp.ClientTimeout(total=None),
        skip_auto_headers=("Accept", "Accept-Encoding", "User-Agent"),
        cookie_jar=aiohttp.DummyCookieJar(),
        # the bounds of masthead's transport, so that both refuse the same heads
        max_line_size=MAX_HEAD,
        max_field_size=MAX_HEAD,
        max_headers=MAX_FIELDS,
    )


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except aiohttp.InvalidURL as exc:
        raise httpx.InvalidURL(str(exc)) from exc
    except aiohttp.ClientConnectorError as exc:
        raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
    except aiohttp.ClientPayloadError as exc:
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
    except aiohttp.ClientResponseError as exc:  # a malformed response head, among others
        raise httpx.RemoteProtocolError(str(exc) or type(exc).__name__) from exc
    except aiohttp.ClientError as exc:
        raise httpx.ReadError(str(exc) or type(exc).__name__) from exc


async def _body(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    with _as_httpx_errors():
        async for chunk in response.content.iter_chunked(READ_SIZE):
            yield chunk


class _Stream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in _body(self._response):
            yield chunk

    async def aclose(self) -> None:
        self._response.close()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """httpx requests sent with aiohttp."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._session is None:
            self._session = _session()
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in request.headers.raw
            if name.lower() != b"host"
        ]
        with _as_httpx_errors():
            response = await self._session.request(
                request.method, str(request.url), headers=headers, allow_redirects=False
            )
        return httpx.Response(
            response.status,
            headers=list(response.raw_headers),
            stream=_Stream(response),
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": (response.reason or "").encode(),
            },
            request=request,
        )

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()


class _Headers:
    """What ``fetch`` asks of a response's headers, over aiohttp's."""

    def __init__(self, headers: CIMultiDictProxy[str]) -> None:
        self._headers = headers

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._headers.get(name, default)

    def get_list(self, name: str) -> list[str]:
        return self._headers.getall(name, [])


class _Response:
    """What ``fetch`` asks of an httpx response, over aiohttp's."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self._response = response
        self.status_code = response.status
        self.reason_phrase = response.reason or ""
        self.headers = _Headers(response.headers)
        self.stream: Any = None

    def aiter_raw(self) -> AsyncIterator[bytes]:
        return _body(self._response)

    async def aclose(self) -> None:
        self._response.close()


class AiohttpClient:
    """The pull's client (see :class:`masthead.reading.fetch.FeedClient`) on aiohttp alone."""

    def __init__(self, *, user_agent: str | None = None, **_: object) -> None:
        self._session: aiohttp.ClientSession | None = None
        self._headers = {
            "User-Agent": user_agent or fetch_module.USER_AGENT,
            "Accept": fetch_module.ACCEPT,
            "Accept-Encoding": ", ".join(fetch_module.SUPPORTED),
        }

    async def get(self, url: str, headers: dict[str, str]) -> _Response:
        if self._session is None:
            self._session = _session()
        with _as_httpx_errors():
            response = await self._session.get(
                url, headers={**self._headers, **headers}, allow_redirects=False
            )
        return _Response(response)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> AiohttpClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _transport_client(*, user_agent: str | None = None, **_: object) -> fetch_module.FeedClient:
    return fetch_module.FeedClient(user_agent=user_agent, transport=AiohttpTransport())


def install(kind: str) -> None:
    """Make every pull (and every ``make_client()`` imported from now on) use aiohttp:
    ``kind`` is ``"transport"`` or ``"client"``."""
    from masthead.reading import pull

    factory: Any = {"transport": _transport_client, "client": AiohttpClient}[kind]
    fetch_module.make_client = factory
    pull.make_client = factory
