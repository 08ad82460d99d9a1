"""Kit (formerly ConvertKit): its subscribe form, its merge tag and its draft API.

- Subscribe form: ``form: ID`` (the Kit form id); posts ``email_address`` to
  ``https://app.kit.com/forms/<form>/subscriptions``.
- Merge tag: ``{{ unsubscribe_url }}``.
- Draft (API v4): ``POST https://api.kit.com/v4/broadcasts`` with
  ``X-Kit-Api-Key: <key>`` (``KIT_API_KEY``); ``subject``, ``content`` (HTML),
  ``preview_text``, ``description``, ``public: false`` and ``send_at: null``
  (null saves a draft). The answer is ``{"broadcast": {"id": ..., "public_url": ...}}``.
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

NAME = "kit"
API_URL = "https://api.kit.com/v4"
ENV_KEYS = ("KIT_API_KEY",)


def subscribe_form(options: Mapping[str, Any], where: str) -> Subscribe:
    """The form that subscribes to the Kit form ``options["form"]``."""
    form_id = raw_text(options, "form")
    if not token(form_id, r"[0-9A-Za-z_-]+"):
        raise ConfigError(
            f"{where}: provider kit needs 'form:' with the Kit form id "
            f'(e.g. form: "4827361"), got {options.get("form")!r}'
        )
    return form(
        NAME,
        options,
        where,
        action=f"https://app.kit.com/forms/{quote(form_id)}/subscriptions",
        email_field="email_address",
    )


def push_requests(
    issue: BuiltIssue, env: Mapping[str, str], options: PushOptions
) -> tuple[PushRequest, ...]:
    """``POST /broadcasts`` creating ``issue`` as an unscheduled Kit broadcast."""
    (key,) = credentials(NAME, ENV_KEYS, env)
    base = (options.api_url or API_URL).rstrip("/")
    request = PushRequest(
        NAME,
        "POST",
        f"{base}/broadcasts",
        {**JSON_HEADERS, "X-Kit-Api-Key": key},
        {
            "subject": issue.get("subject"),
            "content": issue.html,
            "preview_text": issue.get("preheader"),
            "description": issue.get("preheader"),
            "public": False,
            "send_at": None,
        },
        secrets=(key,),
    )
    return (request,)


def draft_id(answer: Any) -> str:
    """The id of the created broadcast: ``{"broadcast": {"id": ...}}``."""
    return answer_id(member(answer, "broadcast", "id"))


def draft_url(answer: Any) -> str:
    """The broadcast's page: ``{"broadcast": {"public_url": ...}}``."""
    return answer_url(member(answer, "broadcast", "public_url"))


PROVIDER = Provider(
    name=NAME,
    title="Kit",
    form_keys=("form",),
    form_example='{form: "4827361"}',
    form=subscribe_form,
    merge_tag="{{ unsubscribe_url }}",
    push=Push(ENV_KEYS, (), push_requests, draft_id, draft_url),
)
