"""The issue as one MIME message: multipart/alternative, the text part first.

Headers that carry a URL (``List-Unsubscribe``, ``X-Web-Version``, the other
RFC 2369 ``List-*`` fields) are written as plain ASCII and folded only at
whitespace, never as RFC 2047 encoded words: a mail client reads the URL
from the header as it stands, and an encoded word is not a URL.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, make_msgid, parseaddr
from typing import Any

from ..errors import ConfigError

MAX_LINE = 998
"""RFC 5322 section 2.1.1: a line of a message is at most 998 characters (without CRLF)."""
FOLD_AT = 78
"""RFC 5322: lines SHOULD be at most 78 characters; a longer word is kept whole."""

URL_HEADERS = frozenset(
    {
        "list-unsubscribe",
        "list-unsubscribe-post",
        "list-archive",
        "list-help",
        "list-subscribe",
        "list-post",
        "list-owner",
        "x-web-version",
    }
)
"""Headers written as ASCII and folded at whitespace only (lower case)."""

_BREAK_AFTER = "/&?;,+=#"
"""Where a URL too long for any line is preferably split (RFC 3986, appendix C)."""


def fold_url_header(name: str, value: str, linesep: str = "\r\n") -> str:
    """``name: value`` folded per RFC 5322 at the whitespace of ``value`` only.

    The first word stays on the header's own line when that line fits in 998
    characters, so the header parses back to exactly ``value``; a later word
    goes on a folded line of its own when the current one would pass 78. A
    word (a ``<url>``) is never cut unless it cannot fit on any line (over 997
    characters): then it is split across folded lines, preferably after a
    ``/``, ``&`` or ``?``, as RFC 3986 (appendix C) allows for a URL in angle
    brackets and RFC 2369 requires readers of ``List-*`` fields to ignore.
    """
    if not value.isascii() or "\r" in value or "\n" in value:
        raise ValueError(f"{name}: expected one line of ASCII, got {value!r}")
    words = value.split()
    lines = [f"{name}:"]
    for index, word in enumerate(words):
        current = lines[-1]
        joined = len(current) + 1 + len(word)
        if joined <= FOLD_AT or (index == 0 and joined <= MAX_LINE):
            lines[-1] = f"{current} {word}"
        elif len(word) + 1 <= MAX_LINE:
            lines.append(f" {word}")
        else:
            room = MAX_LINE - len(current) - 1 if index == 0 else 0
            pieces = _split_word(word, room)
            if index == 0 and room > 0:
                lines[-1] = f"{current} {pieces.pop(0)}"
            lines.extend(f" {piece}" for piece in pieces)
    if not words:
        lines[0] += " "
    return linesep.join(lines) + linesep


def _split_word(word: str, first: int) -> list[str]:
    """``word`` cut into pieces that fit on folded lines (the first in ``first`` characters
    when ``first`` > 0), each cut after a URL delimiter when one is near, never inside a
    percent-escape."""
    pieces: list[str] = []
    rest = word
    room = first if first > 0 else MAX_LINE - 1
    while len(rest) > room:
        cut = max(rest.rfind(c, max(0, room - 200), room) for c in _BREAK_AFTER) + 1
        if cut <= 0:
            cut = room
            percent = rest.rfind("%", cut - 2, cut)
            if percent != -1:
                cut = percent
        pieces.append(rest[:cut])
        rest = rest[cut:]
        room = MAX_LINE - 1
    pieces.append(rest)
    return pieces


class _UrlHeaderPolicy(EmailPolicy):
    """The SMTP policy (CRLF), except that :data:`URL_HEADERS` are stored as given and
    folded by :func:`fold_url_header`: for the .eml and for what is sent over SMTP."""

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if name.lower() in URL_HEADERS and not hasattr(value, "name"):
            text = str(value)
            fold_url_header(name, text)  # ASCII, one line, or ValueError
            return (name, text)
        return super().header_store_parse(name, value)

    def fold(self, name: str, value: Any) -> str:
        if name.lower() in URL_HEADERS and not hasattr(value, "name"):
            return fold_url_header(name, str(value), self.linesep)
        return super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if name.lower() in URL_HEADERS and not hasattr(value, "name"):
            return fold_url_header(name, str(value), self.linesep).encode("ascii")
        return super().fold_binary(name, value)


POLICY = _UrlHeaderPolicy(linesep="\r\n")
"""The policy of every message masthead writes (``email.policy.SMTP`` but for URL headers)."""

_UNSAFE = frozenset(" <>")
"""ASCII characters that cannot stand in ``<url>``: a space would be a folding point,
``<`` and ``>`` end the URL early."""


def header_url(url: str, *, what: str = "URL") -> str:
    """``url`` as it can stand in a header: ASCII, with an internationalised host in its
    IDNA form (``xn--...``) and any other non-ASCII character, space, ``<`` or ``>``
    percent-encoded (UTF-8); everything else (escapes, ``{email}``) is kept as it is.
    A URL with a control character (a line break), or whose host is not a valid
    domain name, is a :class:`~masthead.errors.ConfigError` naming ``what``."""
    text = url.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ConfigError(
            f"{what}: a URL cannot hold control characters such as a line break, got {url!r}"
        )
    if not text:
        raise ConfigError(f"{what}: expected a URL, got {url!r}")
    start = text.find("://")
    if start == -1:
        return _escape(text)
    start += 3
    end = next((i for i in range(start, len(text)) if text[i] in "/?#"), len(text))
    netloc = text[start:end]
    userinfo, at, hostport = netloc.rpartition("@")
    host, port = hostport, ""
    if not host.startswith("["):
        head, colon, tail = hostport.rpartition(":")
        if colon and tail.isdigit():
            host, port = head, colon + tail
    if not host.isascii():
        host = _idna(host, url, what)
    return text[:start] + _escape(userinfo) + at + host + port + _escape(text[end:])


def _escape(part: str) -> str:
    return "".join(
        c if c.isascii() and c not in _UNSAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8"))
        for c in part
    )


def _idna(host: str, url: str, what: str) -> str:
    try:
        import idna
    except ImportError:  # pragma: no cover - httpx brings idna
        try:
            return host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise _bad_host(host, url, what, exc) from exc
    try:
        return str(idna.encode(host, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError) as exc:
        raise _bad_host(host, url, what, exc) from exc


def _bad_host(host: str, url: str, what: str, exc: Exception) -> ConfigError:
    return ConfigError(
        f"{what}: the host {host!r} of {url!r} is not a domain name that can be written in "
        f"ASCII (IDNA: {exc}); expected a URL such as https://example.org/unsubscribe"
    )


def domain_of(address: str) -> str:
    _, addr = parseaddr(address)
    return addr.rpartition("@")[2] or "localhost"


def message_id(sender: str, *, seed: str | None = None) -> str:
    """A Message-ID on the sender's domain (stable for a given ``seed``)."""
    domain = domain_of(sender)
    if seed is None:
        return make_msgid(domain=domain)
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
    return f"<{digest}@{domain}>"


