"""The child process that runs an author's ``diagrams`` code and writes its DOT.

Run as ``python -P runner.py OUT.dot LABEL`` with the code on stdin, in a
process of its own (see :mod:`masthead.diagrams.render`): the author's code
never runs inside MkDocs. ``Diagram`` is patched so that leaving
``with Diagram(...):`` records the Graphviz source instead of calling Graphviz
and opening a viewer; the parent renders that source to SVG and PNG itself
(one pass each, so the PNG's dpi does not inflate the SVG). Nodes are named
``mh-node-1``, ``mh-node-2``, ... in the order the code makes them, instead of
the random UUIDs of ``diagrams``, so the same code always gives the same
Graphviz source (and the same SVG and PNG).

On Linux this process first makes itself a *subreaper* and runs the code in
a forked child: every process the code starts, even one that detaches into a
session of its own, stays below this one, and is killed when the code is done
(or, on a timeout, by the parent, which walks the same tree). Both processes
also die with their parent.

Exit status: 0 with OUT.dot written; 1 when the code raised (traceback on
stderr); 3 when it drew no diagram or more than one; 4 when the code's
process was killed by a signal (the signal on stderr). This file imports only
the standard library and ``diagrams``, so it starts fast and does not depend
on masthead being importable in the child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from typing import Any

NO_DIAGRAM = 3
KILLED = 4

# Graphviz's page padding that ``diagrams`` sets (2 inches on every side) is
# trimmed to this; an author's own ``graph_attr={"pad": ...}`` still wins.
PAD_INCHES = "0.25"

NODE_PREFIX = "mh-node-"
"""Node names are this and a number in the order the code makes them (an explicit
``nodeid=`` is kept)."""

_PR_SET_PDEATHSIG = 1
_PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> bool:
    """Linux's prctl(2); False where there is none or it fails."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(option, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def children(pid: int) -> list[int]:
    """The pids of the children of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    listed = False
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as fh:
                found += [int(word) for word in fh.read().split()]
            listed = True
        except (OSError, ValueError):
            continue
    if listed:
        return found
    # A kernel without /proc/PID/task/TID/children: every process's parent.
    return [child for child, parent in _parents().items() if parent == pid]


def _parents() -> dict[int, int]:
    out: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            out[int(name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    return out


def _kill_children() -> None:
    """Kill every process below this one (a subreaper: orphans come back here)."""
    me = os.getpid()
    for _ in range(1000):
        found = children(me)
        if not found:
            return
        for pid in found:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        for pid in found:
            with contextlib.suppress(OSError):
                os.waitpid(pid, 0)


def _install_capture(found: list[str]) -> None:
    import itertools

    import diagrams

    diagrams.Diagram._default_graph_attrs = {
        **diagrams.Diagram._default_graph_attrs,
        "pad": PAD_INCHES,
    }
    numbers = itertools.count(1)
    diagrams.Node._rand_id = staticmethod(lambda: f"{NODE_PREFIX}{next(numbers)}")

    def render(self: Any) -> None:
        found.append(self.dot.source)

    def leave(self: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
        if exc_type is None:
            self.render()
        diagrams.setdiagram(None)

    diagrams.Diagram.render = render
    diagrams.Diagram.__exit__ = leave


def run_code(argv: list[str]) -> int:
    """Run the author's code from stdin; write its one diagram's DOT to ``argv[1]``."""
    out_path, label = argv[1], argv[2]
    code = sys.stdin.read()
    found: list[str] = []
    try:
        _install_capture(found)
        sys.argv = [label]  # as if the author ran their file directly
        compiled = compile(code, label, "exec")
        exec(compiled, {"__name__": "__main__", "__file__": label})
    except SystemExit as exc:
        if exc.code not in (None, 0):
            import traceback

            traceback.print_exc()
            return 1
    except BaseException:
        import traceback

        # Drop the runner's own frame so the traceback starts in the author's code.
        etype, value, tb = sys.exc_info()
        traceback.print_exception(etype, value, tb.tb_next if tb is not None else None)
        return 1
    if len(found) != 1:
        print(
            f"the code drew {len(found)} diagrams; expected exactly one 'with Diagram(...):' block",
            file=sys.stderr,
        )
        return NO_DIAGRAM
    tmp = out_path + ".part"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(found[0])
    os.replace(tmp, out_path)
    return 0


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()


def main(argv: list[str]) -> int:
    _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if not _prctl(_PR_SET_CHILD_SUBREAPER, 1):
        return run_code(argv)  # no subreaper here: the parent's process group kill must do
    pid = os.fork()
    if pid == 0:
        status = 1
        try:
            _prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            status = run_code(argv)
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            _flush()
            os._exit(status)
    while True:
        try:
            _, wait_status = os.waitpid(pid, 0)
            break
        except InterruptedError:  # pragma: no cover - Python retries waitpid itself
            continue
    _kill_children()
    code = os.waitstatus_to_exitcode(wait_status)
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        print(f"killed by signal {name}", file=sys.stderr)
        return KILLED
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
