"""What ``masthead init`` is asked for, what it would write, and its defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

CONFIG_NAMES: tuple[str, ...] = ("mkdocs.yml", "mkdocs.yaml")
"""The names of an MkDocs configuration; a folder with one is an existing project."""

DEFAULT_NAME = "My Newsletter"
DEFAULT_AUTHOR = "Your Name"
DEFAULT_EMAIL = "you@example.org"
DEFAULT_SITE_URL = "https://example.org/"


@dataclass(frozen=True)
class Options:
    """What ``masthead init`` was asked for (None: the default, or what mkdocs.yml says)."""

    name: str | None = None
    author: str | None = None
    email: str | None = None
    site_url: str | None = None
    provider: str = "buttondown"
    today: date = field(default_factory=date.today)


@dataclass(frozen=True)
class Change:
    """One file to create, or the new text of an existing file."""

    path: Path
    data: str | bytes
    created: bool
    """True: a new file; False: an existing file changed (``original`` is its text)."""
    note: str = ""
    original: str | None = None


@dataclass(frozen=True)
class Plan:
    """What ``masthead init`` would do: the changes, and hints for what it leaves to you."""

    changes: list[Change]
    notes: list[str] = field(default_factory=list)
