"""What a render used and emitted besides its Markdown, recorded so that a cached
render can be checked and its side effects made again.

- **masthead's fences.** Their formatters read the build's state (the posts a
  ```` ```posts ```` fence lists, a reading lock, a rendered diagram) and leave
  some (the diagram files to write, the locks an email was made from, a warning).
  :class:`RecordedFence` stands in for each formatter: during a recorded render it
  notes the fence's arguments and the digest of its HTML. A cached render is used
  only if each of its fences, formatted again with the same arguments at the same
  point of the build, gives the same HTML: formatting them again is what keeps the
  plugins' state as a full render leaves it. Should a fence give other HTML, the
  page is rendered again, and the fences already formatted are not formatted twice
  (:attr:`Recording.pending`).
- **link targets.** :class:`RecordingFiles` notes each file the link resolver
  looked up and what it found (its URL, whether it is excluded).
- **log records.** :class:`Capture` keeps the records a render emits (MkDocs'
  warnings about links, say), except those of fences, which emit theirs again
  when formatted again; :func:`replay` emits them on a hit, so a strict build
  fails on a cached page as on a rendered one.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Formatter = Callable[..., Any]


class Unrecordable(Exception):
    """A fence argument that cannot be stored."""


def encode(value: Any) -> Any:
    """``value`` as JSON data from which :func:`decode` makes it again (tuples and
    dictionaries included)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"t": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    raise Unrecordable(type(value).__name__)


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if isinstance(value, dict):
        if "t" in value:
            return tuple(decode(v) for v in value["t"])
        return {decode(k): decode(v) for k, v in value["d"]}
    return value


def digest_of(output: Any) -> str:
    text = output if isinstance(output, str) else repr(output)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class FenceCall:
    """One formatted fence: its name, its arguments (encoded) and its HTML's digest."""

    fence: str
    args: Any
    digest: str

    def as_json(self) -> list[Any]:
        return [self.fence, self.args, self.digest]

    @classmethod
    def from_json(cls, data: list[Any]) -> FenceCall:
        fence, args, digest = data
        return cls(str(fence), args, str(digest))

    def arguments(self) -> Arguments:
        """The formatter's arguments (``ValueError``: the entry holds something else)."""
        if self.args is None:
            raise ValueError("arguments that were not stored")
        src, language, class_name, options, kwargs = decode(self.args)
        if not all(isinstance(v, str) for v in (src, language, class_name)):
            raise ValueError("a fence's source, language or class that is not text")
        if not isinstance(options, dict) or not isinstance(kwargs, dict):
            raise ValueError("a fence's options that are not a mapping")
        if not all(isinstance(k, str) for k in kwargs):
            raise ValueError("a fence's keyword that is not a name")
        return src, language, class_name, options, kwargs


