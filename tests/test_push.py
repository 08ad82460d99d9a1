"""``masthead push``: a draft created through each provider's API, against a loopback
server that checks the request against the provider's documented fields."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from masthead.cli import main
from masthead.email.built import BuiltIssue, find_built
from masthead.email.push import PushRequest, build_requests, push_names, send_requests
from masthead.errors import ConfigError, MastheadError
from masthead.providers import get
from masthead.providers.listmonk import go_template_literal

from .support import build_site, copy_project

SLUG = "december-2022"

# Documented request fields (Buttondown POST /v1/emails, Kit POST /v4/broadcasts,
# listmonk POST /api/campaigns, Mailchimp POST /3.0/campaigns and
# PUT /3.0/campaigns/{id}/content).
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

MAILCHIMP_FIELDS = {
    "type",
    "recipients",
    "settings",
    "variate_settings",
    "tracking",
    "rss_opts",
    "social_card",
    "content_type",
}
MAILCHIMP_SETTINGS = {
    "subject_line",
    "preview_text",
    "title",
    "from_name",
    "reply_to",
    "use_conversation",
    "to_name",
    "folder_id",
    "authenticate",
    "auto_footer",
    "inline_css",
    "auto_tweet",
    "auto_fb_post",
    "fb_comments",
    "template_id",
}
MAILCHIMP_CONTENT_FIELDS = {"plain_text", "html", "url", "template", "archive", "variate_contents"}
MAILCHIMP_KEY = "0123456789abcdef0123456789abcdef-us21"
CAMPAIGN_ID = "42694e9e57"


def mailchimp_problems(
    method: str, path: str, headers: Any, body: dict[str, Any], campaigns: set[str]
) -> list[str]:
    """What is wrong with a Mailchimp Marketing API 3.0 request."""
    found: list[str] = []
    scheme, _, encoded = str(headers.get("Authorization", "")).partition(" ")
    credentials = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
    if credentials.partition(":")[2] != MAILCHIMP_KEY:
        found.append("HTTP Basic auth with the API key as the password expected")
    if headers.get("Content-Type") != "application/json":
        found.append("Content-Type must be application/json")
    if method == "POST" and path == "/3.0/campaigns":
        found += [f"unknown field {k}" for k in set(body) - MAILCHIMP_FIELDS]
        if body.get("type") not in ("regular", "plaintext", "absplit", "rss", "variate"):
            found.append("type invalid")
        if not isinstance(body.get("recipients"), dict) or not body["recipients"].get("list_id"):
            found.append("recipients.list_id required")
        settings = body.get("settings", {})
        found += [f"unknown setting {k}" for k in set(settings) - MAILCHIMP_SETTINGS]
        for key in ("subject_line", "title", "from_name", "reply_to"):
            if not isinstance(settings.get(key), str) or not settings[key]:
                found.append(f"settings.{key} required")
    elif method == "PUT" and path.startswith("/3.0/campaigns/") and path.endswith("/content"):
        campaign = path.split("/")[3]
        if campaign not in campaigns:
            found.append(f"no campaign {campaign}")
        found += [f"unknown field {k}" for k in set(body) - MAILCHIMP_CONTENT_FIELDS]
        if "<html" not in str(body.get("html")) or not body.get("plain_text"):
            found.append("html and plain_text required")
    else:
        found.append(f"unknown endpoint {method} {path}")
    return found


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
    campaigns: ClassVar[set[str]] = set()
    refuse_content: ClassVar[bool] = False
    omit_id: ClassVar[bool] = False
    archive_url: ClassVar[str] = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _read(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.requests.append(
            {
                "method": self.command,
                "path": self.path,
                "headers": dict(self.headers),
                "body": body,
            }
        )
        return dict(body)

    def do_POST(self) -> None:
        body = self._read()
        if self.path.startswith("/3.0/"):
            found = mailchimp_problems("POST", self.path, self.headers, body, self.campaigns)
            if found:
                self._reply(400, {"title": "Invalid Resource", "detail": "; ".join(found)})
            else:
                self.campaigns.add(CAMPAIGN_ID)
                answer = {"id": CAMPAIGN_ID, "web_id": 123, "status": "save", **body}
                if self.omit_id:
                    del answer["id"]
                if self.archive_url:
                    answer["archive_url"] = self.archive_url
                self._reply(200, answer)
            return
        found = problems(self.path, self.headers, body)
        if found:
            self._reply(400, {"message": "; ".join(found)})
        elif self.path == "/v1/emails":
            self._reply(201, {"id": "b7d1e5a0-draft", "status": "draft", **body})
        elif self.path == "/v4/broadcasts":
            self._reply(201, {"broadcast": {"id": 27, "subject": body["subject"]}})
        else:
            self._reply(200, {"data": {"id": 5, "status": "draft"}})

    def do_PUT(self) -> None:
        body = self._read()
        found = mailchimp_problems("PUT", self.path, self.headers, body, self.campaigns)
        if self.refuse_content:
            found.append("Your merge fields were invalid")
        if found:
            self._reply(400, {"title": "Invalid Resource", "detail": "; ".join(found)})
        else:
            self._reply(200, {"html": body["html"], "plain_text": body["plain_text"]})

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
    Api.campaigns = set()
    Api.refuse_content = False
    Api.omit_id = False
    Api.archive_url = ""
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
    monkeypatch.setenv("MAILCHIMP_API_KEY", MAILCHIMP_KEY)
    monkeypatch.delenv("MAILCHIMP_LIST_ID", raising=False)
    monkeypatch.delenv("LISTMONK_URL", raising=False)


@pytest.fixture
def issue(project: Path) -> BuiltIssue:
    """The built email of the December 2022 issue."""
    found = find_built(project / "build" / "email", SLUG)
    assert found is not None
    return found


def test_buttondown_draft(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    assert main(["push", SLUG, "--provider", "buttondown", "--api-url", url + "/v1"]) == 0
    out = capsys.readouterr().out
    assert "draft created" in out and "(id b7d1e5a0-draft)" in out
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
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    args = ["push", SLUG, "--provider", "listmonk", "--api-url", url, "--list-id", "3"]
    assert main(args) == 0
    assert "(id 5)" in capsys.readouterr().out
    body = requests[0]["body"]
    assert body["lists"] == [3] and body["content_type"] == "html"
    assert body["altbody"].startswith("December 2022")
    # The text part's own merge tag stays a tag; other braces would be printed literally.
    assert "{{ UnsubscribeURL }}" not in body["altbody"]  # the example is a buttondown list
    assert body["from_email"] == "Mira <mira@kernelnotes.example.org>"


def test_go_template_literal_keeps_the_merge_tag() -> None:
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


def test_mailchimp_draft_in_two_steps(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    args = ["push", SLUG, "--provider", "mailchimp", "--api-url", url + "/3.0"]
    assert main([*args, "--list-id", "6f7a8b9c0d"]) == 0
    assert f"mailchimp: draft created for {SLUG!r} (id {CAMPAIGN_ID})" in capsys.readouterr().out
    create, content = requests
    assert (create["method"], create["path"]) == ("POST", "/3.0/campaigns")
    assert (content["method"], content["path"]) == ("PUT", f"/3.0/campaigns/{CAMPAIGN_ID}/content")
    assert create["body"]["type"] == "regular"
    assert create["body"]["recipients"] == {"list_id": "6f7a8b9c0d"}
    manifest = json.loads((project / "build/email" / SLUG / "manifest.json").read_text())
    settings = create["body"]["settings"]
    assert settings["subject_line"] == manifest["subject"]
    assert settings["preview_text"] == manifest["preheader"]
    assert settings["title"] == f"{manifest['subject']} ({SLUG})"
    assert (settings["from_name"], settings["reply_to"]) == ("Mira", "mira@kernelnotes.example.org")
    folder = project / "build/email" / SLUG
    assert content["body"]["html"] == (folder / "email.html").read_text(encoding="utf-8")
    assert content["body"]["plain_text"] == (folder / "email.txt").read_text(encoding="utf-8")


def test_mailchimp_audience_from_the_environment(
    project: Path, api: tuple[str, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    monkeypatch.setenv("MAILCHIMP_LIST_ID", "a1b2c3d4e5")
    assert main(["push", SLUG, "--provider", "mailchimp", "--api-url", url + "/3.0"]) == 0
    assert requests[0]["body"]["recipients"]["list_id"] == "a1b2c3d4e5"


def test_mailchimp_base_url_from_the_key_data_centre(issue: BuiltIssue) -> None:
    env = {"MAILCHIMP_API_KEY": MAILCHIMP_KEY, "MAILCHIMP_LIST_ID": "a1b2c3d4e5"}
    create, content = build_requests(issue, "mailchimp", env=env)
    assert create.url == "https://us21.api.mailchimp.com/3.0/campaigns"
    assert (create.method, content.method) == ("POST", "PUT")
    assert content.url == "https://us21.api.mailchimp.com/3.0/campaigns/{draft_id}/content"
    user, _, password = (
        base64.b64decode(create.headers["Authorization"][6:]).decode().partition(":")
    )
    assert user and password == MAILCHIMP_KEY
    with pytest.raises(ConfigError, match="ending in its data centre"):
        build_requests(issue, "mailchimp", env={**env, "MAILCHIMP_API_KEY": "nodatacentre"})
    with pytest.raises(ConfigError, match="MAILCHIMP_LIST_ID"):
        build_requests(issue, "mailchimp", env={"MAILCHIMP_API_KEY": MAILCHIMP_KEY})
    with pytest.raises(ConfigError, match="one audience"):
        build_requests(issue, "mailchimp", env=env, list_ids=("a1", "b2"))


def test_a_refused_second_step_names_the_draft_it_created(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    Api.refuse_content = True
    args = ["push", SLUG, "--provider", "mailchimp", "--api-url", url + "/3.0", "--list-id", "x1"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "mailchimp refused step 2 (PUT /3.0/campaigns/42694e9e57/content) (HTTP 400)" in err
    assert "Your merge fields were invalid" in err
    assert f"draft {CAMPAIGN_ID} was created" in err
    assert [r["method"] for r in requests] == ["POST", "PUT"]


def test_custom_has_no_push(issue: BuiltIssue, capsys: pytest.CaptureFixture[str]) -> None:
    assert push_names() == ("buttondown", "kit", "listmonk", "mailchimp")
    with pytest.raises(ConfigError) as exc:
        build_requests(issue, "custom", env={})
    assert "provider custom has no API" in str(exc.value)
    assert "'masthead send'" in str(exc.value) and "provider's own tool" in str(exc.value)
    with pytest.raises(SystemExit) as stop:
        main(["push", SLUG, "--provider", "custom"])
    assert stop.value.code == 2
    assert "invalid choice: 'custom'" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="expected one of buttondown, kit, listmonk, mailchimp"):
        build_requests(issue, "sendgrid", env={})


@pytest.mark.parametrize(
    ("provider", "answer", "draft"),
    [
        ("buttondown", {"id": "b7d1e5a0-draft", "status": "draft"}, "b7d1e5a0-draft"),
        ("kit", {"broadcast": {"id": 27, "subject": "s"}}, "27"),
        ("listmonk", {"data": {"id": 5, "status": "draft"}}, "5"),
        ("mailchimp", {"id": "42694e9e57", "web_id": 123, "status": "save"}, "42694e9e57"),
    ],
)
def test_draft_id_is_read_from_each_answer(
    provider: str, answer: dict[str, Any], draft: str
) -> None:
    push = get(provider).push
    assert push is not None
    assert push.draft_id(answer) == draft
    assert push.draft_id({"errors": ["nope"]}) == ""
    assert push.draft_id([answer]) == ""


def test_a_second_step_without_a_draft_id_is_an_error(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, requests = api
    monkeypatch.chdir(project)
    Api.omit_id = True
    args = ["push", SLUG, "--provider", "mailchimp", "--api-url", url + "/3.0", "--list-id", "x1"]
    # Neither an id nor a URL: no draft is known to exist.
    assert main(args) == 1
    captured = capsys.readouterr()
    assert "mailchimp: the answer to POST" in captured.err
    assert "names no draft (no id, no URL), so no draft is known to exist" in captured.err
    assert "draft created" not in captured.out
    # A URL but no id: the draft exists, but its content cannot be put in.
    Api.archive_url = "https://eepurl.com/iXyZ"
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "mailchimp created the draft but its answer has no id to finish it with" in err
    assert "draft https://eepurl.com/iXyZ was created" in err
    assert [r["method"] for r in requests] == ["POST", "POST"]


def test_the_draft_s_id_and_url_are_printed(
    project: Path,
    api: tuple[str, list[dict[str, Any]]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url, _ = api
    monkeypatch.chdir(project)
    Api.archive_url = "https://eepurl.com/iXyZ"
    args = ["push", SLUG, "--provider", "mailchimp", "--api-url", url + "/3.0", "--list-id", "x1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"draft created for {SLUG!r} (id {CAMPAIGN_ID}); nothing was sent" in out
    assert "draft: https://eepurl.com/iXyZ" in out


def test_push_misbehaving_servers_through_the_cli(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 302, an HTML 200 and a trickling answer are errors (exit 1), never "draft
    created"; the echoed key is redacted; --deadline bounds the whole push."""
    from .test_push_faults import reply, serve, trickle

    monkeypatch.chdir(project)

    def echo_html(h: Any, body: bytes) -> None:
        reply(h, 200, f"<html>Welcome back {h.headers['Authorization']}</html>", "text/html")

    cases = [
        (lambda h, b: reply(h, 302, "", "text/html", {"Location": "/login"}), "HTTP 302"),
        (echo_html, "not JSON (text/html), so the draft cannot be confirmed"),
        (echo_html, "Welcome back [redacted]</html>"),
        (trickle("body"), "did not finish within its 1 s deadline"),
    ]
    for behaviour, expected in cases:
        with serve(behaviour) as (url, _):
            args = ["push", SLUG, "--provider", "buttondown", "--api-url", url + "/v1"]
            assert main([*args, "--deadline", "1"]) == 1
        captured = capsys.readouterr()
        assert expected in captured.err, captured.err
        assert "draft created" not in captured.out
        assert "bd-key" not in captured.err + captured.out


def test_listmonk_list_ids_are_numbers(issue: BuiltIssue) -> None:
    env = {
        "LISTMONK_API_USER": "api",
        "LISTMONK_API_TOKEN": "t",
        "LISTMONK_URL": "https://l.example",
    }
    (request,) = build_requests(issue, "listmonk", env=env, list_ids=("3", 7))
    assert request.url == "https://l.example/api/campaigns"
    assert request.payload["lists"] == [3, 7]
    with pytest.raises(ConfigError, match="listmonk list ids are numbers"):
        build_requests(issue, "listmonk", env=env, list_ids=("news",))


def test_an_unreachable_api_and_no_request_are_clear_errors() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    request = PushRequest("kit", "POST", f"http://127.0.0.1:{port}/v4/broadcasts", {}, {})
    with pytest.raises(MastheadError) as exc:
        send_requests((request,), timeout=5)
    assert f"kit: POST http://127.0.0.1:{port}/v4/broadcasts failed" in str(exc.value)
    with pytest.raises(MastheadError, match="no request to send"):
        send_requests(())
