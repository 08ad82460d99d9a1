"""Embedded players and diagrams drawn in the browser (iframes, video, audio, Mermaid)
in an email: a link to where they play, or the diagram's source."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..i18n import Strings
from . import dom
from .construct_common import Warn, inside, plural, where
from .dom import Element

_EMBEDS = frozenset(["iframe", "video", "audio"])


def embeds(nodes: list[Element], page_url: str, warn: Warn, strings: Strings) -> None:
    """Embedded players (``<iframe>``, ``<video>``, ``<audio>``), which mail clients do not
    play -> a link: to the embedded page for an iframe, else to the web issue (named in
    the language of ``strings`` when the player has no title)."""
    count, first = 0, ""
    for node in nodes:
        if node.parent is None or inside(node, _EMBEDS):
            continue
        src = node.get("src").strip()
        if node.tag == "iframe" and src.startswith(("https://", "http://", "//")):
            href = "https:" + src if src.startswith("//") else src
            host = urlsplit(href).hostname or href
            label = node.get("title").strip() or strings.text("email.embedded_from", host=host)
        else:
            href = page_url
            label = node.get("title").strip() or strings.text(
                "email.listen" if node.tag == "audio" else "email.watch_video"
            )
        first = first or where(node)
        count += 1
        link = dom.el("a", {"href": href}, f"▶ {label}")
        dom.replace(node, [dom.el("p", {"class": "mh-e-embed"}, link)])
    if count:
        warn(
            f"{plural(count, 'embedded player')} (iframe, video or audio) shown as a link in "
            f"the email, the first {first}"
        )


def mermaid(nodes: list[Element], warn: Warn, strings: Strings) -> None:
    """A Mermaid diagram (drawn by JavaScript on the web) -> its source as code, with a
    caption saying so (in the language of ``strings``)."""
    for node in nodes:
        if node.parent is None:
            continue
        place = where(node)
        source = node.text().strip("\n")
        title = dom.el("p", {"class": "mh-e-code__title"}, strings.text("email.mermaid"))
        code = dom.el("pre", {}, dom.el("code", {}, source))
        dom.replace(node, [title, code])
        warn(
            f"a Mermaid diagram {place} is shown as its source in the email (mail clients "
            "run no JavaScript to draw it)"
        )
