"""Math (``pymdownx.arithmatex``, MathML, KaTeX) in an email: Unicode text where the
TeX is simple, else the TeX source in a code span, with a warning."""

from __future__ import annotations

import re

from . import dom
from .construct_common import Warn, ancestors, inside, plural, where
from .dom import Element
from .mathtext import mathml_text, tex_to_unicode

_DELIMITERS = (("\\(", "\\)"), ("\\[", "\\]"), ("$$", "$$"), ("$", "$"))


def _strip_delimiters(tex: str) -> str:
    tex = tex.strip()
    for start, end in _DELIMITERS:
        if tex.startswith(start) and tex.endswith(end) and len(tex) >= len(start) + len(end):
            return tex[len(start) : len(tex) - len(end)].strip()
    return tex


def is_math(e: Element) -> bool:
    if e.tag == "script" and e.get("type").startswith("math/tex"):
        return True
    if e.tag == "math":
        return True
    return e.has_class("arithmatex") or e.has_class("katex") or e.has_class("katex-display")


def _tex_of(e: Element) -> tuple[str, bool]:
    """The TeX source of a math element and whether it is a displayed block."""
    annotation = e.find(lambda a: a.tag == "annotation" and "tex" in a.get("encoding").lower())
    if e.tag == "script":
        return e.text().strip(), "mode=display" in e.get("type")
    block = e.tag == "div" or e.has_class("katex-display") or e.get("display") == "block"
    script = e.find(lambda s: s.tag == "script" and s.get("type").startswith("math/tex"))
    if script is not None:
        return script.text().strip(), block or "mode=display" in script.get("type")
    if annotation is not None:
        return annotation.text().strip(), block
    if e.tag == "math":
        return "", block
    return _strip_delimiters(e.text()), block


def math(nodes: list[Element], warn: Warn) -> None:
    """Math -> readable text: Unicode where simple (``E = mc²``), else the TeX source in
    a code span; one warning for the issue, naming where the first one is."""
    unicode_count = 0
    tex_count = 0
    first = ""
    for node in nodes:
        if (
            node.parent is None
            or inside(node, frozenset(["math"]))
            or any(is_math(p) for p in ancestors(node))
        ):
            continue
        tex, block = _tex_of(node)
        text = tex_to_unicode(tex) if tex else None
        if not tex and node.tag == "math":
            text = re.sub(r"\s+", " ", mathml_text(node)).strip() or None
        if not tex and text is None:
            dom.remove(node)
            continue
        first = first or where(node)
        if text is not None:
            unicode_count += 1
            tag = "p" if block else "span"
            cls = "mh-e-math mh-e-math--block" if block else "mh-e-math"
            dom.replace(node, [dom.el(tag, {"class": cls}, text)])
        else:
            tex_count += 1
            code = dom.el("code", {"class": "mh-e-math__tex"}, tex)
            if block:
                dom.replace(node, [dom.el("pre", {"class": "mh-e-math mh-e-math--block"}, code)])
            else:
                dom.replace(node, [code])
    total = unicode_count + tex_count
    if total:
        parts = []
        if unicode_count:
            parts.append(f"{unicode_count} as Unicode text")
        if tex_count:
            parts.append(f"{tex_count} as TeX source")
        warn(
            f"{plural(total, 'math expression')} shown as text in the email, not typeset "
            f"({', '.join(parts)}), the first {first}"
        )
