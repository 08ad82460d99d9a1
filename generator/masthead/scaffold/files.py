"""Reading the files ``masthead init`` edits, and writing its changes atomically."""

from __future__ import annotations

from pathlib import Path

from .._io import atomic_write, write_new
from ..errors import ConfigError, MastheadError
from .model import CONFIG_NAMES, Change


def read_text(path: Path) -> str:
    """The text of ``path`` with its line endings as they are (CRLF stays CRLF)."""
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"expected UTF-8 text: {exc.reason}", path=path) from exc


def apply(changes: list[Change]) -> None:
    """Write every change atomically; mkdocs.yml comes last, once what it names exists.

    A file to create that exists by now, or a file to change whose text is no longer
    ``original``, stops the run with an error and is left as it is.
    """
    for change in sorted(changes, key=lambda c: c.path.name in CONFIG_NAMES):
        if change.created:
            try:
                write_new(change.path, change.data)
            except FileExistsError as exc:
                raise MastheadError(
                    "was created while masthead init ran; nothing was overwritten, run it again",
                    path=change.path,
                ) from exc
            continue
        current = read_text(change.path)
        if current != change.original:
            raise MastheadError(
                "changed while masthead init ran; it was left as it is, run init again",
                path=change.path,
            )
        atomic_write(change.path, change.data)
