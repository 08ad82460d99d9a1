"""SMTP over TLS: STARTTLS (with AUTH, as a submission server does) and implicit TLS,
against aiosmtpd on loopback with a certificate made for the test by openssl."""

from __future__ import annotations

import shutil
import ssl
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from masthead.email.send import Mailer, Pacing, Recipient, SmtpSettings, send_issue

from .support import free_port
from .test_send import Recorder, payload, project  # noqa: F401 - module fixture reused

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The client trusts the test certificate (through OpenSSL's SSL_CERT_FILE); the
    server's context serves it."""
    cert, key = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    return context


def _serve(recorder: Recorder, **options: Any) -> Iterator[int]:
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"mira", b"pw")
    return AuthResult(success=ok)


def test_starttls_with_auth(project: Path, trusted: ssl.SSLContext) -> None:  # noqa: F811
    recorder = Recorder()
    served = _serve(
        recorder,
        tls_context=trusted,
        require_starttls=True,
        auth_required=True,
        authenticator=_authenticator,
    )
    port = next(served)
    try:
        people = [Recipient("a@example.org")]
        secure = SmtpSettings("127.0.0.1", port, "starttls", username="mira", password="pw")
        report = send_issue(payload(project), people, Mailer(secure), None, pacing=Pacing(rate=0))
        assert report.sent == ["a@example.org"]
        # Without STARTTLS the server refuses before any mail is accepted.
        plain = SmtpSettings("127.0.0.1", port, "none")
        refused = send_issue(payload(project), people, Mailer(plain), None, pacing=Pacing(rate=0))
        assert refused.sent == [] and refused.failed["a@example.org"].startswith("530")
    finally:
        next(served, None)
    assert recorder.addresses() == Counter({"a@example.org": 1})


def test_implicit_tls(project: Path, trusted: ssl.SSLContext) -> None:  # noqa: F811
    recorder = Recorder()
    served = _serve(recorder, ssl_context=trusted)
    port = next(served)
    try:
        settings = SmtpSettings("127.0.0.1", port, "ssl")
        report = send_issue(
            payload(project),
            [Recipient("b@example.org")],
            Mailer(settings),
            None,
            pacing=Pacing(rate=0),
        )
        assert report.sent == ["b@example.org"]
    finally:
        next(served, None)
    assert recorder.addresses() == Counter({"b@example.org": 1})
