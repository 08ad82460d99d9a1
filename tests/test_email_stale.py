"""Never a stale send: the email is built again when any of its inputs changed (real SMTP)."""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from masthead.cli import main

from .support import copy_project, free_port

UNSUBSCRIBE = "https://kernelnotes.example.org/unsubscribe/?email={email}"
SLUG = "december-2022"


class _Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def last_html(self) -> str:
        with self.lock:
            part = self.messages[-1].get_body(("html",))
        assert part is not None
        return str(part.get_content())  # type: ignore[attr-defined]


@pytest.fixture
def inbox() -> Iterator[tuple[_Inbox, int]]:
    from aiosmtpd.controller import Controller

    handler = _Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_of_any_input_rebuilds_the_email_before_a_send(
    tmp_path: Path, inbox: tuple[_Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    handler, port = inbox
    project = copy_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    _edit(
        config,
        "            reply_to: mira@kernelnotes.example.org\n",
        "            reply_to: mira@kernelnotes.example.org\n"
        f"            unsubscribe_url: {UNSUBSCRIBE}\n",
    )
    assert main(["build", "-q", "-f", str(config)]) == 0
    manifest = json.loads((project / "build" / "email" / SLUG / "manifest.json").read_text())
    recorded = set(manifest["inputs"])
    for expected in (
        "mkdocs.yml",
        "content/newsletter/posts/2022-12.md",
        "content/reading/2022-12.yml",
        "content/.authors.yml",
    ):
        assert expected in recorded, sorted(recorded)
    assert any(name.endswith("email/templates/email/base.html") for name in recorded)
    assert any(name.startswith("content/assets/images/") for name in recorded)
    smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none"]
    send = ["send", "2022-12", "--to", "me@example.org", *smtp, "-f", str(config)]

    def send_again() -> str:
        capsys.readouterr()
        assert main(send) == 0
        return capsys.readouterr().err

    # Nothing changed: the built email is sent as it is.
    assert "building it again" not in send_again()
    assert "Check your nodes before you upgrade" in handler.last_html()
    # The reading lock: a comment edited after the build.
    lock = project / "content" / "reading" / "2022-12.yml"
    _edit(lock, "Check your nodes before you upgrade", "Upgrade the nodes first, always")
    err = send_again()
    assert "content/reading/2022-12.yml" in err and "building it again" in err
    assert "Upgrade the nodes first, always" in handler.last_html()
    # The authors file (the footer's bio).
    _edit(project / "content" / ".authors.yml", "boring on purpose", "quiet on purpose")
    assert "content/.authors.yml" in send_again()
    assert "quiet on purpose" in handler.last_html()
    # mkdocs.yml: a new Reply-To.
    _edit(
        config,
        "reply_to: mira@kernelnotes.example.org",
        "reply_to: replies@kernelnotes.example.org",
    )
    assert "mkdocs.yml" in send_again()
    with handler.lock:
        assert handler.messages[-1]["Reply-To"] == "replies@kernelnotes.example.org"
    # An email override template in the theme's email/ folder.
    override = project / "theme" / "email"
    override.mkdir()
    base = (
        Path(__file__).resolve().parents[1] / "generator/masthead/email/templates/email/base.html"
    )
    override.joinpath("base.html").write_text(
        base.read_text(encoding="utf-8").replace(
            '{{ mh_t("email.view_in_browser") }}', "See it in a browser"
        ),
        encoding="utf-8",
    )
    # A template that did not exist when the email was built is noticed too.
    assert "theme/email/base.html" in send_again()
    assert "See it in a browser" in handler.last_html()
    edited = override / "base.html"
    edited.write_text(
        edited.read_text(encoding="utf-8").replace(
            "See it in a browser", "Open it in your browser"
        ),
        encoding="utf-8",
    )
    assert "theme/email/base.html" in send_again()
    assert "Open it in your browser" in handler.last_html()


def test_an_email_without_recorded_inputs_is_built_again(
    tmp_path: Path, inbox: tuple[_Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    _, port = inbox
    project = copy_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    assert main(["build", "-q", "-f", str(config)]) == 0
    path = project / "build" / "email" / SLUG / "manifest.json"
    manifest = json.loads(path.read_text())
    del manifest["inputs"]
    path.write_text(json.dumps(manifest))
    smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none"]
    capsys.readouterr()
    assert main(["send", "2022-12", "--to", "me@example.org", *smtp, "-f", str(config)]) == 0
    assert "building it again" in capsys.readouterr().err
    assert "inputs" in json.loads(path.read_text())


def test_a_test_send_warns_about_local_links_and_a_literal_merge_tag(
    tmp_path: Path, inbox: tuple[_Inbox, int], capsys: pytest.CaptureFixture[str]
) -> None:
    handler, port = inbox
    project = copy_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    _edit(config, "site_url: https://kernelnotes.example.org/", "site_url: http://127.0.0.1:8000/")
    assert main(["build", "-q", "-f", str(config)]) == 0
    smtp = ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none"]
    capsys.readouterr()
    assert main(["send", "2022-12", "--to", "me@example.org", *smtp, "-f", str(config)]) == 0
    err = capsys.readouterr().err
    assert "point at a local build" in err and "http://127.0.0.1:8000/" in err
    assert "buttondown's merge tag {{ unsubscribe_url }}" in err
    assert "{{ unsubscribe_url }}" in handler.last_html()  # sent all the same: it is a test
    # A list send refuses the local build outright.
    subscribers = tmp_path / "list.csv"
    subscribers.write_text("email\nreader@example.org\n")
    assert main(["send", "2022-12", "--list", str(subscribers), *smtp, "-f", str(config)]) == 1
    assert "would not work for readers" in capsys.readouterr().err
