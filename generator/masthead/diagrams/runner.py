"""The child process that runs an author's ``diagrams`` code and writes its DOT.

Run as ``python -P runner.py OUT.dot LABEL`` with the code on stdin, in a
process of its own (see :mod:`masthead.diagrams.render`): the author's code
never runs inside MkDocs. ``Diagram`` is patched so that leaving
``with Diagram(...):`` records the Graphviz source instead of calling Graphviz
and opening a viewer; the parent renders that source to SVG and PNG itself
(one pass each, so the PNG's dpi does not inflate the SVG).

Exit status: 0 with OUT.dot written; 1 when the code raised (traceback on
stderr); 3 when it drew no diagram or more than one. This file imports only
the standard library and ``diagrams``, so it starts fast and does not depend
on masthead being importable in the child.
"""

from __future__ import annotations

import os
import sys
from typing import Any

NO_DIAGRAM = 3

# Graphviz's page padding that ``diagrams`` sets (2 inches on every side) is
# trimmed to this; an author's own ``graph_attr={"pad": ...}`` still wins.
PAD_INCHES = "0.25"


def _install_capture(found: list[str]) -> None:
    import diagrams

    diagrams.Diagram._default_graph_attrs = {
        **diagrams.Diagram._default_graph_attrs,
        "pad": PAD_INCHES,
    }

    def render(self: Any) -> None:
        found.append(self.dot.source)

    def leave(self: Any, exc_type: Any, exc_value: Any, tb: Any) -> None:
        if exc_type is None:
            self.render()
        diagrams.setdiagram(None)

    diagrams.Diagram.render = render
    diagrams.Diagram.__exit__ = leave


def main(argv: list[str]) -> int:
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


if __name__ == "__main__":
    sys.exit(main(sys.argv))