def build_message(
    *,
    subject: str,
    sender: str,
    text: str,
    html: str,
    date: datetime,
    msgid: str,
    to: str | None = None,
    reply_to: str | None = None,
    unsubscribe_url: str | None = None,
    web_url: str | None = None,
) -> EmailMessage:
    """An RFC 5322 message holding the text and HTML parts of the issue.

    ``List-Unsubscribe`` and ``List-Unsubscribe-Post: List-Unsubscribe=One-Click``
    (RFC 8058) are set when ``unsubscribe_url`` is given. Both, and
    ``X-Web-Version`` (``web_url``), are plain ASCII folded only at whitespace
    (:func:`fold_url_header`); a non-ASCII URL is made ASCII (:func:`header_url`).
    """
    msg = EmailMessage(policy=POLICY)
    msg["Subject"] = subject
    msg["From"] = sender
    if to:
        msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = msgid
    if unsubscribe_url:
        unsubscribe = header_url(unsubscribe_url, what="List-Unsubscribe (unsubscribe_url)")
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if web_url:
        msg["X-Web-Version"] = header_url(web_url, what="X-Web-Version (the issue's web URL)")
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    # A boundary made from the parts, not a random one, so that the same issue gives the
    # same message.eml on every build; both parts are quoted-printable, where "=" is
    # always encoded, so "==" never occurs in them.
    digest = hashlib.sha256(f"{text}\0{html}".encode()).hexdigest()[:32]
    msg.set_boundary(f"==============={digest}==")
    return msg


def check_address(value: str) -> str:
    """``value`` if it is one usable address (``Name <a@b.c>`` or ``a@b.c``), else ValueError."""
    name, addr = parseaddr(value)
    if not addr or "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ValueError(f"expected an email address like 'Name <name@example.org>', got {value!r}")
    local, _, domain = addr.rpartition("@")
    Address(display_name=name, username=local, domain=domain)
    return value
