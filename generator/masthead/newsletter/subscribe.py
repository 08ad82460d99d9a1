"""The subscribe form of a newsletter: which provider receives the address.

A plain HTML form that posts to the provider; nothing is loaded from the
provider's host until the reader submits it.

- ``kit``: ``form`` is the Kit (ConvertKit) form id; posts ``email_address``
  to ``https://app.kit.com/forms/<form>/subscriptions``.
- ``buttondown``: ``account`` is the Buttondown username; posts ``email`` to
  ``https://buttondown.com/api/emails/embed-subscribe/<account>``.
- ``custom``: ``action`` is any form action URL; ``email_field`` names the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import ConfigError

PROVIDERS: tuple[str, ...] = ("kit", "buttondown", "custom")


@dataclass(frozen=True)
class Subscribe:
    """Where the subscribe form of a newsletter posts to."""

    provider: str
    action: str
    """The form's action URL (https)."""
    email_field: str = "email"
    """Name of the form field that carries the address."""
    button: str = "Subscribe"
    """Label of the submit button."""
    note: str = ""
    """A line under the form (e.g. "One email a month. Unsubscribe any time.")."""


def parse_subscribe(raw: Any, *, where: str = "subscribe") -> Subscribe | None:
    """Validate a ``subscribe:`` mapping from mkdocs.yml; ``None`` when absent.

    Raises :class:`~masthead.errors.ConfigError` saying which key is wrong.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.subscribe: expected a mapping with 'provider:'")
    provider = str(raw.get("provider", "")).strip().lower()
    button = str(raw.get("button") or "Subscribe")
    note = str(raw.get("note") or "")
    if provider == "kit":
        form = str(raw.get("form", "")).strip()
        if not re.fullmatch(r"[0-9A-Za-z_-]+", form):
            raise ConfigError(
                f"{where}.subscribe: provider kit needs 'form:' with the Kit form id "
                f"(e.g. form: 4827361), got {raw.get('form')!r}"
            )
        return Subscribe(
            "kit",
            f"https://app.kit.com/forms/{quote(form)}/subscriptions",
            "email_address",
            button,
            note,
        )
    if provider == "buttondown":
        account = str(raw.get("account", "")).strip()
        if not re.fullmatch(r"[0-9A-Za-z_.-]+", account):
            raise ConfigError(
                f"{where}.subscribe: provider buttondown needs 'account:' with the Buttondown "
                f"username (e.g. account: kernelnotes), got {raw.get('account')!r}"
            )
        return Subscribe(
            "buttondown",
            f"https://buttondown.com/api/emails/embed-subscribe/{quote(account)}",
            "email",
            button,
            note,
        )
    if provider == "custom":
        action = str(raw.get("action", "")).strip()
        parts = urlsplit(action)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ConfigError(
                f"{where}.subscribe: provider custom needs 'action:' with the form's absolute "
                f"URL (e.g. action: https://lists.example.org/subscribe), got {action!r}"
            )
        field = str(raw.get("email_field") or "email")
        if not re.fullmatch(r"[A-Za-z0-9_\[\]-]+", field):
            raise ConfigError(f"{where}.subscribe: invalid email_field {field!r}")
        return Subscribe("custom", action, field, button, note)
    raise ConfigError(
        f"{where}.subscribe: expected 'provider:' to be one of {', '.join(PROVIDERS)}, "
        f"got {raw.get('provider')!r}"
    )
