"""The email issues a build wrote (``<output_dir>/<slug>/``), found by slug, period or source."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import MastheadError

FILES = ("email.html", "email.txt", "message.eml", "manifest.json")


@dataclass(frozen=True)
class BuiltIssue:
    folder: Path
    manifest: dict[str, Any]

    @property
    def slug(self) -> str:
        return str(self.manifest.get("slug") or self.folder.name)

    @property
    def html(self) -> str:
        return (self.folder / "email.html").read_text(encoding="utf-8")

    @property
    def text(self) -> str:
        return (self.folder / "email.txt").read_text(encoding="utf-8")

    @property
    def campaign(self) -> str:
        return f"{self.manifest.get('newsletter') or 'newsletter'}/{self.slug}"

    def get(self, key: str) -> str:
        return str(self.manifest.get(key) or "")


def built_issues(out_dir: Path) -> list[BuiltIssue]:
    found: list[BuiltIssue] = []
    if not out_dir.is_dir():
        return found
    for manifest in sorted(out_dir.glob("*/manifest.json")):
        if manifest.parent.name.startswith("."):
            continue  # a folder being written (or left by a killed build)
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise MastheadError(f"unreadable manifest: {exc}", path=manifest) from exc
        if isinstance(data, dict) and all((manifest.parent / f).is_file() for f in FILES):
            found.append(BuiltIssue(manifest.parent, data))
    return found


def _matches(issue: BuiltIssue, selector: str, docs_dir: Path | None) -> bool:
    sel = selector.strip().rstrip("/")
    if sel in (issue.slug, issue.get("period"), issue.get("source")):
        return True
    source = issue.get("source")
    if source and docs_dir is not None:
        candidate = Path(selector)
        try:
            if candidate.resolve() == (docs_dir / source).resolve():
                return True
        except OSError:
            return False
    return bool(source) and sel.endswith("/" + source)


def find_built(out_dir: Path, selector: str, docs_dir: Path | None = None) -> BuiltIssue | None:
    """The issue ``selector`` names (slug, period like 2022-12, or source file path).

    None when no built issue matches; an error when several do (name it by slug).
    """
    matches = [i for i in built_issues(out_dir) if _matches(i, selector, docs_dir)]
    if len(matches) > 1:
        slugs = ", ".join(i.slug for i in matches)
        raise MastheadError(f"{selector!r} matches several issues ({slugs}); give the slug")
    return matches[0] if matches else None


def describe_available(out_dir: Path) -> str:
    issues = built_issues(out_dir)
    if not issues:
        return "no email issues were built"
    return "built issues: " + ", ".join(
        f"{i.slug} ({i.get('period')})" if i.get("period") else i.slug for i in issues
    )
