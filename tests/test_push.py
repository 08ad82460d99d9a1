"""``masthead push``: a draft created through each provider's API, against a loopback
server that checks the request against the provider's documented fields."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from masthead.cli import main

from .support import build_site, copy_project

SLUG = "december-2022"

# Documented request fields (Buttondown POST /v1/emails, Kit POST /v4/broadcasts,
# listmonk POST /api/campaigns).
BUTTONDOWN_FIELDS = {
    "subject",
    "body",
    "status",
    "description",
    "canonical_url",
    "slug",
    "email_type",
    "publish_date",
    "metadata",
    "secondary_id",
    "image",
    "attachments",
    "related_email_ids",
    "featured",
    "filters",
    "commenting_mode",
    "template",
}
KIT_FIELDS = {
    "email_template_id",
    "email_address",
    "content",
    "description",
    "public",
    "published_at",
    "send_at",
    "thumbnail_alt",
    "thumbnail_url",
    "preview_text",
    "subject",
    "subscriber_filter",
}
LISTMONK_FIELDS = {
    "name",
    "subject",
    "lists",
    "from_email",
    "type",
    "content_type",
    "body",
    "altbody",
    "send_at",
    "messenger",
    "template_id",
    "tags",
    "headers",
    "archive",
    "archive_template_id",
    "archive_meta",
    "media",
}


def problems(path: str, headers: Any, body: dict[str, Any]) -> list[str]:
    """What is wrong with a request, per the provider's documentation."""
    found: list[str] = []
    if headers.get("Content-Type") != "application/json":
        found.append("Content-Type must be application/json")
    if path == "/v1/emails":
        if headers.get("Authorization") != "Token bd-key":
            found.append("Authorization: Token <key> expected")
        found += [f"unknown field {k}" for k in set(body) - BUTTONDOWN_FIELDS]
        if body.get("status") != "draft":
            found.append("status must be 'draft' (Buttondown sends otherwise)")
        if not isinstance(body.get("subject"), str) or not body["subject"]:
            found.append("subject required")
        if not isinstance(body.get("body"), str) or "<html" not in body["body"]:
            found.append("body must be the HTML")
    elif path == "/v4/broadcasts":
        if headers.get("X-Kit-Api-Key") != "kit-key":
            found.append("X-Kit-Api-Key expected")
        found += [f"unknown field {k}" for k in set(body) - KIT_FIELDS]
        if "send_at" not in body or body["send_at"] is not None:
            found.append("send_at must be null to save a draft")
        if body.get("public") is not False:
            found.append("public must be false")
        if not body.get("subject") or "<html" not in str(body.get("content")):
            found.append("subject and HTML content required")
    elif path == "/api/campaigns":
        if headers.get("Authorization") != "token api:lm-token":
            found.append("Authorization: token user:token expected")
        found += [f"unknown field {k}" for k in set(body) - LISTMONK_FIELDS]
        for key in ("name", "subject", "lists"):
            if not body.get(key):
                found.append(f"{key} required")
        if not all(isinstance(i, int) for i in body.get("lists", [])):
            found.append("lists must be ids")
        if body.get("content_type") not in ("richtext", "html", "markdown", "plain"):
            found.append("content_type invalid")
        if body.get("type") not in ("regular", "optin"):
            found.append("type invalid")
    else:
        found.append(f"unknown endpoint {path}")
    return found


class Api(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
        found = problems(self.path, self.headers, body)
        if found:
            self._reply(400, {"message": "; ".join(found)})
        elif self.path == "/v1/emails":
            self._reply(201, {"id": "b7d1e5a0-draft", "status": "draft", **body})
        elif self.path == "/v4/broadcasts":
            self._reply(201, {"broadcast": {"id": 27, "subject": body["subject"]}})
        else:
            self._reply(200, {"data": {"id": 5, "status": "draft"}})

    def _reply(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def api() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    Api.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Api)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", Api.requests
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("push") / "project")
    build_site(project)
    return project


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUTTONDOWN_API_KEY", "bd-key")
    monkeypatch.setenv("KIT_API_KEY", "kit-key")
    monkeypatch.setenv("LISTMONK_API_USER", "api")
    monkeypatch.setenv("LISTMONK_API_TOKEN", "lm-token")


