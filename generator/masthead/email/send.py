"""Sending an issue over SMTP, one message per recipient, with a send log.

The send log (SQLite) makes a send resumable: before a message goes out its
row is marked ``sending`` (committed), and after the server accepted it,
``sent`` (committed). A send that is killed and run again skips everyone
``sent`` and sends to everyone still ``pending``.

The crash window, honestly: if the process dies after the server accepted a
message but before ``sent`` was committed, the row still says ``sending`` and
nobody can know whether the message went out (SMTP has no idempotent
submit). Such a recipient is sent the message again on resume, with the
same Message-ID (each recipient's Message-ID is derived from the issue and
the address), so mail clients that dedupe by Message-ID (Gmail does) show
it once. At most one recipient per interrupted send is in that window,
since messages go out one at a time.

Temporary failures (4xx) are retried with exponential back-off and, when
retries run out, left ``deferred`` for the next run; permanent failures
(5xx) are recorded as ``failed`` with the server's reply and reported.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import os
import smtplib
import sqlite3
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, parseaddr
from pathlib import Path
from urllib.parse import quote

from ..errors import ConfigError, MastheadError
from ..providers import NAMES, merge_tag
from .eml import build_message, domain_of

USER_ENV = "MASTHEAD_SMTP_USER"
PASSWORD_ENV = "MASTHEAD_SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    """``starttls`` (port 587), ``ssl`` (implicit TLS, port 465) or ``none`` (local relays)."""
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def with_env_credentials(
        cls, host: str, port: int, security: str, env: dict[str, str] | None = None
    ) -> SmtpSettings:
        """Settings whose user and password come from the environment, never from a file."""
        source = os.environ if env is None else env
        if security not in SECURITY:
            raise ConfigError(f"unknown SMTP security {security!r}; expected one of {SECURITY}")
        return cls(
            host=host,
            port=port,
            security=security,
            username=source.get(USER_ENV) or None,
            password=source.get(PASSWORD_ENV) or None,
        )


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""

    @property
    def header(self) -> str:
        return formataddr((self.name, self.address)) if self.name else self.address


@dataclass(frozen=True)
class Issue:
    """The built email of one issue, as ``masthead send`` needs it."""

    campaign: str
    """``<newsletter>/<slug>``: the send log's key for this issue."""
    subject: str
    sender: str
    html: str
    text: str
    provider: str
    unsubscribe_url: str = ""
    reply_to: str = ""
    web_url: str = ""


@dataclass
class SendReport:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    """Already sent by an earlier run."""
    resumed: list[str] = field(default_factory=list)
    """Were ``sending`` when an earlier run stopped; sent again with the same Message-ID."""
    failed: dict[str, str] = field(default_factory=dict)
    """5xx: address -> server reply."""
    deferred: dict[str, str] = field(default_factory=dict)
    """4xx after every retry: address -> server reply (retried on the next run)."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.deferred


# -- recipients -----------------------------------------------------------------


def valid_address(address: str) -> bool:
    local, _, domain = address.rpartition("@")
    return bool(local) and "." in domain and " " not in address and not domain.startswith(".")


def read_recipients(path: Path) -> list[Recipient]:
    """Read a CSV with an ``email`` column (and optional ``name``); errors name the line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MastheadError(f"cannot read the list: {exc.strerror}", path=path) from exc
    reader = csv.DictReader(text.splitlines())
    fields = [f.strip().lower() for f in (reader.fieldnames or [])]
    if "email" not in fields:
        raise MastheadError(
            "expected a header row with an 'email' column (and optionally 'name')",
            path=path,
            line=1,
        )
    seen: set[str] = set()
    found: list[Recipient] = []
    for row in reader:
        values = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        address = values.get("email", "")
        line = reader.line_num
        if not address and not any(values.values()):
            continue
        name, parsed = parseaddr(address)
        if not valid_address(parsed) or parsed != address:
            raise MastheadError(
                f"expected an email address like name@example.org, got {address!r}",
                path=path,
                line=line,
            )
        key = parsed.lower()
        if key in seen:
            continue
        seen.add(key)
        found.append(Recipient(parsed, values.get("name", "") or name))
    if not found:
        raise MastheadError("the list has no recipients", path=path)
    return found


