"""listmonk (self-hosted): its subscribe form, its merge tag and its draft API.

- Subscribe form: ``url:`` (the listmonk server) and ``list:`` (the list's
  UUID, or several); posts ``email`` and one hidden ``l=<uuid>`` per list to
  ``<url>/subscription/form``, listmonk's public subscription form (the lists
  must be public).
- Merge tag: ``{{ UnsubscribeURL }}``.
- Draft: ``POST <url>/api/campaigns`` with ``Authorization: token <api_user>:<token>``
  (``LISTMONK_API_USER``, ``LISTMONK_API_TOKEN``; the server from ``--api-url``
  or ``LISTMONK_URL``); ``name``, ``subject``, ``lists`` (ids, ``--list-id``),
  ``from_email``, ``type: "regular"``, ``content_type: "html"``, ``body`` and
  ``altbody`` (the text part). A new campaign is a draft. The answer is
  ``{"data": {"id": ...}}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..email.push import PushRequest
from ..errors import ConfigError
from ._base import (
    JSON_HEADERS,
    Provider,
    Push,
    PushOptions,
    Subscribe,
    answer_id,
    credentials,
    form,
    member,
    raw_text,
    token,
    web_url,
)

if TYPE_CHECKING:
    from ..email.built import BuiltIssue

NAME = "listmonk"
MERGE_TAG = "{{ UnsubscribeURL }}"
ENV_KEYS = ("LISTMONK_API_USER", "LISTMONK_API_TOKEN")
URL_ENV = "LISTMONK_URL"
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def subscribe_form(options: Mapping[str, Any], where: str) -> Subscribe:
    """The public subscription form of the listmonk server ``url`` for the list(s) ``list``."""
    url = raw_text(options, "url")
    if not web_url(url) or "?" in url or "#" in url:
        raise ConfigError(
            f"{where}: provider listmonk needs 'url:' with the address of your listmonk "
            f"server (e.g. url: https://lists.example.org), got {options.get('url')!r}"
        )
    raw = options.get("list")
    uuids = [str(u).strip() for u in raw] if isinstance(raw, list) else [raw_text(options, "list")]
    if not uuids or not all(token(u, UUID) for u in uuids):
        raise ConfigError(
            f"{where}: provider listmonk needs 'list:' with the UUID of a public list "
            "(listmonk: Lists, the list's UUID; e.g. list: 2b5f2a4c-6a3e-4d1b-9c55-0e4b8f1d7a21), "
            f"got {raw!r}"
        )
    return form(
        NAME,
        options,
        where,
        action=f"{url.rstrip('/')}/subscription/form",
        email_field="email",
        hidden=[("l", u.lower()) for u in uuids],
    )


def go_template_literal(text: str, keep: tuple[str, ...] = ()) -> str:
    """``text`` for a Go template (listmonk): each ``{{`` written as ``{{"{{"}}`` so it
    prints as is, except inside the merge tags in ``keep``. (The HTML part needs no
    such care: its braces are character references.)"""
    pieces = [text]
    for tag in keep:
        pieces = [part for piece in pieces for part in _split_keep(piece, tag)]
    return "".join(p if p in keep else p.replace("{{", '{{"{{"}}') for p in pieces)


def _split_keep(text: str, tag: str) -> list[str]:
    """``text`` cut around each ``tag``, the tags kept as pieces of their own."""
    parts = text.split(tag)
    out: list[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append(tag)
        out.append(part)
    return out


def _list_ids(values: tuple[str, ...]) -> list[int]:
    """The ``--list-id`` values as listmonk's numeric list ids."""
    if not values:
        raise ConfigError("listmonk needs the ids of the lists to send to: --list-id N")
    ids = []
    for value in values:
        if not token(str(value).strip(), r"[0-9]+"):
            raise ConfigError(f"listmonk list ids are numbers (e.g. --list-id 3), got {value!r}")
        ids.append(int(value))
    return ids


def push_requests(
    issue: BuiltIssue, env: Mapping[str, str], options: PushOptions
) -> tuple[PushRequest, ...]:
    """``POST /api/campaigns`` creating ``issue`` as a listmonk campaign (a draft)."""
    user, api_token = credentials(NAME, ENV_KEYS, env)
    base = (options.api_url or env.get(URL_ENV, "")).strip().rstrip("/")
    if not base:
        raise ConfigError(
            f"listmonk runs on your own server: pass --api-url or set {URL_ENV} "
            "(e.g. https://lists.example.org)"
        )
    lists = _list_ids(options.list_ids)
    subject = issue.get("subject")
    request = PushRequest(
        NAME,
        "POST",
        f"{base}/api/campaigns",
        {**JSON_HEADERS, "Authorization": f"token {user}:{api_token}"},
        {
            "name": f"{subject} ({issue.slug})",
            "subject": subject,
            "lists": lists,
            "from_email": issue.get("from"),
            "type": "regular",
            "content_type": "html",
            "body": issue.html,
            "altbody": go_template_literal(issue.text, keep=(MERGE_TAG,)),
        },
        secrets=(api_token,),
    )
    return (request,)


def draft_id(answer: Any) -> str:
    """The id of the created campaign: ``{"data": {"id": ...}}``."""
    return answer_id(member(answer, "data", "id"))


PROVIDER = Provider(
    name=NAME,
    title="listmonk",
    form_keys=("url", "list"),
    form_example="{url: https://lists.example.org, list: 2b5f2a4c-6a3e-4d1b-9c55-0e4b8f1d7a21}",
    form=subscribe_form,
    merge_tag=MERGE_TAG,
    push=Push(ENV_KEYS, (URL_ENV,), push_requests, draft_id),
)