def test_buttondown_draft(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    assert main(["push", SLUG, "--provider", "buttondown", "--api-url", url + "/v1"]) == 0
    assert "draft created" in capsys.readouterr().out
    (request,) = requests
    body = request["body"]
    assert body["status"] == "draft"
    assert body["subject"].startswith("Kernel Notes")
    assert "{{ unsubscribe_url }}" in body["body"]
    manifest = json.loads((project / "build/email" / SLUG / "manifest.json").read_text())
    assert body["canonical_url"] == manifest["web_url"]
    assert body["description"] == manifest["preheader"]


def test_kit_draft(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    assert main(["push", "2022-12", "--provider", "kit", "--api-url", url + "/v4"]) == 0
    assert "(id 27)" in capsys.readouterr().out
    body = requests[0]["body"]
    assert body["send_at"] is None and body["public"] is False
    assert body["preview_text"]


def test_listmonk_draft(
    project: Path, api: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    args = ["push", SLUG, "--provider", "listmonk", "--api-url", url, "--list-id", "3"]
    assert main(args) == 0
    body = requests[0]["body"]
    assert body["lists"] == [3] and body["content_type"] == "html"
    assert body["altbody"].startswith("December 2022")
    # The text part's own merge tag stays a tag; other braces would be printed literally.
    assert "{{ UnsubscribeURL }}" not in body["altbody"]  # the example is a buttondown list
    assert body["from_email"] == "Mira <mira@kernelnotes.example.org>"


def test_go_template_literal_keeps_the_merge_tag() -> None:
    from masthead.email.push import go_template_literal

    text = "Run {{.info.pid}} now.\nUnsubscribe: {{ UnsubscribeURL }}"
    assert go_template_literal(text, keep=("{{ UnsubscribeURL }}",)) == (
        'Run {{"{{"}}.info.pid}} now.\nUnsubscribe: {{ UnsubscribeURL }}'
    )


def test_missing_key_and_refused_request_are_clear_errors(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    monkeypatch.delenv("BUTTONDOWN_API_KEY")
    assert main(["push", SLUG, "--provider", "buttondown", "--api-url", url + "/v1"]) == 1
    assert "BUTTONDOWN_API_KEY is not set" in capsys.readouterr().err
    assert requests == []
    monkeypatch.setenv("KIT_API_KEY", "wrong")
    assert main(["push", SLUG, "--provider", "kit", "--api-url", url + "/v4"]) == 1
    err = capsys.readouterr().err
    assert "kit refused the draft (HTTP 400)" in err and "X-Kit-Api-Key expected" in err
    assert main(["push", SLUG, "--provider", "listmonk", "--api-url", url]) == 1
    assert "--list-id" in capsys.readouterr().err


def test_an_issue_edited_after_its_build_is_built_again(
    tmp_path: Path, api: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    url, requests = api
    project = copy_project(tmp_path / "p")
    build_site(project)
    source = project / "content" / "newsletter" / "posts" / "2022-12.md"
    email_html = project / "build" / "email" / SLUG / "email.html"
    text = source.read_text()
    source.write_text(text.replace("Happy new year!", "Happy new year, edited!", 1))
    later = email_html.stat().st_mtime + 5
    os.utime(source, (later, later))
    monkeypatch.chdir(project)
    assert main(["push", SLUG, "--provider", "buttondown", "--api-url", url + "/v1"]) == 0
    assert "Happy new year, edited!" in requests[0]["body"]["body"]


def test_an_email_built_for_a_local_site_is_not_pushed(
    tmp_path: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    project = copy_project(tmp_path / "p")
    build_site(project, site_url="http://127.0.0.1:8000/")
    monkeypatch.chdir(project)
    assert main(["push", SLUG, "--provider", "buttondown", "--api-url", url + "/v1"]) == 1
    assert "was built with site_url 'http://127.0.0.1:8000/" in capsys.readouterr().err
    assert requests == []
