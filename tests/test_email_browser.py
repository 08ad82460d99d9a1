"""The email issues in a real browser: headless Chromium at phone (375 px) and desktop
(600 px) widths, images served from a local HTTP server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .support import build_site, copy_project, serve_directory


@pytest.mark.browser
def test_email_fits_375_and_600_px_and_every_image_loads(
    browser: Any, tmp_path: Path, artifacts: Path
) -> None:
    project = copy_project(tmp_path / "project")
    build = project / "build"
    build.mkdir()
    with serve_directory(build) as base:
        # The site's absolute URLs point at the local server, so the email's images load.
        build_site(project, site_url=base + "site/")
        folders = sorted(p.parent for p in (build / "email").glob("*/email.html"))
        assert len(folders) >= 4
        checked_images = 0
        for folder in folders:
            for width in (375, 600):
                page = browser.new_page(viewport={"width": width, "height": 900})
                try:
                    page.goto(f"{base}email/{folder.name}/email.html", wait_until="load")
                    scroll_width = page.evaluate("document.documentElement.scrollWidth")
                    assert scroll_width <= width, (folder.name, width, scroll_width)
                    images = page.evaluate(
                        "Array.from(document.images).map(i => "
                        "({src: i.currentSrc, done: i.complete, w: i.naturalWidth, "
                        "shown: i.getBoundingClientRect().right}))"
                    )
                    for image in images:
                        assert image["src"].startswith(base + "site/"), image
                        assert image["done"] and image["w"] > 0, image
                        assert image["shown"] <= width, image
                    checked_images += len(images)
                    if folder.name.endswith("review") or width == 375:
                        page.screenshot(
                            path=str(artifacts / f"{folder.name}-{width}.png"), full_page=True
                        )
                finally:
                    page.close()
        assert checked_images > 0
