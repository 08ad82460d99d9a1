"""Downloading feeds: httpx, concurrent, conditional, bounded.

One :class:`FeedClient` (httpx requests on masthead's lean HTTP/1.1
transport, see :mod:`.transport`) fetches every feed of a pull. Each fetch has
a deadline (all redirects included), sends a User-Agent and the validators
of the last response (``If-None-Match`` / ``If-Modified-Since``), follows
redirects itself (to report permanent ones and detect loops), accepts gzip
and deflate (and br, where a brotli module that can limit its output is
installed), and decodes the body itself a step at a time (:mod:`.decode`):
a body is refused as soon as the bytes sent, or those of any coding, stacked
or not, pass the size cap, so a compressed bomb is cut off after at most
the cap's worth of output. ``file://`` URLs are read from disk with the same cap.
"""

from __future__ import annotations

import asyncio
import importlib.util
import ssl
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import httpx

from .. import __version__
from .decode import STEP, SUPPORTED, Decoder, codings_of
from .parse import FeedError
from .transport import LeanTransport

if importlib.util.find_spec("sniffio") is None:
    # httpcore tries ``import sniffio`` on every request and falls back to asyncio
    # when it is missing; a failed import is not cached, and searching sys.path
    # hundreds of times costs more than the requests. None in sys.modules makes
    # the import fail at once, with the same fallback.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

USER_AGENT = f"masthead/{__version__} (reading-list pull; +https://pypi.org/project/masthead/)"
MAX_REDIRECTS = 5
PERMANENT = (301, 308)
ACCEPT = (
    "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, "
    "application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1"
)


@dataclass(frozen=True)
class Validators:
    """What the last response said, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A successful fetch: a fresh body (200) or 'not modified' (304)."""

    url: str
    """The URL asked for (as in feeds.yml)."""
    final_url: str
    status: int
    body: bytes | None
    """The decoded body; None on 304."""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    moved_to: str | None = None
    """Set when the feed moved permanently (301/308): the URL to put in feeds.yml."""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _ssl_context() -> ssl.SSLContext:
    try:
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:  # pragma: no cover - certifi comes with httpx
        return ssl.create_default_context()


class FeedClient:
    """httpx requests and responses, sent straight to the transport.

    ``httpx.AsyncClient`` adds cookies, auth, event hooks, redirects and
    timeouts around every request; a pull needs none of them (:func:`fetch`
    follows redirects itself and sets one deadline per feed), and that layer
    cost more CPU than the request itself when hundreds of feeds answer 304.
    What remains is httpx's: :class:`httpx.Request` (URL parsing, ``Host``,
    header encoding) and :class:`httpx.Response` (status, headers); the body's
    codings are undone by :mod:`.decode`, under the size cap.
    """

    def __init__(
        self,
        *,
        user_agent: str | None = None,
        verify: ssl.SSLContext | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._transport = transport or LeanTransport(verify, context_factory=_ssl_context)
        self._headers = {
            "User-Agent": user_agent or USER_AGENT,
            "Accept": ACCEPT,
            "Accept-Encoding": ", ".join(SUPPORTED),
        }

    async def get(self, url: str, headers: dict[str, str]) -> httpx.Response:
        """Send a GET for ``url``; the caller reads the body and closes the response."""
        request = httpx.Request("GET", url, headers={**self._headers, **headers})
        response = await self._transport.handle_async_request(request)
        response.request = request
        return response

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def __aenter__(self) -> FeedClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def make_client(
    *,
    user_agent: str | None = None,
    verify: ssl.SSLContext | None = None,
) -> FeedClient:
    """The client of a pull: httpx over :class:`~.transport.LeanTransport`.

    Concurrency is the caller's (a semaphore): the transport opens one
    connection per request, so there is no pool to size. Timeouts are the
    caller's too: :func:`fetch` puts one deadline around each feed.
    """
    return FeedClient(user_agent=user_agent, verify=verify)


def _status_reason(response: httpx.Response) -> str:
    code = response.status_code
    phrase = response.reason_phrase or ""
    if code == 410:
        return f"HTTP 410 {phrase or 'Gone'}: the feed was removed; delete it from feeds.yml"
    if code == 404:
        return f"HTTP 404 {phrase or 'Not Found'}: check the URL in feeds.yml"
    if code in (401, 403):
        return f"HTTP {code} {phrase}: the server refuses access".rstrip()
    if code == 429 or code == 503:
        retry = response.headers.get("retry-after")
        return f"HTTP {code} {phrase}" + (f" (retry after {retry} s)" if retry else "")
    return f"HTTP {code} {phrase}".rstrip()


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The document of ``response``: its body read and decoded a step at a time
    (see :mod:`.decode`), refused as soon as any stage passes ``max_bytes``."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FeedError(
            f"refused: the body ({int(declared):,} bytes) is larger than the "
            f"{max_bytes:,}-byte size cap"
        )
    codings = codings_of(
        response.headers.get_list("content-encoding"),
        response.headers.get_list("transfer-encoding"),
    )
    decoder = Decoder(codings, max_bytes)
    pieces: list[bytes] = []
    async for chunk in response.aiter_raw():
        pieces.extend(decoder.decode(chunk))
        if getattr(response.stream, "framing", 0) > max_bytes:
            raise FeedError(
                f"refused: the chunked framing of the body is larger than the "
                f"{max_bytes:,}-byte size cap"
            )
    pieces.extend(decoder.finish())
    return b"".join(pieces)


