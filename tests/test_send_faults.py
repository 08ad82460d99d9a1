"""Fault injection: a real aiosmtpd server on loopback that drops the connection in the
middle of a message (once, twice, always), answers 421, 451 or 550, or stalls, and a
``masthead send --list`` killed with SIGKILL at seeded random points. After each fault,
a rerun: every subscriber received the issue exactly once (at most the one message in
flight twice), the summary counts add up to the list, the exit code is 0 only when
everyone has been sent to."""

from __future__ import annotations

import asyncio
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from masthead.cli import main
from masthead.email.send import SendLog

from .support import free_port
from .test_send import SLUG, Recorder, project, smtp_args, subscribers  # noqa: F401

SUMMARY = re.compile(
    r"sent (\d+) \+ already sent before (\d+) \+ failed (\d+) \+ deferred (\d+)"
    r"(?: \+ not tried yet (\d+))? = (\d+), everyone on the list"
)


@dataclass
class Faulty(Recorder):
    """A :class:`Recorder` whose DATA transactions go wrong as planned.

    ``plan`` holds the next faults, one per DATA command; ``always`` applies to every DATA
    command once ``plan`` is empty; ``per_address`` to every message for an address.
    Faults: ``drop`` (the connection is closed in the middle of the message: nothing
    delivered), ``drop-after`` (the message is delivered, then the connection is closed
    before the reply), ``stall`` (the server hangs once it has the message, delivering
    nothing), ``stall-after`` (delivered, and no reply ever comes), or a reply code
    (``421``, ``451``, ``550``: refused).
    """

    plan: deque[str] = field(default_factory=deque)
    always: str = ""
    per_address: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds between taking a message and saying so (the window a kill can fall in)."""
    data_commands: int = 0

    def take(self, rcpts: list[str]) -> str:
        with self.lock:
            self.data_commands += 1
            for rcpt in rcpts:
                if rcpt in self.per_address:
                    return self.per_address[rcpt]
            return self.plan.popleft() if self.plan else self.always

    def heal(self) -> None:
        with self.lock:
            self.plan.clear()
            self.always = ""
            self.per_address.clear()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fault = getattr(envelope, "fault", "")
        if fault in ("421", "451", "550"):
            text = {
                "421": "421 4.3.2 Service shutting down, try again later",
                "451": "451 4.3.0 Local error in processing, try again later",
                "550": "550 5.7.1 Message refused",
            }
            return text[fault]
        if fault == "stall":
            await asyncio.sleep(30)  # cancelled when the client gives up and disconnects
        await super().handle_DATA(server, session, envelope)
        if fault == "drop-after":
            server.transport.close()
            return "250 OK"
        if fault == "stall-after":
            await asyncio.sleep(30)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"


def _server_class() -> Any:
    from aiosmtpd.smtp import SMTP

    class FaultySMTP(SMTP):  # type: ignore[misc]
        async def smtp_DATA(self, arg: str) -> None:
            handler: Faulty = self.event_handler
            if self.envelope is None or not self.envelope.rcpt_tos:
                await super().smtp_DATA(arg)
                return
            fault = handler.take(list(self.envelope.rcpt_tos))
            if fault == "drop":
                await self.push("354 End data with <CR><LF>.<CR><LF>")
                for _ in range(3):  # a few lines of the message, then the line goes dead
                    await self._reader.readuntil(b"\r\n")
                self.transport.close()
                await asyncio.sleep(30)  # cancelled as the connection is lost
                return
            self.envelope.fault = fault
            await super().smtp_DATA(arg)

    return FaultySMTP


@pytest.fixture
def faulty() -> Iterator[tuple[Faulty, int]]:
    from aiosmtpd.controller import Controller

    server_class = _server_class()

    class FaultyController(Controller):  # type: ignore[misc]
        def factory(self) -> Any:
            return server_class(self.handler, **self.SMTP_kwargs)

    handler = Faulty()
    port = free_port()
    controller = FaultyController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@dataclass
class Run:
    code: int
    err: str
    counts: dict[str, int]


def send(
    capsys: pytest.CaptureFixture[str],
    csv_path: Path,
    log: Path,
    port: int,
    *extra: str,
) -> Run:
    code = main(
        [
            "send",
            SLUG,
            "--list",
            str(csv_path),
            *smtp_args(port),
            "--rate",
            "0",
            "--retry-delay",
            "0.01",
            "--log",
            str(log),
            *extra,
        ]
    )
    err = capsys.readouterr().err
    found = SUMMARY.search(err)
    assert found, err
    sent, before, failed, deferred, untried, total = (int(g or 0) for g in found.groups())
    counts = {
        "sent": sent,
        "sent_before": before,
        "failed": failed,
        "deferred": deferred,
        "not_tried": untried,
    }
    # The counts add up to the list, and the output says so.
    assert sum(counts.values()) == total
    return Run(code, err, counts)


def log_states(log: Path) -> dict[str, str]:
    with sqlite3.connect(log) as db:
        return dict(db.execute("SELECT address, status FROM sends").fetchall())


N = 6


@pytest.mark.parametrize(
    ("name", "plan", "always", "retries", "first_ok"),
    [
        ("drop mid-DATA once", ["drop"], "", 3, True),
        ("drop mid-DATA twice, retried", ["drop", "drop"], "", 3, True),
        ("drop mid-DATA twice, one retry", ["drop", "drop"], "", 1, False),
        ("drop mid-DATA always", [], "drop", 2, False),
        ("421 once", ["421"], "", 3, True),
        ("421 always", [], "421", 1, False),
        ("451 twice", ["451", "451"], "", 3, True),
        ("451 always", [], "451", 1, False),
    ],
)
def test_temporary_faults_are_retried_and_never_failed(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    plan: list[str],
    always: str,
    retries: int,
    first_ok: bool,
) -> None:
    handler, port = faulty
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, N)
    log = tmp_path / "log.sqlite"
    handler.plan.extend(plan)
    handler.always = always
    first = send(capsys, csv_path, log, port, "--retries", str(retries))
    assert first.counts["failed"] == 0, first.err  # a temporary fault is never permanent
    assert "failed" not in set(log_states(log).values())
    if first_ok:
        assert first.code == 0, first.err
        assert first.counts == {**first.counts, "sent": N, "deferred": 0, "not_tried": 0}
    else:
        assert first.code == 1, first.err
        assert first.counts["deferred"] >= 1
        assert "deferred reader000@example.org" in first.err
        assert set(log_states(log).values()) <= {"sent", "deferred", "pending"}
        if always:
            # While the fault lasts, a rerun says so again and exits 1.
            again = send(capsys, csv_path, log, port, "--retries", "0")
            assert again.code == 1 and again.counts["deferred"] >= 1, again.err
            assert again.counts["failed"] == 0
            assert again.counts["sent_before"] == first.counts["sent"]
            handler.heal()
    rerun = send(capsys, csv_path, log, port)
    assert rerun.code == 0, rerun.err
    assert rerun.counts["failed"] == rerun.counts["deferred"] == rerun.counts["not_tried"] == 0
    assert rerun.counts["sent"] + rerun.counts["sent_before"] == N
    # Everyone exactly once: a message dropped mid-DATA or refused was not delivered.
    assert handler.addresses() == Counter(dict.fromkeys(addresses, 1)), name
    assert set(log_states(log).values()) == {"sent"}
    last = send(capsys, csv_path, log, port)
    assert last.code == 0 and last.counts["sent_before"] == N
    assert handler.count() == N


def test_550_is_failed_reported_as_failed_on_every_rerun_and_exits_1(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = faulty
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, N)
    log = tmp_path / "log.sqlite"
    handler.per_address["reader002@example.org"] = "550"
    first = send(capsys, csv_path, log, port)
    assert first.code == 1
    assert first.counts == {
        "sent": N - 1,
        "sent_before": 0,
        "failed": 1,
        "deferred": 0,
        "not_tried": 0,
    }
    assert "failed reader002@example.org: 550 5.7.1 Message refused" in first.err
    data_commands = handler.data_commands
    assert data_commands == N  # a 5xx is not retried
    for _ in range(2):
        rerun = send(capsys, csv_path, log, port)
        # Reported as failed (from the send log), never as sent or already sent.
        assert rerun.code == 1
        assert rerun.counts == {
            "sent": 0,
            "sent_before": N - 1,
            "failed": 1,
            "deferred": 0,
            "not_tried": 0,
        }
        assert "failed reader002@example.org: 550 5.7.1 Message refused" in rerun.err
        assert "--retry-failed" in rerun.err
    assert handler.data_commands == data_commands
    expected = Counter(dict.fromkeys(addresses, 1))
    del expected["reader002@example.org"]
    assert handler.addresses() == expected
    handler.heal()
    retried = send(capsys, csv_path, log, port, "--retry-failed")
    assert retried.code == 0 and retried.counts["sent"] == 1
    assert handler.addresses() == Counter(dict.fromkeys(addresses, 1))


@pytest.mark.parametrize("fault", ["stall-after", "drop-after"])
def test_a_reply_lost_after_the_whole_message_costs_at_most_one_duplicate(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    handler, port = faulty
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, N)
    log = tmp_path / "log.sqlite"
    handler.plan.append(fault)
    first = send(capsys, csv_path, log, port, "--smtp-timeout", "0.5")
    assert first.code == 0, first.err
    assert first.counts["sent"] == N
    # The server took the first message but its 250 never arrived: sent again, same
    # Message-ID, and said so.
    assert "may have taken it" in first.err and "reader000@example.org" in first.err
    received = handler.addresses()
    assert received == Counter({**dict.fromkeys(addresses, 1), "reader000@example.org": 2})
    ids = {m["Message-ID"] for rcpt, m in handler.deliveries if rcpt == "reader000@example.org"}
    assert len(ids) == 1
    rerun = send(capsys, csv_path, log, port)
    assert rerun.code == 0 and rerun.counts["sent_before"] == N
    assert handler.addresses() == received


def test_a_run_that_stops_early_still_accounts_for_everyone_from_the_log(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = faulty
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, N)
    log = tmp_path / "log.sqlite"
    handler.per_address = {addresses[1]: "451", addresses[4]: "451"}
    first = send(capsys, csv_path, log, port, "--retries", "0")
    assert first.code == 1 and first.counts["sent"] == N - 2 and first.counts["deferred"] == 2
    handler.heal()
    handler.always = "drop"
    second = send(capsys, csv_path, log, port, "--retries", "0")
    # Stopped at addresses[1]; after it, the sent are "sent before" and addresses[4] is
    # still deferred (from the log), not "not tried" and never "sent".
    assert second.code == 1
    assert second.counts == {
        "sent": 0,
        "sent_before": N - 2,
        "failed": 0,
        "deferred": 2,
        "not_tried": 0,
    }
    assert f"deferred {addresses[4]}: 451 4.3.0 Local error" in second.err
    assert "(an earlier run)" in second.err and "stopped:" in second.err
    handler.heal()
    third = send(capsys, csv_path, log, port)
    assert third.code == 0 and third.counts["sent"] == 2
    assert handler.addresses() == Counter(dict.fromkeys(addresses, 1))


def test_a_stalled_server_defers_and_stops_then_the_rerun_sends(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = faulty
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, N)
    log = tmp_path / "log.sqlite"
    handler.always = "stall"
    args = ("--smtp-timeout", "0.3", "--retries", "1")
    first = send(capsys, csv_path, log, port, *args)
    assert first.code == 1
    assert first.counts == {
        "sent": 0,
        "sent_before": 0,
        "failed": 0,
        "deferred": 1,
        "not_tried": N - 1,
    }
    assert "no answer within 0.3 s" in first.err and "stopped:" in first.err
    assert log_states(log) == {
        **dict.fromkeys(addresses, "pending"),
        "reader000@example.org": "deferred",
    }
    assert handler.count() == 0
    handler.heal()
    rerun = send(capsys, csv_path, log, port)
    assert rerun.code == 0 and rerun.counts["sent"] == N
    assert handler.addresses() == Counter(dict.fromkeys(addresses, 1))


def test_an_unreachable_server_leaves_everyone_to_do(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    handler, port = faulty
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, N)
    log = tmp_path / "log.sqlite"
    down = send(capsys, csv_path, log, free_port(), "--retries", "1")
    assert down.code == 1 and down.counts["not_tried"] == N, down.err
    assert "cannot connect to the SMTP server" in down.err
    assert set(log_states(log).values()) == {"pending"}
    rerun = send(capsys, csv_path, log, port)
    assert rerun.code == 0 and handler.addresses() == Counter(dict.fromkeys(addresses, 1))


# -- an old send log ----------------------------------------------------------------------


def test_an_old_send_log_is_migrated_and_its_wrongly_failed_rows_are_sent(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A log written before the schema was versioned, in which two dropped connections
    were recorded as ``failed`` (no reply code): those recipients are sent to, the 5xx
    one stays failed, the sent ones are not sent again."""
    handler, port = faulty
    monkeypatch.chdir(project)
    csv_path, addresses = subscribers(tmp_path, 4)
    log = tmp_path / "old.sqlite"
    from masthead.email.built import find_built

    built = find_built(project / "build" / "email", SLUG)
    assert built is not None
    with sqlite3.connect(log) as db:
        db.execute(
            """CREATE TABLE sends (
                 campaign TEXT NOT NULL, address TEXT NOT NULL, status TEXT NOT NULL,
                 attempts INTEGER NOT NULL DEFAULT 0, code INTEGER, reply TEXT,
                 message_id TEXT, updated TEXT NOT NULL, PRIMARY KEY (campaign, address))"""
        )
        rows = [
            (addresses[0], "sent", 250, None),
            (addresses[1], "failed", None, "Server not connected"),
            (addresses[2], "failed", 550, "5.1.1 No such user"),
            (addresses[3], "pending", None, None),
        ]
        db.executemany(
            "INSERT INTO sends VALUES (?, ?, ?, 1, ?, ?, NULL, '2024-01-01T00:00:00+00:00')",
            [(built.campaign, a, s, c, r) for a, s, c, r in rows],
        )
    run = send(capsys, csv_path, log, port)
    assert run.code == 1
    assert run.counts == {"sent": 2, "sent_before": 1, "failed": 1, "deferred": 0, "not_tried": 0}
    assert "failed reader002@example.org: 550 5.1.1 No such user" in run.err
    assert handler.addresses() == Counter({addresses[1]: 1, addresses[3]: 1})
    with sqlite3.connect(log) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (1,)
    # A log from a newer masthead is refused, not misread.
    with sqlite3.connect(log) as db:
        db.execute("PRAGMA user_version=99")
    from masthead.errors import MastheadError

    with pytest.raises(MastheadError, match="written by a newer masthead"):
        SendLog(log)


