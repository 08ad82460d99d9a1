"""A small threaded HTTP server on 127.0.0.1 for the reading-list tests and benchmark.

It serves fixture feeds with controllable behaviour per path: status,
headers, ETag / Last-Modified with real 304 answers, gzip, redirects (also an
endless chain of them), a delay (slow server), a body that never ends, or a
whole folder of documents with added latency.
Every request is logged so tests can check what the client sent.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import http.server
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    validators: bool = False
    """Send an ETag and Last-Modified and answer 304 to a matching conditional GET."""
    gzip: bool = False
    delay: float = 0.0
    location: str | None = None
    """For 3xx routes: the Location header."""
    drip: bool = False
    """Send the body one byte at a time, ``delay`` seconds apart."""
    endless: bytes | None = None
    """Send this chunk again and again (chunked transfer coding, ``delay`` seconds
    apart) until the client goes away: a body that never ends."""
    chain: bool = False
    """Redirect (``status``) to this path plus ``/more``, for ever (route ``/x*`` serves
    every path under ``/x``)."""
    _etag: tuple[bytes, str] | None = None

    def etag(self) -> str:
        """A strong ETag of the current body (computed once per body)."""
        if self._etag is None or self._etag[0] is not self.body:
            self._etag = (self.body, '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"')
        return self._etag[1]


@dataclass
class Logged:
    path: str
    headers: dict[str, str]
    status: int


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # hundreds of concurrent connects must not hit the backlog
    routes: dict[str, Route]
    folder: Path | None
    latency: float
    log: list[Logged]
    lock: threading.Lock


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _route(self) -> Route | None:
        path = self.path.split("?", 1)[0]
        if path in self.server.routes:
            return self.server.routes[path]
        for key, route in self.server.routes.items():
            if key.endswith("*") and path.startswith(key[:-1]):
                return route
        if self.server.folder is not None:
            candidate = (self.server.folder / path.lstrip("/")).resolve()
            if candidate.parent == self.server.folder.resolve() and candidate.is_file():
                route = Route(
                    body=candidate.read_bytes(), content_type="application/xml", validators=True
                )
                with self.server.lock:  # read each file once, like a server's page cache
                    return self.server.routes.setdefault(path, route)
        return None

    def _send(self, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        with self.server.lock:
            self.server.log.append(Logged(self.path, dict(self.headers.items()), status))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self) -> None:
        if self.server.latency:
            time.sleep(self.server.latency)
        route = self._route()
        if route is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found")
            return
        if route.delay and not route.drip:
            time.sleep(route.delay)
        headers = {"Content-Type": route.content_type, **route.headers}
        if route.location is not None:
            headers["Location"] = route.location
        if route.chain:
            headers["Location"] = self.path.split("?", 1)[0] + "/more"
        if route.endless is not None:
            self._endless(route, headers)
            return
        if route.validators:
            etag = route.etag()
            modified = formatdate(1670000000, usegmt=True)
            headers["ETag"] = etag
            headers["Last-Modified"] = modified
            if self.headers.get("If-None-Match") == etag or (
                "If-None-Match" not in self.headers
                and self.headers.get("If-Modified-Since") == modified
            ):
                self._send(304, {"ETag": etag, "Last-Modified": modified})
                return
        body = route.body
        if route.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        if route.drip:
            with self.server.lock:
                self.server.log.append(Logged(self.path, dict(self.headers.items()), route.status))
            self.send_response(route.status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(route.delay)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self._send(route.status, headers, body)

    def _endless(self, route: Route, headers: dict[str, str]) -> None:
        assert route.endless is not None
        with self.server.lock:
            self.server.log.append(Logged(self.path, dict(self.headers.items()), route.status))
        self.send_response(route.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        chunk = b"%x\r\n%s\r\n" % (len(route.endless), route.endless)
        if not route.delay:  # as fast as it goes: many chunks a write
            chunk *= max(1, 65536 // len(chunk))
        try:
            while True:
                self.wfile.write(chunk)
                if route.delay:
                    self.wfile.flush()
                    time.sleep(route.delay)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


@contextlib.contextmanager
def feed_server(
    routes: dict[str, Route] | None = None,
    *,
    folder: Path | None = None,
    latency: float = 0.0,
) -> Iterator[tuple[str, _Server]]:
    """Serve ``routes`` (path -> Route) and/or the files of ``folder`` on 127.0.0.1.

    Yields the base URL (no trailing slash) and the server (its ``log`` lists the
    requests). ``latency`` is added to every request.
    """
    server = _Server(("127.0.0.1", 0), _Handler)
    server.routes = dict(routes or {})
    server.folder = folder
    server.latency = latency
    server.log = []
    server.lock = threading.Lock()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