def _read_file(url: str, max_bytes: int) -> bytes:
    """A ``file://`` feed, read and (for ``.gz``) decoded a step at a time under the cap;
    the file's size is not trusted (``/dev/zero`` says 0, a FIFO never ends)."""
    path = Path(unquote(urlsplit(url).path))
    decoder = Decoder(["gzip"] if path.suffix == ".gz" else [], max_bytes)
    pieces: list[bytes] = []
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(STEP):
                pieces.extend(decoder.decode(chunk))
        pieces.extend(decoder.finish())
    except FileNotFoundError:
        raise FeedError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise FeedError(f"cannot read {path}: it is a folder") from None
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror}") from exc
    except FeedError as exc:
        raise FeedError(exc.reason.replace("the body", "the file", 1)) from None
    return b"".join(pieces)


async def fetch(
    client: FeedClient | None,
    url: str,
    *,
    validators: Validators | None = None,
    max_bytes: int,
    timeout: float,
) -> Fetched:
    """Fetch one feed; raise :class:`FeedError` with the reason when it fails."""
    if urlsplit(url).scheme.lower() == "file":
        body = await asyncio.to_thread(_read_file, url, max_bytes)
        return Fetched(url=url, final_url=url, status=200, body=body)
    assert client is not None, "an http(s) feed needs a client"
    headers: dict[str, str] = {}
    if validators is not None:
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
    current = url
    seen = {url}
    moved_to: str | None = None
    still_permanent = True
    try:
        async with asyncio.timeout(timeout):
            for _hop in range(MAX_REDIRECTS + 1):
                response = await client.get(current, headers)
                try:
                    code = response.status_code
                    if code in (301, 302, 303, 307, 308):
                        location = response.headers.get("location")
                        if not location:
                            raise FeedError(f"HTTP {code} redirect without a Location header")
                        target = urljoin(current, location.strip())
                        if urlsplit(target).scheme.lower() not in ("http", "https"):
                            raise FeedError(f"redirect to a non-http(s) URL refused: {target}")
                        if target in seen:
                            raise FeedError(f"redirect loop: {current} -> {target}")
                        seen.add(target)
                        if still_permanent and code in PERMANENT:
                            moved_to = target
                        else:
                            still_permanent = False
                        current = target
                        continue
                    if code == 304:
                        if validators is None:
                            raise FeedError("HTTP 304 Not Modified to an unconditional request")
                        return Fetched(
                            url=url,
                            final_url=current,
                            status=304,
                            body=None,
                            etag=response.headers.get("etag") or validators.etag,
                            last_modified=(
                                response.headers.get("last-modified") or validators.last_modified
                            ),
                            moved_to=moved_to,
                        )
                    if code != 200:
                        raise FeedError(_status_reason(response))
                    body = await _read_capped(response, max_bytes)
                    return Fetched(
                        url=url,
                        final_url=current,
                        status=200,
                        body=body,
                        etag=response.headers.get("etag"),
                        last_modified=response.headers.get("last-modified"),
                        content_type=response.headers.get("content-type"),
                        moved_to=moved_to,
                    )
                finally:
                    await response.aclose()
            raise FeedError(f"too many redirects (more than {MAX_REDIRECTS}), last to {current}")
    except FeedError as exc:
        exc.url = url
        raise
    except TimeoutError:
        raise FeedError(f"timed out after {timeout:g} s", url=url) from None
    except httpx.TimeoutException:
        raise FeedError(f"timed out after {timeout:g} s", url=url) from None
    except httpx.DecodingError as exc:
        raise FeedError(f"bad compressed body: {exc}", url=url) from exc
    except httpx.ConnectError as exc:
        raise FeedError(f"connection failed: {exc or type(exc).__name__}", url=url) from exc
    except httpx.HTTPError as exc:
        raise FeedError(f"{type(exc).__name__}: {exc}", url=url) from exc
    except httpx.InvalidURL as exc:
        raise FeedError(f"invalid URL or redirect target: {exc}", url=url) from exc
