"""Sending over SMTP to a real aiosmtpd server on loopback: a test send, a 100-recipient
list, a send killed half-way and resumed, 4xx retried with back-off, 5xx recorded."""

from __future__ import annotations

import email
import email.policy
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from masthead.cli import main
from masthead.email.built import find_built
from masthead.email.send import Issue, Mailer, Pacing, Recipient, SendLog, SmtpSettings, send_issue

from .support import build_site, copy_project, free_port

UNSUBSCRIBE = "https://kernelnotes.example.org/unsubscribe/?email={email}"
SLUG = "december-2022"


@dataclass
class Recorder:
    """An aiosmtpd handler that records every delivery and refuses chosen recipients."""

    deliveries: list[tuple[str, EmailMessage]] = field(default_factory=list)
    temporary: dict[str, int] = field(default_factory=dict)
    """address -> how many more times to answer 451."""
    permanent: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        with self.lock:
            if address in self.permanent:
                return "550 5.1.1 No such user here"
            if self.temporary.get(address, 0) > 0:
                self.temporary[address] -= 1
                return "451 4.7.1 Greylisted, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.deliveries.append((rcpt, msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self.lock:
            return len(self.deliveries)

    def addresses(self) -> Counter[str]:
        with self.lock:
            return Counter(rcpt for rcpt, _ in self.deliveries)


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    from aiosmtpd.controller import Controller

    recorder = Recorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project with an unsubscribe URL configured, built once."""
    project = copy_project(tmp_path_factory.mktemp("send") / "project")
    config = project / "mkdocs.yml"
    text = config.read_text()
    marker = "            from: Mira <mira@kernelnotes.example.org>\n"
    assert text.count(marker) == 1
    config.write_text(
        text.replace(marker, marker + f"            unsubscribe_url: {UNSUBSCRIBE}\n")
    )
    build_site(project)
    return project


def subscribers(folder: Path, n: int) -> tuple[Path, list[str]]:
    addresses = [f"reader{i:03d}@example.org" for i in range(n)]
    path = folder / "subscribers.csv"
    path.write_text("email,name\n" + "".join(f"{a},Reader {i}\n" for i, a in enumerate(addresses)))
    return path, addresses


def smtp_args(port: int) -> list[str]:
    return ["--smtp-host", "127.0.0.1", "--smtp-port", str(port), "--security", "none"]


def payload(project: Path) -> Issue:
    built = find_built(project / "build" / "email", SLUG)
    assert built is not None
    return Issue(
        campaign=built.campaign,
        subject=built.get("subject"),
        sender=built.get("from"),
        html=built.html,
        text=built.text,
        provider=built.get("provider"),
        unsubscribe_url=UNSUBSCRIBE,
    )


def mailer(port: int) -> Mailer:
    return Mailer(SmtpSettings(host="127.0.0.1", port=port, security="none"))


# -- through the CLI -------------------------------------------------------------------------


def test_test_send_to_one_address(
    project: Path, smtp: tuple[Recorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, port = smtp
    monkeypatch.chdir(project)
    assert main(["send", SLUG, "--to", "mira@example.org", *smtp_args(port)]) == 0
    assert recorder.addresses() == Counter({"mira@example.org": 1})
    msg = recorder.deliveries[0][1]
    assert msg["To"] == "mira@example.org"
    assert msg["Subject"].startswith("Kernel Notes")
    # (A long header is folded before its value; the leading space is folding whitespace.)
    assert msg["List-Unsubscribe"].strip() == (
        "<https://kernelnotes.example.org/unsubscribe/?email=mira@example.org>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = msg.get_body(("html",)).get_content()
    assert 'href="https://kernelnotes.example.org/unsubscribe/?email=mira@example.org"' in html
    assert "{{ unsubscribe_url }}" not in html
    # A test send is not logged: sending it again delivers it again.
    assert main(["send", SLUG, "--to", "mira@example.org", *smtp_args(port)]) == 0
    assert recorder.addresses() == Counter({"mira@example.org": 2})


def test_list_of_100_each_once_and_a_rerun_sends_nothing(
    project: Path, smtp: tuple[Recorder, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, port = smtp
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, 100)
    log = tmp_path / "log.sqlite"
    args = [
        "send",
        SLUG,
        "--list",
        str(csv_path),
        *smtp_args(port),
        "--rate",
        "0",
        "--log",
        str(log),
    ]
    assert main(args) == 0
    assert recorder.addresses() == Counter(dict.fromkeys(addresses, 1))
    ids = {msg["Message-ID"] for _, msg in recorder.deliveries}
    assert len(ids) == 100
    assert main(args) == 0
    assert recorder.count() == 100
    with sqlite3.connect(log) as db:
        assert db.execute("SELECT status, COUNT(*) FROM sends GROUP BY status").fetchall() == [
            ("sent", 100)
        ]


def test_send_killed_half_way_resumes_with_nobody_twice_and_nobody_skipped(
    project: Path, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    recorder, port = smtp
    csv_path, addresses = subscribers(tmp_path, 100)
    log = tmp_path / "log.sqlite"
    command = [
        str(Path(sys.executable).parent / "masthead"),
        "send",
        SLUG,
        "--list",
        str(csv_path),
        *smtp_args(port),
        "--rate",
        "40",
        "--log",
        str(log),
    ]
    proc = subprocess.Popen(
        command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while recorder.count() < 30 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    first = recorder.count()
    assert 30 <= first < 100, first
    with sqlite3.connect(log) as db:
        states = dict(db.execute("SELECT status, COUNT(*) FROM sends GROUP BY status").fetchall())
    assert states.get("sent", 0) >= first - 1 and states.get("pending", 0) > 0

    rerun = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    received = recorder.addresses()
    # Nobody skipped.
    assert set(received) == set(addresses)
    # Nobody got two different messages; at most the one message in flight at the kill
    # went out twice, with the same Message-ID (clients show it once).
    for address in addresses:
        ids = {msg["Message-ID"] for rcpt, msg in recorder.deliveries if rcpt == address}
        assert len(ids) == 1, (address, ids)
    assert sum(received.values()) - 100 <= 1
    assert f"already sent before {states.get('sent', 0)}" in rerun.stderr
    with sqlite3.connect(log) as db:
        assert db.execute("SELECT COUNT(*) FROM sends WHERE status='sent'").fetchone() == (100,)


# Loopback test server: AUTH without TLS is fine here (aiosmtpd warns about it).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_credentials_come_from_the_environment(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticator(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"mira",
            b"s3cret",
        )
        return AuthResult(success=ok)

    recorder = Recorder()
    port = free_port()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        auth_required=True,
        auth_require_tls=False,
    )
    controller.start()
    try:
        monkeypatch.chdir(project)
        monkeypatch.delenv("MASTHEAD_SMTP_USER", raising=False)
        monkeypatch.delenv("MASTHEAD_SMTP_PASSWORD", raising=False)
        assert main(["send", SLUG, "--to", "a@example.org", *smtp_args(port)]) == 1
        assert "failed a@example.org: 530" in capsys.readouterr().err
        assert recorder.count() == 0
        monkeypatch.setenv("MASTHEAD_SMTP_USER", "mira")
        monkeypatch.setenv("MASTHEAD_SMTP_PASSWORD", "s3cret")
        assert main(["send", SLUG, "--to", "a@example.org", *smtp_args(port)]) == 0
        assert recorder.addresses() == Counter({"a@example.org": 1})
    finally:
        controller.stop()
    # The password is nowhere in the project's configuration.
    assert "s3cret" not in (project / "mkdocs.yml").read_text()


def test_unreachable_server_leaves_recipients_to_do(
    project: Path, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    recorder, port = smtp
    people = [Recipient("a@example.org"), Recipient("b@example.org")]
    with SendLog(tmp_path / "log.sqlite") as log:
        pacing = Pacing(rate=0, retries=2, retry_delay=0.001)
        down = send_issue(payload(project), people, mailer(free_port()), log, pacing=pacing)
        # Retried, then the run stops: nothing reached a server, so nobody is marked.
        assert "cannot connect to the SMTP server" in down.stopped
        assert down.pending == ["a@example.org", "b@example.org"] and not down.ok
        assert sum(down.counts().values()) == 2
        assert log.counts(payload(project).campaign) == {"pending": 2}
        report = send_issue(payload(project), people, mailer(port), log, pacing=Pacing(rate=0))
        assert report.sent == ["a@example.org", "b@example.org"] and report.resumed == []
    assert recorder.count() == 2


def test_list_send_needs_an_unsubscribe_url(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    build_site(project)
    csv_path, _ = subscribers(tmp_path, 2)
    monkeypatch.chdir(project)
    assert main(["send", SLUG, "--list", str(csv_path), "--smtp-port", "1"]) == 1
    assert "needs a working unsubscribe link" in capsys.readouterr().err


def test_one_send_per_log_at_a_time(tmp_path: Path) -> None:
    from masthead.errors import MastheadError

    path = tmp_path / "log.sqlite"
    with (
        SendLog(path),
        pytest.raises(MastheadError, match="another send is using this send log"),
    ):
        SendLog(path)
    with SendLog(path) as log:  # free again once the first is closed
        assert log.counts("x") == {}


def test_bad_list_names_file_and_line(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(project)
    bad = tmp_path / "list.csv"
    bad.write_text("email,name\nok@example.org,A\nnot-an-address,B\n")
    assert main(["send", SLUG, "--list", str(bad), "--smtp-port", "1"]) == 1
    err = capsys.readouterr().err
    assert "list.csv:3:" in err and "not-an-address" in err
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("address\nx@example.org\n")
    assert main(["send", SLUG, "--list", str(nohead), "--smtp-port", "1"]) == 1
    assert "nohead.csv:1: expected a header row with an 'email' column" in capsys.readouterr().err


# -- retries and failures (the core, same real server) ------------------------------------


def test_4xx_is_retried_with_back_off(
    project: Path, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    recorder, port = smtp
    recorder.temporary["b@example.org"] = 2
    delays: list[float] = []
    people = [Recipient("a@example.org"), Recipient("b@example.org"), Recipient("c@example.org")]
    with SendLog(tmp_path / "log.sqlite") as log:
        report = send_issue(
            payload(project),
            people,
            mailer(port),
            log,
            pacing=Pacing(rate=0, retries=3, retry_delay=0.01),
            sleep=lambda s: (delays.append(s), time.sleep(s)),  # type: ignore[func-returns-value]
        )
        assert report.ok and report.sent == ["a@example.org", "b@example.org", "c@example.org"]
        assert delays == [0.01, 0.02]  # exponential back-off
        rows = {a: (s, c) for a, s, c, _ in log.rows(payload(project).campaign)}
        assert rows["b@example.org"] == ("sent", 250)
        attempts = log.db.execute(
            "SELECT attempts FROM sends WHERE address='b@example.org'"
        ).fetchone()
        assert attempts == (3,)
    assert recorder.addresses() == Counter(
        {"a@example.org": 1, "b@example.org": 1, "c@example.org": 1}
    )


def test_4xx_after_every_retry_is_deferred_and_sent_next_run(
    project: Path, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    recorder, port = smtp
    recorder.temporary["slow@example.org"] = 5
    people = [Recipient("slow@example.org"), Recipient("ok@example.org")]
    with SendLog(tmp_path / "log.sqlite") as log:
        pacing = Pacing(rate=0, retries=1, retry_delay=0.001)
        report = send_issue(payload(project), people, mailer(port), log, pacing=pacing)
        assert not report.ok
        assert report.deferred["slow@example.org"].startswith("451")
        assert log.status(payload(project).campaign, "slow@example.org") == "deferred"
        recorder.temporary.clear()
        again = send_issue(payload(project), people, mailer(port), log, pacing=pacing)
        assert again.sent == ["slow@example.org"] and again.skipped == ["ok@example.org"]
    assert recorder.addresses() == Counter({"slow@example.org": 1, "ok@example.org": 1})


def test_5xx_is_recorded_reported_and_not_retried(
    project: Path, smtp: tuple[Recorder, int], tmp_path: Path
) -> None:
    recorder, port = smtp
    recorder.permanent.add("gone@example.org")
    people = [Recipient("x@example.org"), Recipient("gone@example.org"), Recipient("y@example.org")]
    with SendLog(tmp_path / "log.sqlite") as log:
        report = send_issue(
            payload(project), people, mailer(port), log, pacing=Pacing(rate=0, retry_delay=0.001)
        )
        assert report.sent == ["x@example.org", "y@example.org"]
        assert report.failed == {"gone@example.org": "550 5.1.1 No such user here"}
        row = next(r for r in log.rows(payload(project).campaign) if r[0] == "gone@example.org")
        assert row == ("gone@example.org", "failed", 550, "5.1.1 No such user here")
        again = send_issue(payload(project), people, mailer(port), log, pacing=Pacing(rate=0))
        # Reported as failed again (from the log), never as sent; not retried.
        assert again.sent == [] and again.skipped == ["x@example.org", "y@example.org"]
        assert again.failed == {"gone@example.org": "550 5.1.1 No such user here"}
        assert again.failed_before == ["gone@example.org"] and not again.ok
        # Asked to, a rerun tries the failed recipient again.
        recorder.permanent.clear()
        retried = send_issue(
            payload(project), people, mailer(port), log, pacing=Pacing(rate=0), retry_failed=True
        )
        assert retried.sent == ["gone@example.org"] and retried.ok
    assert recorder.addresses() == Counter(
        {"x@example.org": 1, "gone@example.org": 1, "y@example.org": 1}
    )


def test_cli_reports_5xx_with_exit_code_1(
    project: Path,
    smtp: tuple[Recorder, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder, port = smtp
    recorder.permanent.add("reader001@example.org")
    monkeypatch.chdir(project)
    csv_path, _ = subscribers(tmp_path, 3)
    rc = main(
        [
            "send",
            SLUG,
            "--list",
            str(csv_path),
            *smtp_args(port),
            "--rate",
            "0",
            "--log",
            str(tmp_path / "l.sqlite"),
        ]
    )
    assert rc == 1
    err = capsys.readouterr().err
    assert "failed reader001@example.org: 550" in err
    assert recorder.count() == 2