# -- kill -9 ------------------------------------------------------------------------------

KILL_SEED = 20240611
KILLS = 3
LIST_SIZE = 30


def test_kill_9_at_random_points_then_rerun_skips_nobody_and_doubles_only_the_one_in_flight(
    project: Path,  # noqa: F811
    faulty: tuple[Faulty, int],
    tmp_path: Path,
) -> None:
    handler, port = faulty
    # The server takes its time between taking a message and its 250: a kill that comes
    # right after a delivery lands in that window (the message is in flight).
    handler.delay = 0.02
    csv_path, addresses = subscribers(tmp_path, LIST_SIZE)
    log = tmp_path / "log.sqlite"
    points = sorted(random.Random(KILL_SEED).sample(range(3, LIST_SIZE - 3), KILLS))
    command = [
        str(Path(sys.executable).parent / "masthead"),
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
    in_flight: set[str] = set()
    for point in points:
        output = tmp_path / f"killed-at-{point}.txt"
        with output.open("wb") as sink:
            proc = subprocess.Popen(command, cwd=project, stdout=sink, stderr=sink)
        deadline = time.monotonic() + 60
        while handler.count() < point and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        assert proc.returncode == -signal.SIGKILL, (point, output.read_text())
        states = log_states(log)
        sending = {a for a, s in states.items() if s == "sending"}
        # One message at a time: at most one recipient is in flight at the kill.
        assert len(sending) <= 1, (point, sending)
        in_flight |= sending
        # Whoever the log says was sent to did receive it.
        sent = {a for a, s in states.items() if s == "sent"}
        assert sent <= set(handler.addresses()), point
    rerun = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    found = SUMMARY.search(rerun.stderr)
    assert found, rerun.stderr
    assert int(found.group(1)) + int(found.group(2)) == LIST_SIZE == int(found.group(6))
    received = handler.addresses()
    assert set(received) == set(addresses), f"skipped after kills at {points}"
    twice = {a for a, n in received.items() if n > 1}
    assert all(n <= 2 for n in received.values()), received
    assert twice <= in_flight, (points, twice, in_flight)
    for address in twice:
        ids = {m["Message-ID"] for rcpt, m in handler.deliveries if rcpt == address}
        assert len(ids) == 1
    assert set(log_states(log).values()) == {"sent"}
