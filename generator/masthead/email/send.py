"""Sending an issue over SMTP, one message per recipient, with a send log.

The send log (SQLite) holds one row per issue and address, and each change of
that row is committed before the next step. Before a message goes out its row
is marked ``sending``; once the server accepted it (a 250 reply), ``sent``.
A run skips everyone ``sent`` and sends to everyone else, so a send that is
stopped or killed and run again reaches everyone, and nobody twice but the
recipient it was sending to at that moment.

That crash window, honestly: if the process dies after the server accepted a
message but before ``sent`` was committed, the row still says ``sending`` and
nobody can know whether the message went out (SMTP has no idempotent submit).
Such a recipient is sent the message again, with the same Message-ID (each
recipient's Message-ID is derived from the issue and the address), so mail
clients that dedupe by Message-ID (Gmail does) show it once. The same holds
when the connection is lost after the whole message was sent and before the
server's reply came: the message is sent again, with the same Message-ID.

What is temporary and what is not: a dropped connection (also in the middle
of the message), a timeout, a 4xx reply or any other trouble without a 5xx
reply is temporary. It is retried within the run with exponential back-off
(reconnecting after a drop) and, when retries run out, left ``deferred`` for
the next run. When the server cannot be reached, keeps dropping the
connection or refuses the sender, the run stops there; everyone not tried is
left as the log had them, for the next run. Only
a 5xx reply is permanent: the recipient is recorded ``failed`` with the
server's reply, reported on every later run and not retried (unless asked,
``retry_failed``).
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
from typing import Any
from urllib.parse import quote

from ..errors import ConfigError, MastheadError
from ..providers import NAMES, merge_tag
from .eml import build_message, domain_of

USER_ENV = "MASTHEAD_SMTP_USER"
PASSWORD_ENV = "MASTHEAD_SMTP_PASSWORD"
SECURITY = ("starttls", "ssl", "none")
STATUSES = ("pending", "sending", "sent", "deferred", "failed")
"""The states of a send log row."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str = "localhost"
    port: int = 587
    security: str = "starttls"
    """``starttls`` (port 587), ``ssl`` (implicit TLS, port 465) or ``none`` (local relays)."""
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    """Seconds to wait for the server at each step (connecting, each reply)."""

    @classmethod
    def with_env_credentials(
        cls,
        host: str,
        port: int,
        security: str,
        env: dict[str, str] | None = None,
        *,
        timeout: float = 30.0,
    ) -> SmtpSettings:
        """Settings whose user and password come from the environment, never from a file."""
        source = os.environ if env is None else env
        if security not in SECURITY:
            raise ConfigError(f"unknown SMTP security {security!r}; expected one of {SECURITY}")
        if not timeout > 0:
            raise ConfigError(f"expected a positive SMTP timeout in seconds, got {timeout!r}")
        return cls(
            host=host,
            port=port,
            security=security,
            username=source.get(USER_ENV) or None,
            password=source.get(PASSWORD_ENV) or None,
            timeout=timeout,
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
    """What became of each recipient of the list: every one is in exactly one of
    ``sent``, ``skipped``, ``failed``, ``deferred`` and ``pending``."""

    total: int = 0
    """Recipients on the list."""
    sent: list[str] = field(default_factory=list)
    """Accepted by the server in this run."""
    skipped: list[str] = field(default_factory=list)
    """Already sent by an earlier run (the send log says ``sent``)."""
    failed: dict[str, str] = field(default_factory=dict)
    """A 5xx reply, in this run or an earlier one: address -> the server's reply."""
    failed_before: list[str] = field(default_factory=list)
    """Those of ``failed`` recorded by an earlier run (not retried)."""
    deferred: dict[str, str] = field(default_factory=dict)
    """Temporary trouble after every retry: address -> why (tried again on the next run)."""
    pending: list[str] = field(default_factory=list)
    """Not tried: the run stopped before them (``stopped``)."""
    resumed: list[str] = field(default_factory=list)
    """Were ``sending`` when an earlier run stopped; sent again with the same Message-ID."""
    uncertain: list[str] = field(default_factory=list)
    """The connection was lost after the whole message went out and before the server's
    reply: they may have it twice (with the same Message-ID)."""
    stopped: str = ""
    """Why the run stopped before the end of the list (``""`` when it did not)."""

    @property
    def ok(self) -> bool:
        return not (self.failed or self.deferred or self.pending or self.stopped)

    def counts(self) -> dict[str, int]:
        """``sent``, ``sent_before``, ``failed``, ``deferred``, ``not_tried``: they add up
        to ``total``."""
        return {
            "sent": len(self.sent),
            "sent_before": len(self.skipped),
            "failed": len(self.failed),
            "deferred": len(self.deferred),
            "not_tried": len(self.pending),
        }

    def summary(self) -> str:
        """One line whose counts visibly add up to the list."""
        c = self.counts()
        line = (
            f"sent {c['sent']} + already sent before {c['sent_before']} + failed {c['failed']} "
            f"+ deferred {c['deferred']}"
        )
        if c["not_tried"]:
            line += f" + not tried yet {c['not_tried']}"
        counted = sum(c.values())
        if counted == self.total:
            return f"{line} = {counted}, everyone on the list"
        return f"{line} = {counted} of the {self.total} on the list"


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

SCHEMA_VERSION = 1
"""The send log's schema (``PRAGMA user_version``). 0: logs written before the version
was recorded (same table); opening one migrates it (see :meth:`SendLog._migrate`)."""


@dataclass(frozen=True)
class LogRow:
    status: str
    code: int | None
    reply: str | None

    @property
    def described(self) -> str:
        return f"{self.code or ''} {self.reply or ''}".strip() or self.status


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
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self._migrate()
        except (sqlite3.DatabaseError, MastheadError) as exc:
            self.db.close()
            self._lock.close()
            if isinstance(exc, MastheadError):
                raise
            raise MastheadError(f"cannot read the send log: {exc}", path=path) from exc

    def _migrate(self) -> None:
        """Create the table, or bring an older log up to :data:`SCHEMA_VERSION`.

        Version 0 to 1: earlier versions recorded a dropped connection (a row with no
        reply code, or a code that is not 5xx) as ``failed``; such a row becomes
        ``deferred``, so the next run sends to that recipient. Rows with a 5xx stay
        ``failed``; every other row is kept as it is.
        """
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise MastheadError(
                f"this send log was written by a newer masthead (schema {version}, this one "
                f"reads up to {SCHEMA_VERSION}); update masthead or use another --log",
                path=self.path,
            )
        if version == SCHEMA_VERSION:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
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
            self.db.execute(
                "UPDATE sends SET status='deferred' WHERE status='failed' "
                "AND (code IS NULL OR code < 500 OR code > 599)"
            )
            self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self.db.close()
        self._lock.close()  # releases the lock

    def __enter__(self) -> SendLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, campaign: str, addresses: Iterable[str]) -> None:
        """A ``pending`` row for each address that has none yet (one transaction)."""
        now = _now()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                "INSERT OR IGNORE INTO sends (campaign, address, status, updated) "
                "VALUES (?, ?, 'pending', ?)",
                [(campaign, a.lower(), now) for a in addresses],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def status(self, campaign: str, address: str) -> str | None:
        row = self.row(campaign, address)
        return row.status if row else None

    def row(self, campaign: str, address: str) -> LogRow | None:
        found = self.db.execute(
            "SELECT status, code, reply FROM sends WHERE campaign=? AND address=?",
            (campaign, address.lower()),
        ).fetchone()
        return LogRow(str(found[0]), found[1], found[2]) if found else None

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
        if status not in STATUSES:
            raise ValueError(f"unknown send log status {status!r}; expected one of {STATUSES}")
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


