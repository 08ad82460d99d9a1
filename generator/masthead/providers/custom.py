"""Any other provider: a subscribe form posting where the user says, no merge tag, no API.

- Subscribe form: ``action:`` the form's absolute URL, optional ``email_field:``
  (default ``email``), the name of the field carrying the address.
- No merge tag: the footer links to the newsletter's ``email: unsubscribe_url:``.
- No draft API: ``masthead send`` sends the issue over SMTP, or the provider's
  own tool takes the built email.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ._base import Provider, Subscribe, form, raw_text, token, web_url

NAME = "custom"


def subscribe_form(options: Mapping[str, Any], where: str) -> Subscribe:
    """The form that posts to ``options["action"]`` with the address in ``email_field``."""
    action = raw_text(options, "action")
    if not web_url(action):
        raise ConfigError(
            f"{where}: provider custom needs 'action:' with the form's absolute URL "
            f"(e.g. action: https://lists.example.org/subscribe), got {options.get('action')!r}"
        )
    field = raw_text(options, "email_field") or "email"
    if not token(field, r"[A-Za-z0-9_\[\]-]+"):
        raise ConfigError(
            f"{where}.email_field: expected the name of the form field for the address "
            f"(letters, digits, _ - [ ]; e.g. email_field: email), got {field!r}"
        )
    return form(NAME, options, where, action=action, email_field=field)


PROVIDER = Provider(
    name=NAME,
    title="custom",
    form_keys=("action", "email_field"),
    form_example="{action: https://lists.example.org/subscribe, email_field: email}",
    form=subscribe_form,
    merge_tag=None,
    push=None,
)
