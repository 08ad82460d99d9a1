"""The issue as one MIME message: multipart/alternative, the text part first."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid, parseaddr


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
    (RFC 8058) are set when ``unsubscribe_url`` is given.
    """
    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = subject
    msg["From"] = sender
    if to:
        msg["To"] = to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = msgid
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if web_url:
        msg["X-Web-Version"] = web_url
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


def check_address(value: str) -> str:
    """``value`` if it is one usable address (``Name <a@b.c>`` or ``a@b.c``), else ValueError."""
    name, addr = parseaddr(value)
    if not addr or "@" not in addr or addr.startswith("@") or addr.endswith("@"):
        raise ValueError(f"expected an email address like 'Name <name@example.org>', got {value!r}")
    local, _, domain = addr.rpartition("@")
    Address(display_name=name, username=local, domain=domain)
    return value
