"""Buttondown: its subscribe form, its merge tag and its draft API.

- Subscribe form: ``account: NAME`` (the Buttondown username); posts ``email``
  (and ``embed=1``) to ``https://buttondown.com/api/emails/embed-subscribe/<account>``.
- Merge tag: ``{{ unsubscribe_url }}``.
- Draft: ``POST https://api.buttondown.com/v1/emails`` with
  ``Authorization: Token <key>`` (``BUTTONDOWN_API_KEY``); ``subject``, ``body``
  (HTML), ``description``, ``canonical_url`` and ``status: "draft"``, always
  (Buttondown's older API versions send an email created without a status
  straight away). The answer is the email, its ``id`` at the top level (and its
  ``absolute_url``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..email.push import PushRequest
from ..errors import ConfigError
from ._base import (
    JSON_HEADERS,
    Provider,
    Push,
    PushOptions,
    Subscribe,
    answer_id,
    answer_url,
    credentials,
    form,
    member,
    raw_text,
    token,
)

if TYPE_CHECKING:
    from ..email.built import BuiltIssue

NAME = "buttondown"
API_URL = "https://api.buttondown.com/v1"
ENV_KEYS = ("BUTTONDOWN_API_KEY",)


def subscribe_form(options: Mapping[str, Any], where: str) -> Subscribe:
    """The embed-subscribe form of the Buttondown account ``options["account"]``."""
    account = raw_text(options, "account")
    if not token(account, r"[0-9A-Za-z_.-]+"):
        raise ConfigError(
            f"{where}: provider buttondown needs 'account:' with the Buttondown username "
            f"(e.g. account: kernelnotes), got {options.get('account')!r}"
        )
    return form(
        NAME,
        options,
        where,
        action=f"https://buttondown.com/api/emails/embed-subscribe/{quote(account)}",
        email_field="email",
        hidden=(("embed", "1"),),
    )


def push_requests(
    issue: BuiltIssue, env: Mapping[str, str], options: PushOptions
) -> tuple[PushRequest, ...]:
    """``POST /emails`` creating ``issue`` as a Buttondown draft."""
    (key,) = credentials(NAME, ENV_KEYS, env)
    base = (options.api_url or API_URL).rstrip("/")
    request = PushRequest(
        NAME,
        "POST",
        f"{base}/emails",
        {**JSON_HEADERS, "Authorization": f"Token {key}"},
        {
            "subject": issue.get("subject"),
            "body": issue.html,
            "description": issue.get("preheader"),
            "canonical_url": issue.get("web_url"),
            "status": "draft",
        },
        secrets=(key,),
    )
    return (request,)


def draft_id(answer: Any) -> str:
    """The id of the created email: ``{"id": ...}``."""
    return answer_id(member(answer, "id"))


def draft_url(answer: Any) -> str:
    """The created email's page: ``{"absolute_url": ...}``."""
    return answer_url(member(answer, "absolute_url"))


PROVIDER = Provider(
    name=NAME,
    title="Buttondown",
    form_keys=("account",),
    form_example="{account: kernelnotes}",
    form=subscribe_form,
    merge_tag="{{ unsubscribe_url }}",
    push=Push(ENV_KEYS, (), push_requests, draft_id, draft_url),
)