class ConnectError(MastheadError):
    """No usable session with the server: it cannot be reached, or it refused the
    greeting, TLS or the login. ``permanent`` when retrying cannot help (a 5xx, bad
    credentials, a certificate that does not verify)."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class DeliveryError(Exception):
    """One message the server did not take: its reply code (0 when there was no reply)
    and text, and what is known of the connection."""

    def __init__(
        self,
        code: int,
        reply: str,
        *,
        uncertain: bool = False,
        connection: bool = False,
        sender: bool = False,
    ):
        super().__init__(f"{code} {reply}" if code else reply)
        self.code = code
        self.reply = reply
        self.uncertain = uncertain
        """The whole message was sent and no reply came: the server may have taken it."""
        self.connection = connection
        """The connection is gone (dropped, timed out, 421): the server, not the recipient."""
        self.sender = sender
        """The server refused the sender (MAIL FROM): the same for every recipient."""

    @property
    def permanent(self) -> bool:
        """Only a 5xx reply is permanent; everything else is worth another try."""
        return 500 <= self.code <= 599


class _SMTP(smtplib.SMTP):
    """smtplib's client, noting when the whole message (up to its final ``.``) was sent."""

    payload_sent = False

    def send(self, s: Any) -> None:
        super().send(s)
        if isinstance(s, bytes | bytearray) and s.endswith(b"\r\n.\r\n"):
            self.payload_sent = True


