"""Simple TeX (and MathML) as Unicode text, for the email of a page with math.

Mail clients typeset no math. What is simple, symbols, Greek letters, sub- and
superscripts, fractions and roots of simple parts, text, reads well as Unicode:
``\\sum_{i=1}^{n} x_i`` is ``∑ᵢ₌₁ⁿ xᵢ``. Anything else (environments, matrices,
accents) is not simple: :func:`tex_to_unicode` gives None, and the email shows the
TeX source.
"""

from __future__ import annotations

import re

from .dom import Element

_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ϵ",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "varpi": "ϖ",
    "rho": "ρ",
    "varrho": "ϱ",
    "sigma": "σ",
    "varsigma": "ς",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "ϕ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Upsilon": "Υ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
_SYMBOLS = {
    **_GREEK,
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "equiv": "≡",
    "sim": "∼",
    "simeq": "≃",
    "propto": "∝",
    "times": "×",
    "cdot": "·",
    "pm": "±",
    "mp": "∓",
    "div": "÷",
    "infty": "∞",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "gets": "←",
    "Rightarrow": "⇒",
    "Leftarrow": "⇐",
    "leftrightarrow": "↔",
    "Leftrightarrow": "⇔",
    "iff": "⇔",
    "implies": "⇒",
    "mapsto": "↦",
    "in": "∈",
    "notin": "∉",
    "ni": "∋",
    "subset": "⊂",
    "subseteq": "⊆",
    "supset": "⊃",
    "supseteq": "⊇",
    "cup": "∪",
    "cap": "∩",
    "setminus": "∖",
    "emptyset": "∅",
    "varnothing": "∅",
    "forall": "∀",
    "exists": "∃",
    "neg": "¬",
    "lnot": "¬",
    "land": "∧",
    "wedge": "∧",
    "lor": "∨",
    "vee": "∨",
    "oplus": "⊕",
    "otimes": "⊗",
    "partial": "∂",
    "nabla": "∇",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "oint": "∮",
    "ldots": "…",
    "dots": "…",
    "cdots": "⋯",
    "vdots": "⋮",
    "circ": "∘",
    "bullet": "∙",
    "star": "⋆",
    "ast": "∗",
    "prime": "′",
    "ell": "ℓ",
    "hbar": "ℏ",
    "Re": "ℜ",
    "Im": "ℑ",
    "aleph": "ℵ",
    "angle": "∠",
    "perp": "⊥",
    "parallel": "∥",
    "mid": "∣",
    "vert": "|",
    "lvert": "|",
    "rvert": "|",
    "Vert": "‖",
    "langle": "⟨",
    "rangle": "⟩",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "lceil": "⌈",
    "rceil": "⌉",
    "ll": "≪",
    "gg": "≫",
    "cong": "≅",
    "deg": "deg",
    "log": "log",
    "ln": "ln",
    "lg": "lg",
    "exp": "exp",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "max": "max",
    "min": "min",
    "lim": "lim",
    "det": "det",
    "gcd": "gcd",
    "mod": "mod",
    "bmod": "mod",
}
_SPACES = {",": " ", ";": " ", ":": " ", ">": " ", "!": "", " ": " ", "quad": " ", "qquad": "  "}
_LITERAL = {"{": "{", "}": "}", "%": "%", "$": "$", "#": "#", "&": "&", "_": "_", "|": "‖"}
_TEXT_COMMANDS = frozenset(
    [
        "text",
        "mathrm",
        "mathit",
        "mathbf",
        "mathsf",
        "mathtt",
        "textrm",
        "textbf",
        "operatorname",
        "boldsymbol",
        "mathnormal",
    ]
)
_SUP = dict(zip("0123456789+-=()nia", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃ", strict=True))
_SUP.update(zip("bcdefghjklmoprstuvwxyz", "ᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻ", strict=True))
_SUP.update({"′": "′", " ": ""})
_SUB = dict(
    zip("0123456789+-=()aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ", strict=True)
)
_SUB[" "] = ""
_PLAIN = re.compile(r"[A-Za-z0-9\s+\-=/()\[\]<>,.;:!'*|?]")


class _NotSimple(Exception):
    pass


class _TeX:
    """A small reader of simple TeX math: symbols, sub/superscripts, fractions of
    simple parts, text. Anything else (environments, matrices, accents) is not simple."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0

    def parse(self, stop: str = "") -> str:
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if stop and c == stop:
                return "".join(out)
            if c == "\\":
                out.append(self.command())
            elif c in "^_":
                self.i += 1
                arg = self.argument()
                out.append(_script(arg, _SUP if c == "^" else _SUB, c))
            elif c == "{":
                self.i += 1
                out.append(self.parse("}"))
                self.expect("}")
            elif c == "~":
                self.i += 1
                out.append(" ")
            elif _PLAIN.match(c):
                self.i += 1
                out.append(c)
            else:
                raise _NotSimple(c)
        if stop:
            raise _NotSimple("unbalanced")
        return "".join(out)

    def expect(self, char: str) -> None:
        if self.i >= len(self.s) or self.s[self.i] != char:
            raise _NotSimple(char)
        self.i += 1

    def argument(self) -> str:
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        if self.i >= len(self.s):
            raise _NotSimple("no argument")
        c = self.s[self.i]
        if c == "{":
            self.i += 1
            inner = self.parse("}")
            self.expect("}")
            return inner
        if c == "\\":
            return self.command()
        self.i += 1
        return c

    def command(self) -> str:
        self.i += 1  # the backslash
        match = re.match(r"[A-Za-z]+", self.s[self.i :])
        if not match:
            if self.i >= len(self.s):
                raise _NotSimple("\\")
            c = self.s[self.i]
            self.i += 1
            if c in _SPACES:
                return _SPACES[c]
            if c in _LITERAL:
                return _LITERAL[c]
            raise _NotSimple("\\" + c)
        name = match.group(0)
        self.i += len(name)
        if name in ("left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr"):
            return "" if self.peek(".") else self.argument()
        if name in _SPACES:
            return _SPACES[name]
        if name in _SYMBOLS:
            return _SYMBOLS[name]
        if name in _TEXT_COMMANDS:
            return self.argument()
        if name in ("frac", "dfrac", "tfrac"):
            top, bottom = self.argument(), self.argument()
            return f"{_group(top)}/{_group(bottom)}"
        if name == "sqrt":
            return "√" + _group(self.argument())
        raise _NotSimple(name)

    def peek(self, char: str) -> bool:
        if self.i < len(self.s) and self.s[self.i] == char:
            self.i += 1
            return True
        return False


def _group(text: str) -> str:
    """``text`` as one operand: in parentheses when it has an operator outside any."""
    text = text.strip()
    depth = 0
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and c in " +-=±∓×·/<>≤≥≠,":
            return f"({text})"
    return text


def _script(text: str, table: dict[str, str], mark: str) -> str:
    if all(c in table for c in text):
        return "".join(table[c] for c in text)
    text = text.strip()
    return mark + (text if len(text) == 1 else f"({text})")


def tex_to_unicode(tex: str) -> str | None:
    """``E = mc^2`` -> ``E = mc²``; None when the TeX is not simple enough for text."""
    try:
        text = _TeX(tex.strip()).parse()
    except _NotSimple:
        return None
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def mathml_text(node: Element) -> str:
    """MathML without its TeX -> text: ``<msup><mi>x</mi><mn>2</mn></msup>`` is ``x²``."""
    parts = [c for c in node.children if isinstance(c, Element)]
    if node.tag in ("mi", "mn", "mo", "mtext", "ms"):
        return re.sub(r"\s+", " ", node.text())
    if node.tag in ("annotation", "annotation-xml"):
        return ""
    if node.tag in ("msup", "msub") and len(parts) == 2:
        table, mark = (_SUP, "^") if node.tag == "msup" else (_SUB, "_")
        return mathml_text(parts[0]) + _script(mathml_text(parts[1]), table, mark)
    if node.tag == "msubsup" and len(parts) == 3:
        return (
            mathml_text(parts[0])
            + _script(mathml_text(parts[1]), _SUB, "_")
            + _script(mathml_text(parts[2]), _SUP, "^")
        )
    if node.tag == "mfrac" and len(parts) == 2:
        return f"{_group(mathml_text(parts[0]))}/{_group(mathml_text(parts[1]))}"
    if node.tag in ("msqrt", "mroot") and parts:
        return "√" + _group(
            mathml_text(parts[0]) if node.tag == "mroot" else "".join(mathml_text(p) for p in parts)
        )
    return "".join(mathml_text(p) for p in parts)
