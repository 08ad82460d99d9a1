"""Mailchimp: its subscribe form, its merge tag and its draft API (Marketing API 3.0).

- Subscribe form: ``action:`` the action URL of Mailchimp's embedded form
  (``https://<account>.<dc>.list-manage.com/subscribe/post?u=...&id=...``,
  Audience, Signup forms, Embedded form); posts ``EMAIL``.
- Merge tag: ``*|UNSUB|*``.
- Draft, in two requests, with HTTP Basic auth (any user, the API key as the
  password; the key, ``MAILCHIMP_API_KEY``, is ``<key>-<dc>`` and its data
  centre gives the base URL ``https://<dc>.api.mailchimp.com/3.0`` unless
  ``--api-url`` is given):

  1. ``POST /campaigns`` with ``type: "regular"``, ``recipients.list_id`` (the
     audience, ``--list-id`` or ``MAILCHIMP_LIST_ID``) and ``settings``
     (``subject_line``, ``preview_text``, ``title``, ``from_name``, ``reply_to``);
     the answer is the campaign, its ``id`` (and ``archive_url``) at the top level;
  2. ``PUT /campaigns/{id}/content`` with ``html`` and ``plain_text``.

  A campaign stays a draft until it is sent.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..email.push import DRAFT_ID, PushRequest
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

NAME = "mailchimp"
ENV_KEYS = ("MAILCHIMP_API_KEY",)
LIST_ENV = "MAILCHIMP_LIST_ID"
FORM_EXAMPLE = "https://example.us21.list-manage.com/subscribe/post?u=1a2b3c4d5e&id=6f7a8b9c0d"


def subscribe_form(options: Mapping[str, Any], where: str) -> Subscribe:
    """The form that posts to the Mailchimp embedded-form URL ``options["action"]``."""
    action = raw_text(options, "action")
    parts = urlsplit(action)
    query = parse_qs(parts.query)
    if (
        parts.scheme != "https"
        or not (parts.hostname or "").endswith(".list-manage.com")
        or not query.get("u")
        or not query.get("id")
    ):
        raise ConfigError(
            f"{where}: provider mailchimp needs 'action:' with the https action URL of "
            "Mailchimp's embedded form, on a *.list-manage.com host with its u= and id= "
            f"(e.g. action: {FORM_EXAMPLE}), got {options.get('action')!r}"
        )
    return form(NAME, options, where, action=action, email_field="EMAIL")


def api_url(key: str, given: str | None) -> str:
    """The API base URL: ``given``, else the one of the key's data centre (``-us21``)."""
    if given:
        return given.rstrip("/")
    prefix, _, centre = key.rpartition("-")
    if not prefix or not token(centre, r"[a-z]+[0-9]+"):
        raise ConfigError(
            "MAILCHIMP_API_KEY: expected the key as Mailchimp shows it, ending in its data "
            "centre (e.g. 0123456789abcdef0123456789abcdef-us21), or pass --api-url"
        )
    return f"https://{centre}.api.mailchimp.com/3.0"


def _audience(options: PushOptions, env: Mapping[str, str]) -> str:
    """The audience (list) id: the one ``--list-id``, else ``MAILCHIMP_LIST_ID``."""
    if len(options.list_ids) > 1:
        raise ConfigError(
            "a Mailchimp campaign goes to one audience: give one --list-id, "
            f"got {', '.join(options.list_ids)}"
        )
    audience = (options.list_ids[0] if options.list_ids else env.get(LIST_ENV, "")).strip()
    if not token(audience, r"[0-9A-Za-z]+"):
        raise ConfigError(
            f"Mailchimp needs the audience id (Audience, Settings, Unique id for audience): "
            f"--list-id ID or {LIST_ENV} (e.g. --list-id 6f7a8b9c0d), got {audience!r}"
        )
    return audience


def push_requests(
    issue: BuiltIssue, env: Mapping[str, str], options: PushOptions
) -> tuple[PushRequest, ...]:
    """``POST /campaigns`` (the draft, its audience and settings), then
    ``PUT /campaigns/{id}/content`` (its HTML and text)."""
    (key,) = credentials(NAME, ENV_KEYS, env)
    base = api_url(key, options.api_url)
    audience = _audience(options, env)
    basic = base64.b64encode(f"masthead:{key}".encode()).decode("ascii")
    headers = {**JSON_HEADERS, "Authorization": f"Basic {basic}"}
    subject = issue.get("subject")
    from_name, from_address = parseaddr(issue.get("from"))
    settings = {
        "subject_line": subject,
        "preview_text": issue.get("preheader"),
        "title": f"{subject} ({issue.slug})",
        "from_name": from_name,
        "reply_to": issue.get("reply_to") or from_address,
    }
    create = PushRequest(
        NAME,
        "POST",
        f"{base}/campaigns",
        headers,
        {
            "type": "regular",
            "recipients": {"list_id": audience},
            "settings": {k: v for k, v in settings.items() if v},
        },
        secrets=(key,),
    )
    content = PushRequest(
        NAME,
        "PUT",
        f"{base}/campaigns/{DRAFT_ID}/content",
        headers,
        {"html": issue.html, "plain_text": issue.text},
        secrets=(key,),
    )
    return (create, content)


def draft_id(answer: Any) -> str:
    """The id of the created campaign: ``{"id": ...}``."""
    return answer_id(member(answer, "id"))


def draft_url(answer: Any) -> str:
    """The campaign's archive page: ``{"archive_url": ...}``."""
    return answer_url(member(answer, "archive_url"))


PROVIDER = Provider(
    name=NAME,
    title="Mailchimp",
    form_keys=("action",),
    form_example=f"{{action: {FORM_EXAMPLE}}}",
    form=subscribe_form,
    merge_tag="*|UNSUB|*",
    push=Push(ENV_KEYS, (LIST_ENV,), push_requests, draft_id, draft_url),
)