class _SMTPSSL(_SMTP, smtplib.SMTP_SSL):
    pass


class Mailer:
    """One SMTP connection, opened lazily, dropped after any trouble with it and opened
    again for the next attempt."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.conn: _SMTP | None = None

    def _connect(self) -> _SMTP:
        s = self.settings
        where = f"the SMTP server {s.host}:{s.port} ({s.security})"
        conn: _SMTP | None = None
        try:
            if s.security == "ssl":
                conn = _SMTPSSL(
                    s.host, s.port, timeout=s.timeout, context=ssl.create_default_context()
                )
            else:
                conn = _SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    conn.starttls(context=ssl.create_default_context())
            if s.username:
                _login(conn, s.username, s.password or "")
        except smtplib.SMTPResponseException as exc:
            _abandon(conn)
            code, reply = smtp_reply(exc)
            raise ConnectError(
                f"cannot connect to {where}: {code} {reply}", permanent=500 <= code <= 599
            ) from exc
        except smtplib.SMTPServerDisconnected as exc:
            _abandon(conn)
            raise ConnectError(
                f"cannot connect to {where}: it closed the connection ({exc})", permanent=False
            ) from exc
        except (ssl.SSLError, ssl.CertificateError, smtplib.SMTPException) as exc:
            _abandon(conn)
            raise ConnectError(f"cannot connect to {where}: {exc}", permanent=True) from exc
        except OSError as exc:
            _abandon(conn)
            raise ConnectError(
                f"cannot connect to {where}: {_os_error(exc, s.timeout)}", permanent=False
            ) from exc
        return conn

    def send(self, message: EmailMessage, to_addr: str) -> None:
        """Send ``message`` to ``to_addr``; :class:`ConnectError` when no session can be
        had, :class:`DeliveryError` when the message was not taken."""
        if self.conn is None:
            self.conn = self._connect()
        conn = self.conn
        conn.payload_sent = False
        try:
            conn.send_message(message, to_addrs=[to_addr])
        except smtplib.SMTPServerDisconnected as exc:
            raise self._lost(exc, conn.payload_sent) from exc
        except smtplib.SMTPException as exc:
            code, reply = smtp_reply(exc)
            if code == 421:  # the server is closing the session
                self._drop()
            else:
                self.reset()
            raise DeliveryError(
                code,
                reply,
                connection=code == 421,
                sender=isinstance(exc, smtplib.SMTPSenderRefused),
            ) from exc
        except OSError as exc:
            raise self._lost(exc, conn.payload_sent) from exc

    def _lost(self, exc: OSError, payload_sent: bool) -> DeliveryError:
        """A dropped connection: temporary, and uncertain once the whole message went out."""
        self._drop()
        return DeliveryError(
            0,
            f"the connection was lost ({_os_error(exc, self.settings.timeout)})",
            uncertain=payload_sent,
            connection=True,
        )

    def reset(self) -> None:
        if self.conn is not None:
            try:
                self.conn.rset()
            except (OSError, smtplib.SMTPException):
                self._drop()

    def _drop(self) -> None:
        """Forget a connection that is broken (no QUIT: there is nobody to say it to)."""
        _abandon(self.conn)
        self.conn = None

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.conn.quit()
            _abandon(self.conn)
            self.conn = None


def _abandon(conn: smtplib.SMTP | None) -> None:
    if conn is not None:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            conn.close()


def _os_error(exc: BaseException, timeout: float) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, TimeoutError) or "timed out" in text:
        return f"no answer within {timeout:g} s"
    return text


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
    """Attempts after the first after a temporary failure (a 4xx, a drop, a timeout)."""
    retry_delay: float = 2.0
    """Seconds before the first retry; doubled for each next one."""


class _Pacer:
    def __init__(self, rate: float, sleep: Callable[[float], None]):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.sleep = sleep
        self.last = 0.0

    def __call__(self) -> None:
        wait = self.last + self.interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self.last = time.monotonic()


def send_issue(
    issue: Issue,
    recipients: list[Recipient],
    mailer: Mailer,
    log: SendLog | None,
    *,
    pacing: Pacing = Pacing(),
    progress: Callable[[str, str], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    retry_failed: bool = False,
) -> SendReport:
    """Send ``issue`` to each recipient not yet sent to; ``progress(address, outcome)`` after
    each. The report accounts for every recipient (:class:`SendReport`).

    With ``log`` None (a test send), nothing is recorded. Recipients the log holds as
    ``failed`` are reported as failed again, and tried again only with ``retry_failed``.
    The run stops early (``report.stopped``) when the server cannot be used: it cannot
    be reached, it keeps dropping the connection, or it refuses the sender.
    """
    report = SendReport(total=len(recipients))
    if log is not None:
        log.add(issue.campaign, (r.address for r in recipients))
    pace = _Pacer(pacing.rate, sleep)
    try:
        for recipient in recipients:
            address = recipient.address
            row = log.row(issue.campaign, address) if log is not None else None
            if row is not None and row.status == "sent":
                report.skipped.append(address)
                outcome = "sent before"
            elif row is not None and row.status == "failed" and not retry_failed:
                report.failed[address] = row.described
                report.failed_before.append(address)
                outcome = "failed before"
            elif report.stopped:
                # Not tried in this run; what an earlier run left is reported as it is.
                if row is not None and row.status == "deferred":
                    report.deferred[address] = f"{row.described} (an earlier run)"
                else:
                    report.pending.append(address)
                continue
            else:
                if row is not None and row.status == "sending":
                    report.resumed.append(address)
                outcome = _deliver(issue, recipient, mailer, log, report, pacing, pace, sleep)
            if progress:
                progress(address, outcome)
    finally:
        mailer.close()
    return report


def _deliver(
    issue: Issue,
    recipient: Recipient,
    mailer: Mailer,
    log: SendLog | None,
    report: SendReport,
    pacing: Pacing,
    pace: Callable[[], None],
    sleep: Callable[[float], None],
) -> str:
    """One recipient, with its retries; records and reports the outcome, and returns it."""
    address = recipient.address
    message = message_for(issue, recipient)
    message_id = str(message["Message-ID"])

    def mark(status: str, code: int | None = None, reply: str | None = None) -> None:
        if log is not None:
            log.mark(
                issue.campaign,
                address,
                status,
                code=code,
                reply=reply,
                message_id=message_id if status == "sending" else None,
            )

    failure: DeliveryError | ConnectError | None = None
    reached = uncertain = False
    for attempt in range(pacing.retries + 1):
        if attempt:
            sleep(pacing.retry_delay * (2 ** (attempt - 1)))
        pace()
        mark("sending")
        try:
            mailer.send(message, address)
        except ConnectError as exc:
            failure = exc
            if exc.permanent:
                break
        except DeliveryError as exc:
            failure = exc
            reached = True
            uncertain = uncertain or exc.uncertain
            if exc.permanent:
                mark("failed", exc.code, exc.reply)
                report.failed[address] = str(exc)
                if exc.sender:
                    report.stopped = (
                        f"the server refused the sender ({exc}), so nobody else can be sent "
                        "to; fix that and run again (--retry-failed also retries this recipient)"
                    )
                return "failed"
        else:
            mark("sent", 250)
            report.sent.append(address)
            if uncertain:
                report.uncertain.append(address)
            return "sent"
        # Temporary: the row says so until the next attempt (or the next run).
        mark("pending", *_code_reply(failure))

    assert failure is not None
    if isinstance(failure, ConnectError):
        report.stopped = str(failure)
        if not reached:
            # Nothing reached the server: the recipient is as it was before.
            mark("pending", *_code_reply(failure))
            report.pending.append(address)
            return "not tried"
    elif failure.connection:
        report.stopped = (
            f"the server keeps dropping the connection ({failure}); the rest of the list "
            "is left for the next run"
        )
    mark("deferred", *_code_reply(failure))
    report.deferred[address] = str(failure)
    if uncertain:
        report.uncertain.append(address)
    return "deferred"


def _code_reply(failure: DeliveryError | ConnectError) -> tuple[int | None, str]:
    """The send log's ``code`` and ``reply`` of a failed attempt."""
    if isinstance(failure, DeliveryError) and failure.code:
        return failure.code, failure.reply
    return None, str(failure)
