"""``push`` against provider fakes that misbehave, each a real HTTP server on loopback:
a 302, a 200 carrying an HTML page, JSON without an id, a server that echoes the API
key back, one that trickles its answer a byte at a time. A draft is reported only when
the JSON answer names it; everything else is an error with the status and the start of
the answer, with every secret redacted; a push has one deadline for all its requests."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from masthead.email.built import BuiltIssue
from masthead.email.push import (
    EXCERPT,
    REDACTED,
    PushRequest,
    Redactor,
    build_requests,
    secrets_of,
    send_requests,
)
from masthead.errors import MastheadError

# Keys with the characters that change when a server URL-encodes or JSON-escapes them.
BUTTONDOWN_KEY = "bd-7f3a/Qx+9z=secret"
KIT_KEY = "kit_live_5c1e9b2a77d04f"
LISTMONK_TOKEN = "lm-tok-0a9b8c7d6e"
MAILCHIMP_KEY = "0123456789abcdef0123456789abcdef-us21"
ENV = {
    "BUTTONDOWN_API_KEY": BUTTONDOWN_KEY,
    "KIT_API_KEY": KIT_KEY,
    "LISTMONK_API_USER": "masthead",
    "LISTMONK_API_TOKEN": LISTMONK_TOKEN,
    "MAILCHIMP_API_KEY": MAILCHIMP_KEY,
}
KEYS = (BUTTONDOWN_KEY, KIT_KEY, LISTMONK_TOKEN, MAILCHIMP_KEY)
BASE = {"buttondown": "/v1", "kit": "/v4", "listmonk": "", "mailchimp": "/3.0"}

Behaviour = Callable[[http.server.BaseHTTPRequestHandler, bytes], None]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    behaviour: Behaviour
    seen: list[dict[str, Any]]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.seen.append({"method": self.command, "path": self.path, "headers": self.headers})
        with suppress(BrokenPipeError, ConnectionResetError):
            self.behaviour(self, body)

    do_POST = do_PUT = do_GET = _any


@contextmanager
def serve(behaviour: Behaviour) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A loopback HTTP server answering every request with ``behaviour``."""
    seen: list[dict[str, Any]] = []
    handler = type("Handler", (_Handler,), {"behaviour": staticmethod(behaviour), "seen": seen})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def reply(
    handler: http.server.BaseHTTPRequestHandler,
    status: int,
    body: bytes | str,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    data = body.encode() if isinstance(body, str) else body
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(data)


def echo_of(handler: http.server.BaseHTTPRequestHandler) -> dict[str, str]:
    """Every credential the request carried, raw, URL-encoded and JSON-escaped."""
    auth = handler.headers.get("Authorization") or handler.headers.get("X-Kit-Api-Key") or ""
    token = auth.partition(" ")[2] or auth
    return {"you_sent": auth, "quoted": quote(auth, safe=""), "token": token}


@pytest.fixture
def issue(tmp_path: Path) -> BuiltIssue:
    folder = tmp_path / "december-2022"
    folder.mkdir()
    (folder / "email.html").write_text("<html><body><p>Hello</p></body></html>")
    (folder / "email.txt").write_text("Hello\n")
    return BuiltIssue(
        folder,
        {
            "slug": "december-2022",
            "subject": "Kernel Notes, December 2022",
            "preheader": "CPU limits and DNS",
            "from": "Mira <mira@kernelnotes.example.org>",
            "web_url": "https://kernelnotes.example.org/newsletter/december-2022/",
        },
    )


def requests_for(issue: BuiltIssue, provider: str, url: str) -> tuple[PushRequest, ...]:
    return build_requests(issue, provider, env=ENV, api_url=url + BASE[provider], list_ids=("3",))


def push_error(issue: BuiltIssue, provider: str, behaviour: Behaviour, **kw: Any) -> str:
    with serve(behaviour) as (url, _), pytest.raises(MastheadError) as exc:
        send_requests(requests_for(issue, provider, url), **kw)
    message = str(exc.value)
    for key in KEYS:
        assert key not in message, message
        assert quote(key, safe="") not in message, message
    assert "Basic " + "MDEy" not in message  # (no Authorization value either)
    return message


PROVIDERS = ["buttondown", "kit", "listmonk", "mailchimp"]


# -- a draft only when the JSON answer names it ---------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_redirect_is_an_error_and_is_not_followed(issue: BuiltIssue, provider: str) -> None:
    def behaviour(h: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        if h.path.startswith("/login"):
            reply(h, 200, '{"id": "would-be-a-draft"}')
            return
        key = echo_of(h)["token"]
        reply(
            h,
            302,
            "<html><body>Moved: <a href='/login'>sign in</a></body></html>",
            "text/html",
            {"Location": f"/login?next=/v1/emails&key={quote(key, safe='')}"},
        )

    with serve(behaviour) as (url, seen), pytest.raises(MastheadError) as exc:
        send_requests(requests_for(issue, provider, url))
    message = str(exc.value)
    assert "redirect (HTTP 302 to /login?next=/v1/emails&key=[redacted])" in message
    assert "not followed" in message and "Moved: <a href='/login'>sign in</a>" in message
    assert "draft created" not in message
    # Not followed: the login page (which would have "created" a draft) was never asked.
    assert [r["path"].startswith("/login") for r in seen] == [False]
    assert all(k not in message for k in KEYS)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_200_with_an_html_page_is_an_error(issue: BuiltIssue, provider: str) -> None:
    page = "<!doctype html><html><head><title>Sign in</title></head><body>" + "x" * 5000
    message = push_error(issue, provider, lambda h, b: reply(h, 200, page, "text/html"))
    assert "answered HTTP 200 with something that is not JSON (text/html)" in message
    assert "<!doctype html><html><head><title>Sign in</title>" in message
    # The first ~200 characters of the answer, not all of it.
    assert "x" * EXCERPT not in message and "…" in message


@pytest.mark.parametrize("provider", PROVIDERS)
def test_json_without_an_id_is_an_error_with_the_answer(issue: BuiltIssue, provider: str) -> None:
    def behaviour(h: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        reply(h, 200, json.dumps({"status": "queued", "id": {"x": 1}, **echo_of(h)}))

    message = push_error(issue, provider, behaviour)
    assert "(HTTP 200) names no draft (no id, no URL), so no draft is known to exist" in message
    assert '"status": "queued"' in message
    assert REDACTED in message  # the echoed key is in the quoted answer, redacted


@pytest.mark.parametrize(
    ("status", "body", "content_type", "expected"),
    [
        (201, "", "application/json", "with an empty body"),
        (200, "OK", "text/plain", "not JSON (text/plain)"),
        (200, "[1, 2]", "application/json", "names no draft"),
        (204, "", "application/json", "with an empty body"),
    ],
)
def test_other_answers_that_name_no_draft_are_errors(
    issue: BuiltIssue, status: int, body: str, content_type: str, expected: str
) -> None:
    message = push_error(issue, "buttondown", lambda h, b: reply(h, status, body, content_type))
    assert expected in message and f"HTTP {status}" in message


def test_a_draft_named_by_its_url_only_is_reported_by_its_url(issue: BuiltIssue) -> None:
    page = "https://buttondown.com/kernelnotes/archive/december-2022/"
    with serve(lambda h, b: reply(h, 201, json.dumps({"absolute_url": page}))) as (url, _):
        result = send_requests(requests_for(issue, "buttondown", url))
    assert (result.draft_id, result.draft_url, result.status_code) == ("", page, 201)


def test_the_id_and_url_of_each_provider_s_answer(issue: BuiltIssue) -> None:
    answers = {
        "buttondown": {"id": "em_1", "absolute_url": "https://buttondown.com/k/archive/x/"},
        "kit": {"broadcast": {"id": 27, "public_url": "https://k.kit.com/posts/x"}},
        "listmonk": {"data": {"id": 5}},
        "mailchimp": {"id": "42694e9e57", "archive_url": "https://eepurl.com/abc"},
    }
    for provider, answer in answers.items():
        with serve(lambda h, b, a=answer: reply(h, 200, json.dumps(a))) as (url, seen):
            result = send_requests(requests_for(issue, provider, url))
        flat = json.dumps(answer)
        assert result.draft_id and result.draft_id in flat, provider
        assert result.draft_url in flat, provider
        if provider == "mailchimp":
            assert [r["path"] for r in seen] == [
                "/3.0/campaigns",
                "/3.0/campaigns/42694e9e57/content",
            ]


# -- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_a_refusal_that_echoes_the_key_is_redacted(issue: BuiltIssue, provider: str) -> None:
    def behaviour(h: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        echoed = echo_of(h)
        text = json.dumps({"error": f"invalid credentials {echoed['you_sent']}", **echoed})
        reply(h, 401, text)

    message = push_error(issue, provider, behaviour)
    assert "refused the draft (HTTP 401)" in message and REDACTED in message


def test_every_provider_declares_its_secrets(issue: BuiltIssue) -> None:
    for provider in PROVIDERS:
        requests = requests_for(issue, provider, "https://api.example.org")
        found = secrets_of(requests)
        assert any(key in found for key in KEYS), provider
        redact = Redactor(found)
        for request in requests:
            for value in request.headers.values():
                if value not in ("application/json",):
                    assert all(k not in redact(value) for k in KEYS)
    # The listmonk user name is not a secret (and "masthead" stays readable).
    assert (
        Redactor(secrets_of(requests_for(issue, "listmonk", "https://l.example")))(
            "masthead listmonk"
        )
        == "masthead listmonk"
    )


def test_the_redactor_catches_the_forms_a_server_echoes() -> None:
    redact = Redactor([BUTTONDOWN_KEY])
    forms = [
        BUTTONDOWN_KEY,
        quote(BUTTONDOWN_KEY, safe=""),
        json.dumps(BUTTONDOWN_KEY)[1:-1],
        "YmQtN2YzYS9ReCs5ej1zZWNyZXQ=",  # base64
    ]
    for form in forms:
        assert redact(f"before {form} after") == f"before {REDACTED} after"


def test_an_unreachable_api_error_keeps_secrets_out_of_the_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = PushRequest(
        "kit",
        "POST",
        f"http://user:{KIT_KEY}@127.0.0.1:{port}/v4/broadcasts",
        {"X-Kit-Api-Key": KIT_KEY},
        secrets=(KIT_KEY,),
    )
    with pytest.raises(MastheadError) as exc:
        send_requests((request,), timeout=5)
    assert f"http://user:{REDACTED}@127.0.0.1:{port}/v4/broadcasts failed" in str(exc.value)
    assert KIT_KEY not in str(exc.value)


# -- one deadline for the whole push ------------------------------------------------------------


def trickle(where: str, every: float = 0.2, limit: float = 20.0) -> Behaviour:
    """An answer written one byte every ``every`` s: its status line and headers
    (``where="head"``) or its body (``"body"``); gives up after ``limit`` s."""

    def behaviour(h: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        data = json.dumps({"id": "late-draft", "pad": "x" * 200}).encode()
        head = (
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        ).encode()
        slow, fast = (head, b"") if where == "head" else (data, head)
        h.wfile.write(fast)
        h.wfile.flush()
        stop = time.monotonic() + limit
        for i in range(len(slow)):
            if time.monotonic() > stop:
                return
            h.wfile.write(slow[i : i + 1])
            h.wfile.flush()
            time.sleep(every)
        if where == "head":
            h.wfile.write(data)

    return behaviour


@pytest.mark.parametrize("where", ["head", "body"])
def test_a_trickling_server_fails_the_push_at_its_deadline(issue: BuiltIssue, where: str) -> None:
    # Every single read gets a byte well within the 30 s timeout: only the deadline stops it.
    message = push_error(issue, "kit", trickle(where), deadline=1.0)
    assert "the push did not finish within its 1 s deadline" in message
    assert "still waiting for POST http://127.0.0.1:" in message


def test_the_deadline_covers_all_the_requests_of_a_push(issue: BuiltIssue) -> None:
    """Mailchimp's two requests: the first answers at once, the second trickles."""
    slow = trickle("body")

    def behaviour(h: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        if h.command == "POST":
            reply(h, 200, json.dumps({"id": "42694e9e57"}))
        else:
            slow(h, body)

    message = push_error(issue, "mailchimp", behaviour, deadline=1.0)
    assert "within its 1 s deadline" in message and "PUT" in message
    assert "draft 42694e9e57 was created; finish or delete it at mailchimp" in message


def test_an_endless_answer_is_cut_off(issue: BuiltIssue) -> None:
    def behaviour(h: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"x" * 65536
        for _ in range(200):  # 12.5 MiB, more than is ever read
            h.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        h.wfile.write(b"0\r\n\r\n")

    message = push_error(issue, "buttondown", behaviour)
    assert "answered with more than 8 MiB" in message
