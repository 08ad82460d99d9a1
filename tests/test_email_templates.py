"""Email templates: masthead's own by default, the theme's email/ folder overrides them."""

from __future__ import annotations

from pathlib import Path

from .support import build_site


def _emails(project: Path) -> list[Path]:
    return sorted((project / "build" / "email").glob("*/email.html"))


def test_a_project_without_email_templates_uses_masthead_s(project: Path) -> None:
    assert not (project / "theme" / "email").exists()
    build_site(project)
    emails = _emails(project)
    assert emails, "no email issue was written"
    html = emails[0].read_text(encoding="utf-8")
    assert 'width="600"' in html or "max-width: 600px" in html
    assert "View in browser" in html


def test_a_template_in_theme_email_overrides_masthead_s(project: Path) -> None:
    override = project / "theme" / "email" / "styles.html"
    override.parent.mkdir(parents=True)
    override.write_text(".mh-e-content p { margin: 0 0 14px 0; color: #123456; }\n")
    build_site(project)
    html = _emails(project)[0].read_text(encoding="utf-8")
    assert "#123456" in html
