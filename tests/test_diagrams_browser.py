"""Headless Chromium loads a built page over HTTP: every icon inside each diagram shows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from mkdocs.commands.build import build
from mkdocs.config import load_config

from .support import serve_directory

FIXTURE = Path(__file__).parent / "fixtures" / "diagrams" / "site"

# For each diagram on the page: load the SVG the <img> shows, decode every
# icon it draws (<image>, or <use> of a shared one), and check the pixels the
# browser drew where each icon sits (an icon that did not load leaves that box
# blank white).
INSPECT = """
async () => {
  const figures = [];
  for (const img of document.querySelectorAll('figure.mh-diagram img')) {
    img.loading = 'eager';
    img.scrollIntoView();
    await img.decode();
    const svgText = await (await fetch(img.src)).text();
    const holder = document.createElement('div');
    holder.innerHTML = svgText.replace(/^<\\?xml[^>]*>/, '');
    document.body.appendChild(holder);
    const svg = holder.querySelector('svg');
    const box = svg.getBoundingClientRect();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    const icons = [];
    // every icon drawn: an <image>, or a <use> of one kept once in <defs>
    for (const el of svg.querySelectorAll('image, use')) {
      if (el.closest('defs')) continue;
      let href = el.getAttribute('xlink:href') || el.getAttribute('href') || '';
      if (el.tagName === 'use') {
        const shared = svg.querySelector(href);
        href = shared.getAttribute('xlink:href') || shared.getAttribute('href') || '';
      }
      const probe = new Image();
      probe.src = href;
      let decoded = true;
      try { await probe.decode(); } catch (e) { decoded = false; }
      const r = el.getBoundingClientRect();
      const scale = img.naturalWidth / box.width;
      const x = Math.floor((r.left - box.left) * scale), y = Math.floor((r.top - box.top) * scale);
      const w = Math.max(1, Math.floor(r.width * scale));
      const h = Math.max(1, Math.floor(r.height * scale));
      const pixels = ctx.getImageData(x, y, w, h).data;
      let inked = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        const [red, green, blue, alpha] = [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]];
        if (alpha > 0 && (red < 235 || green < 235 || blue < 235)) inked += 1;
      }
      icons.push({scheme: href.slice(0, 5), decoded, width: probe.naturalWidth,
                  shared: el.tagName === 'use',
                  inked: inked / (pixels.length / 4)});
    }
    holder.remove();
    figures.push({src: img.getAttribute('src'), complete: img.complete,
                  naturalWidth: img.naturalWidth, width: img.width, icons});
  }
  return figures;
}
"""


@pytest.mark.browser
def test_every_icon_in_every_diagram_loads(tmp_path: Path, browser: Any) -> None:
    site = Path(shutil.copytree(FIXTURE, tmp_path / "site"))
    # serve from a folder the build did not write to: the site must survive a move
    config = load_config(str(site / "mkdocs.yml"), site_dir=str(site / "build"), strict=True)
    build(config)
    moved = Path(shutil.move(site / "build", tmp_path / "elsewhere"))
    shutil.rmtree(site / ".cache")
    with serve_directory(moved) as base:
        page = browser.new_page()
        failed: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
        try:
            page.goto(base + "index.html")
            figures = page.evaluate(INSPECT)
        finally:
            page.close()
    assert len(figures) == 3
    icons = 0
    for figure in figures:
        assert figure["complete"] and figure["naturalWidth"] > 0, figure
        for icon in figure["icons"]:
            icons += 1
            assert icon["scheme"] == "data:", icon
            assert icon["decoded"] and icon["width"] > 0, icon
            assert icon["inked"] > 0.05, (figure["src"], icon)
    # service + 2 pods (one icon, drawn twice), api + kubelet + containerd; DOT: none
    assert icons == 6
    assert sum(icon["shared"] for figure in figures for icon in figure["icons"]) == 2
    assert not [url for url in failed if "diagrams" in url], failed