@dataclass
class Recording:
    """What one render used and emitted."""

    pending: list[tuple[FenceCall, Any]] = field(default_factory=list)
    """Fences formatted while checking a cached render that turned out stale, in order:
    the render takes their HTML instead of formatting them again."""
    fences: list[FenceCall] = field(default_factory=list)
    links: dict[str, list[str] | None] = field(default_factory=dict)
    records: list[list[Any]] = field(default_factory=list)
    storable: bool = True
    in_fence: int = 0
    last: logging.LogRecord | None = None
    """The record seen last: one reaches both loggers :func:`capturing` watches."""

    def format(self, fence: RecordedFence, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        src, language, class_name, options, _md = args
        try:
            encoded = encode([src, language, class_name, options, kwargs])
        except Unrecordable:
            self.storable = False
            encoded = None
        if self.pending:
            call, output = self.pending[0]
            if encoded is not None and call.fence == fence.name and call.args == encoded:
                self.pending.pop(0)
                self.fences.append(call)
                return output
            self.pending.clear()  # not the fences checked: none are reused
        self.in_fence += 1
        try:
            output = fence.formatter(*args, **kwargs)
        finally:
            self.in_fence -= 1
        self.fences.append(FenceCall(fence.name, encoded, digest_of(output)))
        return output

    def looked_up(self, path: str, file: Any) -> None:
        self.links[path] = None if file is None else [file.url, file.inclusion.name]

    def emitted(self, record: logging.LogRecord) -> None:
        if self.in_fence or record is self.last:
            return
        self.last = record
        if record.exc_info:
            self.storable = False  # a traceback is not replayed
            return
        self.records.append([record.name, record.levelno, record.getMessage()])


_current: contextvars.ContextVar[Recording | None] = contextvars.ContextVar(
    "masthead_render_recording", default=None
)


@contextlib.contextmanager
def recording(rec: Recording) -> Iterator[Recording]:
    """Record what the code run inside uses and emits into ``rec``."""
    token = _current.set(rec)
    try:
        yield rec
    finally:
        _current.reset(token)


class RecordedFence:
    """A fence formatter that a recorded render notes (see :class:`Recording`); outside
    one, just the formatter."""

    def __init__(self, name: str, formatter: Formatter) -> None:
        self.name = name
        self.formatter = formatter

    def __call__(
        self, src: str, language: str, class_name: str, options: Any, md: Any, **kwargs: Any
    ) -> Any:
        rec = _current.get()
        if rec is None:
            return self.formatter(src, language, class_name, options, md, **kwargs)
        return rec.format(self, (src, language, class_name, options, md), kwargs)


Arguments = tuple[str, str, str, dict[str, Any], dict[str, Any]]
"""A fence formatter's arguments but ``md``: source, language, class, options, keywords."""


def check_fences(
    calls: list[tuple[FenceCall, Arguments]], fences: dict[str, RecordedFence], md: Any
) -> tuple[bool, list[tuple[FenceCall, Any]]]:
    """Format each recorded fence again, with its arguments (from
    :meth:`FenceCall.arguments`); whether all gave the same HTML, and those formatted
    (in order, with their HTML)."""
    done: list[tuple[FenceCall, Any]] = []
    for call, (src, language, class_name, options, kwargs) in calls:
        fence = fences.get(call.fence)
        if fence is None:
            return False, done
        output = fence.formatter(src, language, class_name, options, md, **kwargs)
        done.append((FenceCall(call.fence, call.args, digest_of(output)), output))
        if done[-1][0].digest != call.digest:
            return False, done
    return True, done


class RecordingFiles:
    """A ``Files`` whose look-ups by path a :class:`Recording` notes."""

    def __init__(self, files: Any, rec: Recording) -> None:
        self._files = files
        self._rec = rec

    def get_file_from_path(self, path: str) -> Any:
        file = self._files.get_file_from_path(path)
        self._rec.looked_up(path, file)
        return file

    def __getattr__(self, name: str) -> Any:
        return getattr(self._files, name)


def links_unchanged(links: dict[str, Any], files: Any) -> bool:
    """Each recorded look-up finds what it found then."""
    for path, found in links.items():
        file = files.get_file_from_path(path)
        now = None if file is None else [file.url, file.inclusion.name]
        if now != found:
            return False
    return True


class Capture(logging.Handler):
    """Hands the records emitted during a recorded render to it."""

    def emit(self, record: logging.LogRecord) -> None:
        rec = _current.get()
        if rec is not None:
            rec.emitted(record)


@contextlib.contextmanager
def capturing(loggers: tuple[str, ...] = ("", "mkdocs")) -> Iterator[None]:
    """:class:`Capture` on ``loggers`` (the root, and MkDocs' logger, which the
    ``mkdocs`` command keeps from propagating)."""
    handler = Capture(logging.NOTSET)
    attached = [logging.getLogger(name) for name in loggers]
    for logger in attached:
        logger.addHandler(handler)
    try:
        yield
    finally:
        for logger in attached:
            logger.removeHandler(handler)


def replay(records: list[list[Any]]) -> None:
    """Emit the records of a cached render again, through the loggers that emitted them."""
    for name, level, message in records:
        logger = logging.getLogger(name)
        if logger.isEnabledFor(level):
            logger.handle(logger.makeRecord(name, level, "(cached render)", 0, message, (), None))
