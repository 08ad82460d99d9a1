"""Leave out the title a graph draws (its root ``label``) from Graphviz DOT source.

A diagram with a caption shows its title once, in the caption: the name of
``Diagram("...")`` (which ``diagrams`` makes the graph's label) or a DOT
graph's own ``label`` is then not drawn inside the image. The graph keeps its
name (the SVG's ``<title>``), and clusters keep their labels.
"""

from __future__ import annotations

CLEAR_LABEL = '\nlabel=""\n'
"""The statement added at the end of the root graph's body: DOT's last assignment wins."""


def _skip_string(dot: str, i: int) -> int:
    """The index after the double-quoted string that starts at ``dot[i]``."""
    i += 1
    while i < len(dot):
        if dot[i] == "\\":
            i += 2
            continue
        if dot[i] == '"':
            return i + 1
        i += 1
    return i


def _skip_html(dot: str, i: int) -> int:
    """The index after the HTML-like label (``<...>``, nested) that starts at ``dot[i]``."""
    depth = 0
    while i < len(dot):
        if dot[i] == "<":
            depth += 1
        elif dot[i] == ">":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i


def _skip_comment(dot: str, i: int) -> int | None:
    """The index after the comment that starts at ``dot[i]``, or None if none does."""
    if dot.startswith("//", i) or (dot[i] == "#" and (i == 0 or dot[i - 1] == "\n")):
        end = dot.find("\n", i)
        return len(dot) if end < 0 else end
    if dot.startswith("/*", i):
        end = dot.find("*/", i + 2)
        return len(dot) if end < 0 else end + 2
    return None


def root_body_end(dot: str) -> int | None:
    """The index of the ``}`` that closes the first graph of ``dot``, or None (not DOT)."""
    depth = 0
    i = 0
    while i < len(dot):
        char = dot[i]
        after_comment = _skip_comment(dot, i)
        if after_comment is not None:
            i = after_comment
        elif char == '"':
            i = _skip_string(dot, i)
        elif char == "<":
            i = _skip_html(dot, i)
        else:
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return i
            i += 1
    return None


def without_graph_label(dot: str) -> str:
    """``dot`` with the root graph's label cleared; as it is when it cannot be parsed
    (Graphviz then reports the error)."""
    end = root_body_end(dot)
    if end is None:
        return dot
    return dot[:end] + CLEAR_LABEL + dot[end:]
