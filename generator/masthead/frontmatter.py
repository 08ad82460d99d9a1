"""Split a Markdown file into its YAML front matter and body, with line numbers in errors."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import FrontMatterError

_FENCE = re.compile(r"^---[ \t]*$")


@dataclass(frozen=True)
class Document:
    """A Markdown source split into front matter and body."""

    path: Path
    meta: dict[str, Any]
    body: str
    body_line: int
    """1-based line number of the first body line in the file."""


def split(text: str, path: str | Path) -> Document:
    """Parse ``text`` (the content of ``path``).

    A file without front matter has empty ``meta``. Invalid YAML, or front
    matter that is not a mapping, raises :class:`FrontMatterError` with the
    line of the problem in the file.
    """
    p = Path(path)
    lines = text.splitlines(keepends=True)
    if not lines or not _FENCE.match(lines[0].rstrip("\r\n")):
        return Document(p, {}, text, 1)
    for end in range(1, len(lines)):
        if _FENCE.match(lines[end].rstrip("\r\n")) or lines[end].rstrip("\r\n") == "...":
            break
    else:
        raise FrontMatterError(
            "front matter opened with '---' on line 1 is never closed; expected a line '---'",
            path=p,
            line=1,
        )
    raw = "".join(lines[1:end])
    try:
        meta = yaml.safe_load(raw) if raw.strip() else {}
    except yaml.YAMLError as exc:
        line = 1
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            line = mark.line + 2  # +1 for the opening fence, +1 for 1-based
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrontMatterError(f"invalid YAML front matter: {problem}", path=p, line=line) from exc
    except ValueError as exc:
        # PyYAML builds dates while parsing: 2022-13-01 fails here, without a mark.
        line = _failing_line(lines[1:end])
        raise FrontMatterError(
            f"invalid value in the front matter ({exc}); expected a date like 2022-12-01",
            path=p,
            line=line + 1,
        ) from exc
    if not isinstance(meta, dict):
        raise FrontMatterError(
            f"front matter must be a mapping of keys to values, got {type(meta).__name__}",
            path=p,
            line=2,
        )
    return Document(p, meta, "".join(lines[end + 1 :]), end + 2)


def _failing_line(lines: list[str]) -> int:
    """1-based line (within ``lines``) whose value alone fails to load; 1 if none does."""
    for number, line in enumerate(lines, start=1):
        try:
            yaml.safe_load(line.split(":", 1)[1] if ":" in line else line)
        except (yaml.YAMLError, ValueError):
            return number
    return 1


def key_line(text: str, key: str) -> int | None:
    """1-based line of a top-level ``key:`` in the front matter of ``text``, if present."""
    pattern = re.compile(rf"^{re.escape(key)}\s*:")
    for number, line in enumerate(text.splitlines(), start=1):
        if number > 1 and _FENCE.match(line):
            return None
        if pattern.match(line):
            return number
    return None


def read(path: str | Path) -> Document:
    """Read and split a Markdown file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FrontMatterError(
            f"not valid UTF-8 (byte {exc.start}); expected a UTF-8 Markdown file", path=p
        ) from exc
    return split(text, p)
