"""Child processes with bounded output, one deadline, and nothing left behind.

:func:`run` starts a program in a session of its own, feeds it its stdin and
reads its stdout and stderr as they come, keeping at most a fixed number of
bytes of each (:class:`Output`): a program that prints without end costs
the parent no more memory than that. The deadline covers everything: when
it passes, the whole tree of processes the program started is stopped and
killed (:func:`kill_tree`), whichever session each of them moved to; and when
the program exits while something it started still holds its pipes open,
that holder is killed too, so no pipe is waited on past the program's own
exit.

The child's environment is built from an allow-list
(:func:`child_environment`), never copied whole: API keys and passwords in
the parent's environment are not handed to an author's code.

Walking the process tree needs Linux's ``/proc``; elsewhere the process
group kill is what remains.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from .diagrams.runner import children

STREAM_LIMIT = 64 * 1024
"""Bytes kept of a child's stdout or stderr (its first and last half); the rest is dropped."""

CHUNK = 64 * 1024
POLL = 0.1
"""Seconds between checks of the deadline and of the child's exit while its pipes are quiet."""
EXIT_GRACE = 0.2
"""Seconds the pipes may stay open after the child exits before whatever holds them is killed."""
DRAIN_GRACE = 1.0
"""Seconds then given to reach end of file before the pipes are closed regardless."""

PASSED_ENV = (
    "PATH",
    "HOME",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TMPDIR",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONUSERBASE",
    "PYTHONNOUSERSITE",
    "LD_LIBRARY_PATH",
)
"""Variables every child gets, when they are set: finding programs, the user's
home and locale, the temporary folder, and what an interpreter needs to find
its packages and libraries."""

GRAPHVIZ_ENV = (
    "GVBINDIR",
    "GV_FILE_PATH",
    "FONTCONFIG_FILE",
    "FONTCONFIG_PATH",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
    "XDG_DATA_DIRS",
)
"""Variables Graphviz's ``dot`` also gets: its plugins, image paths and fonts."""

FIXED_ENV = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONIOENCODING": "utf-8"}


def child_environment(
    names: Iterable[str] = (),
    *,
    graphviz: bool = False,
    tmpdir: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a child: :data:`PASSED_ENV` (and :data:`GRAPHVIZ_ENV`
    for ``dot``), the variables ``names`` lists, each only when it is set, and
    :data:`FIXED_ENV`; ``TMPDIR`` is ``tmpdir`` when given."""
    source = os.environ if environ is None else environ
    wanted = [*PASSED_ENV, *(GRAPHVIZ_ENV if graphviz else ()), *names]
    env = {name: source[name] for name in wanted if name in source}
    if tmpdir is not None:
        env["TMPDIR"] = str(tmpdir)
    env.update(FIXED_ENV)
    return env


class Output:
    """What is kept of one output stream: all of it up to ``limit`` bytes, past
    that its first and last ``limit // 2`` bytes (``strict``: past that,
    :class:`OutputTooLarge`)."""

    def __init__(self, limit: int = STREAM_LIMIT, *, strict: bool = False) -> None:
        self.limit = limit
        self.strict = strict
        self.total = 0
        """Bytes the child wrote, kept or not."""
        self._head = bytearray()
        self._tail = bytearray()

    def add(self, data: bytes) -> None:
        self.total += len(data)
        if self.strict:
            if self.total > self.limit:
                raise OutputTooLarge(self.limit)
            self._head += data
            return
        room = self.limit // 2 - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        self._tail += data
        keep = self.limit - len(self._head)
        if len(self._tail) > keep:
            del self._tail[: len(self._tail) - keep]

    @property
    def dropped(self) -> int:
        """Bytes written but not kept."""
        return self.total - len(self._head) - len(self._tail)

    @property
    def data(self) -> bytes:
        """The bytes kept (head and tail joined, when some were dropped)."""
        return bytes(self._head + self._tail)

    def text(self) -> str:
        """The bytes kept as text, with a line marking where bytes were dropped."""
        if not self.dropped:
            return self.data.decode("utf-8", "replace")
        head = self._head.decode("utf-8", "replace")
        tail = self._tail.decode("utf-8", "replace")
        return f"{head}\n[... {self.dropped} bytes dropped ...]\n{tail}"


@dataclass
class Finished:
    """A child that ran to its end."""

    returncode: int
    stdout: Output
    stderr: Output


class Timeout(Exception):
    """The deadline passed; the child and everything it started were killed."""

    def __init__(self, stdout: Output, stderr: Output) -> None:
        super().__init__("timed out")
        self.stdout = stdout
        self.stderr = stderr


class Cancelled(Exception):
    """The caller asked the run to stop (an interrupt); the child was killed."""


class OutputTooLarge(Exception):
    """A ``strict`` stream went past its limit; the child was killed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} bytes of output")
        self.limit = limit


