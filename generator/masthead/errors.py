"""The errors masthead raises for bad input.

Every error names the file (relative to the project when possible), the line
when one is known, and what was expected, so that the CLI and the MkDocs
plugins can show one clear line and exit non-zero.
"""

from __future__ import annotations

from pathlib import Path


class MastheadError(Exception):
    """Bad input or a failed step, with the file and line it concerns."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = Path(path) if path is not None else None
        self.line = line

    @property
    def location(self) -> str:
        """``file:line`` (or just ``file``), relative to the working directory when inside it."""
        if self.path is None:
            return ""
        shown = display_path(self.path)
        return f"{shown}:{self.line}" if self.line is not None else shown

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.path is not None else self.message


class ConfigError(MastheadError):
    """A configuration file (mkdocs.yml, feeds.yml, ...) is not what was expected."""


class FrontMatterError(MastheadError):
    """The YAML front matter of a page is missing or invalid."""


def display_path(path: str | Path) -> str:
    """Show ``path`` relative to the current directory when it lies below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(p)