# -- the send log ---------------------------------------------------------------


class SendLog:
    """Who got which issue: one row per (campaign, address), committed at each step."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # One send per log at a time: two at once could both take the same pending rows.
        self._lock = open(path.with_name(path.name + ".lock"), "w")  # noqa: SIM115
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._lock.close()
            raise MastheadError(
                "another send is using this send log; wait for it to finish", path=path
            ) from exc
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute(
            """CREATE TABLE IF NOT EXISTS sends (
                 campaign TEXT NOT NULL,
                 address TEXT NOT NULL,
                 status TEXT NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 code INTEGER,
                 reply TEXT,
                 message_id TEXT,
                 updated TEXT NOT NULL,
                 PRIMARY KEY (campaign, address))"""
        )

    def close(self) -> None:
        self.db.close()
        self._lock.close()  # releases the lock

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, campaign: str, addresses: Iterable[str]) -> None:
        now = _now()
        with self.db:
            self.db.executemany(
                "INSERT OR IGNORE INTO sends (campaign, address, status, updated) "
                "VALUES (?, ?, 'pending', ?)",
                [(campaign, a.lower(), now) for a in addresses],
            )

    def status(self, campaign: str, address: str) -> str | None:
        row = self.db.execute(
            "SELECT status FROM sends WHERE campaign=? AND address=?", (campaign, address.lower())
        ).fetchone()
        return str(row[0]) if row else None

    def mark(
        self,
        campaign: str,
        address: str,
        status: str,
        *,
        code: int | None = None,
        reply: str | None = None,
        message_id: str | None = None,
    ) -> None:
        # Autocommit mode: each mark is its own committed transaction.
        self.db.execute(
            "UPDATE sends SET status=?, attempts=attempts+(?='sending'), code=?, reply=?, "
            "message_id=COALESCE(?, message_id), updated=? WHERE campaign=? AND address=?",
            (status, status, code, reply, message_id, _now(), campaign, address.lower()),
        )

    def counts(self, campaign: str) -> dict[str, int]:
        rows = self.db.execute(
            "SELECT status, COUNT(*) FROM sends WHERE campaign=? GROUP BY status", (campaign,)
        )
        return {str(s): int(n) for s, n in rows}

    def rows(self, campaign: str) -> list[tuple[str, str, int | None, str | None]]:
        return [
            (str(a), str(s), c, r)
            for a, s, c, r in self.db.execute(
                "SELECT address, status, code, reply FROM sends WHERE campaign=? ORDER BY address",
                (campaign,),
            )
        ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# -- messages -------------------------------------------------------------------


def recipient_message_id(campaign: str, address: str, sender: str) -> str:
    """The same Message-ID every time this issue goes to this address."""
    digest = hashlib.sha256(f"{campaign}\n{address.lower()}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain_of(sender)}>"


def personal_unsubscribe(url: str, address: str) -> str:
    return url.replace("{email}", quote(address, safe="@"))


def message_for(issue: Issue, recipient: Recipient) -> EmailMessage:
    """The issue addressed to ``recipient``, unsubscribe links filled in when configured."""
    html, text = issue.html, issue.text
    unsubscribe = ""
    if issue.unsubscribe_url:
        unsubscribe = personal_unsubscribe(issue.unsubscribe_url, recipient.address)
        tag = merge_tag(issue.provider) if issue.provider in NAMES else None
        if tag:
            html = html.replace(tag, unsubscribe)
            text = text.replace(tag, unsubscribe)
        elif issue.provider == "custom":
            html = html.replace(issue.unsubscribe_url, unsubscribe)
            text = text.replace(issue.unsubscribe_url, unsubscribe)
    return build_message(
        subject=issue.subject,
        sender=issue.sender,
        to=recipient.header,
        text=text,
        html=html,
        date=datetime.now(UTC),
        msgid=recipient_message_id(issue.campaign, recipient.address, issue.sender),
        reply_to=issue.reply_to or None,
        unsubscribe_url=unsubscribe or None,
        web_url=issue.web_url or None,
    )


# -- SMTP -------------------------------------------------------------------------


class Mailer:
    """One SMTP connection, opened lazily and reopened when the server drops it."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            conn: smtplib.SMTP
            if s.security == "ssl":
                conn = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if s.username:
                _login(conn, s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise MastheadError(
                f"cannot connect to the SMTP server {s.host}:{s.port} ({s.security}): {exc}"
            ) from exc
        return conn

    def send(self, message: EmailMessage, to_addr: str) -> None:
        if self.conn is None:
            self.conn = self._connect()
        try:
            self.conn.send_message(message, to_addrs=[to_addr])
        except smtplib.SMTPServerDisconnected:
            self.conn = self._connect()
            self.conn.send_message(message, to_addrs=[to_addr])

    def reset(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rset()
            except (OSError, smtplib.SMTPException):
                self.close()

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.conn.quit()
            self.conn = None


def _login(conn: smtplib.SMTP, user: str, password: str) -> None:
    """AUTH PLAIN when offered (one round trip, and a wrong password fails at once),
    else whatever smtplib picks."""
    conn.ehlo_or_helo_if_needed()
    mechanisms = conn.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" in mechanisms:
        conn.user, conn.password = user, password
        conn.auth("PLAIN", conn.auth_plain, initial_response_ok=True)
    else:
        conn.login(user, password)


def smtp_reply(exc: smtplib.SMTPException) -> tuple[int, str]:
    """The reply code and text of a refused message."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return int(code), _decode(text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return int(exc.smtp_code), _decode(exc.smtp_error)
    return 0, str(exc)


def _decode(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class Pacing:
    rate: float = 5.0
    """Messages per second at most (0 = no limit)."""
    retries: int = 3
    """Attempts after the first for a 4xx reply."""
    retry_delay: float = 2.0
    """Seconds before the first retry; doubled for each next one."""


def send_issue(
    issue: Issue,
    recipients: list[Recipient],
    mailer: Mailer,
    log: SendLog | None,
    *,
    pacing: Pacing = Pacing(),
    progress: Callable[[str, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send ``issue`` to each recipient not yet sent to; ``progress(address, outcome)`` after each.

    With ``log`` None (a test send), nothing is recorded.
    """
    report = SendReport()
    if log is not None:
        log.add(issue.campaign, (r.address for r in recipients))
    interval = 1.0 / pacing.rate if pacing.rate > 0 else 0.0
    last = 0.0
    try:
        for recipient in recipients:
            state = log.status(issue.campaign, recipient.address) if log is not None else None
            if state in ("sent", "failed"):
                report.skipped.append(recipient.address)
                if progress:
                    progress(recipient.address, "skipped")
                continue
            if state == "sending":
                report.resumed.append(recipient.address)
            message = message_for(issue, recipient)
            outcome = "sent"
            for attempt in range(pacing.retries + 1):
                wait = last + interval - time.monotonic()
                if wait > 0:
                    sleep(wait)
                last = time.monotonic()
                if log is not None:
                    log.mark(
                        issue.campaign,
                        recipient.address,
                        "sending",
                        message_id=str(message["Message-ID"]),
                    )
                try:
                    mailer.send(message, recipient.address)
                except MastheadError:
                    # No connection: nothing went out, so the recipient is still to do.
                    if log is not None:
                        log.mark(issue.campaign, recipient.address, "pending")
                    raise
                except smtplib.SMTPException as exc:
                    code, reply = smtp_reply(exc)
                    mailer.reset()
                    if 400 <= code < 500 and attempt < pacing.retries:
                        if log is not None:
                            log.mark(
                                issue.campaign, recipient.address, "pending", code=code, reply=reply
                            )
                        sleep(pacing.retry_delay * (2**attempt))
                        continue
                    if 400 <= code < 500:
                        outcome = "deferred"
                        report.deferred[recipient.address] = f"{code} {reply}"
                    else:
                        outcome = "failed"
                        report.failed[recipient.address] = f"{code} {reply}".strip()
                    if log is not None:
                        log.mark(
                            issue.campaign,
                            recipient.address,
                            outcome,
                            code=code or None,
                            reply=reply,
                        )
                    break
                else:
                    if log is not None:
                        log.mark(issue.campaign, recipient.address, "sent", code=250)
                    report.sent.append(recipient.address)
                    break
            if progress:
                progress(recipient.address, outcome)
    finally:
        mailer.close()
    return report