def run(
    cmd: list[str],
    stdin: bytes,
    *,
    deadline: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdout_limit: int = STREAM_LIMIT,
    strict_stdout: bool = False,
    cancel: threading.Event | None = None,
) -> Finished:
    """Run ``cmd`` with ``stdin`` until it exits or ``deadline`` (``time.monotonic``) passes.

    Raises :class:`Timeout`, :class:`Cancelled` (``cancel`` was set) or
    :class:`OutputTooLarge`, or ``OSError`` when ``cmd`` cannot start. On
    every way out, the child and every process below it are gone and the
    pipes are closed.
    """
    out, err = Output(stdout_limit, strict=strict_stdout), Output()
    if deadline - time.monotonic() <= 0:
        raise Timeout(out, err)
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,  # its own process group, killed as one
    )
    try:
        _pump(proc, stdin, out, err, deadline, cancel)
    finally:
        _finish(proc)
    return Finished(proc.returncode, out, err)


def _pump(
    proc: subprocess.Popen[bytes],
    data: bytes,
    out: Output,
    err: Output,
    deadline: float,
    cancel: threading.Event | None,
) -> None:
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    readers = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    in_fd = proc.stdin.fileno()
    todo = memoryview(data)
    with selectors.DefaultSelector() as sel:
        for fd in readers:
            sel.register(fd, selectors.EVENT_READ)
        if todo:
            os.set_blocking(in_fd, False)
            sel.register(in_fd, selectors.EVENT_WRITE)
        else:
            proc.stdin.close()
        exited_at: float | None = None
        holders_killed = False
        while True:
            now = time.monotonic()
            if cancel is not None and cancel.is_set():
                raise Cancelled
            if now >= deadline:
                raise Timeout(out, err)
            if exited_at is None and proc.poll() is not None:
                exited_at = now
            if exited_at is not None:
                if not readers:
                    return
                if not holders_killed and now - exited_at >= EXIT_GRACE:
                    # Something the child started still holds its pipes: kill it.
                    _kill_leftovers(proc.pid, list(readers))
                    holders_killed = True
                elif holders_killed and now - exited_at >= EXIT_GRACE + DRAIN_GRACE:
                    return
            wait = min(POLL, deadline - now)
            if not sel.get_map():  # the pipes are closed; the child still runs
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=wait)
                continue
            for key, _events in sel.select(wait):
                if key.fd == in_fd:
                    try:
                        written = os.write(in_fd, todo[:CHUNK])
                    except BlockingIOError:
                        continue
                    except BrokenPipeError:  # the child does not read any more
                        written = len(todo)
                    todo = todo[written:]
                    if not todo:
                        sel.unregister(in_fd)
                        with contextlib.suppress(OSError):
                            proc.stdin.close()
                    continue
                chunk = os.read(key.fd, CHUNK)
                if chunk:
                    readers[key.fd].add(chunk)
                else:
                    sel.unregister(key.fd)
                    del readers[key.fd]


def _finish(proc: subprocess.Popen[bytes]) -> None:
    """Kill whatever is left of ``proc``'s tree, close its pipes and reap it."""
    try:
        if proc.poll() is None:  # still ours, not reaped: its pid cannot be reused
            kill_tree(proc.pid)
        else:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
    finally:
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def descendants(root: int) -> list[int]:
    """Every process below ``root`` (Linux ``/proc``; empty elsewhere)."""
    found: list[int] = []
    queue = [root]
    while queue:
        for child in children(queue.pop()):
            if child not in found:
                found.append(child)
                queue.append(child)
    return found


def kill_tree(root: int) -> None:
    """Kill ``root`` (a process group leader), its group and every process below
    it, in whichever group or session: first stop them all, so that none forks
    while the tree is walked, then kill them."""
    with contextlib.suppress(OSError):
        os.killpg(root, signal.SIGSTOP)
    stopped: set[int] = set()
    for _ in range(100):
        new = [pid for pid in descendants(root) if pid not in stopped]
        if not new:
            break
        for pid in new:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGSTOP)
            stopped.add(pid)
    for pid in stopped:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.killpg(root, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(root, signal.SIGKILL)


def _kill_leftovers(group: int, fds: list[int]) -> None:
    """Kill ``group`` and every process that holds the other end of the pipes ``fds``."""
    with contextlib.suppress(OSError):
        os.killpg(group, signal.SIGKILL)
    for pid in pipe_holders(fds):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def pipe_holders(fds: Iterable[int]) -> list[int]:
    """Other processes holding an end of the pipes ``fds`` (Linux ``/proc``).

    This process's own children are left out: another render's child, between
    its fork and its exec, holds a copy of every open pipe for a moment.
    """
    targets = set()
    for fd in fds:
        with contextlib.suppress(OSError):
            targets.add(f"pipe:[{os.fstat(fd).st_ino}]")
    me = os.getpid()
    found: list[int] = []
    try:
        names = os.listdir("/proc")
    except OSError:
        return found
    for name in names:
        if not name.isdigit() or int(name) == me:
            continue
        try:
            links = os.listdir(f"/proc/{name}/fd")
        except OSError:
            continue
        for link in links:
            try:
                held = os.readlink(f"/proc/{name}/fd/{link}")
            except OSError:
                continue
            if held in targets:
                if _parent(int(name)) != me:
                    found.append(int(name))
                break
    return found


def _parent(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return int(fh.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None
