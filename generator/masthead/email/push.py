"""Push an issue to an email provider as a draft, through the provider's API.

Requests follow each provider's documented API:

- Buttondown: ``POST https://api.buttondown.com/v1/emails`` with
  ``Authorization: Token <key>``; ``subject``, ``body`` (HTML), ``description``,
  ``canonical_url`` and ``status: "draft"``, always (Buttondown's older API
  versions send an email created without a status straight away).
- Kit (API v4): ``POST https://api.kit.com/v4/broadcasts`` with
  ``X-Kit-Api-Key: <key>``; ``subject``, ``content`` (HTML), ``preview_text``,
  ``description``, ``public: false`` and ``send_at: null`` (null saves a draft).
- listmonk: ``POST <your listmonk>/api/campaigns`` with
  ``Authorization: token <api_user>:<token>``; ``name``, ``subject``,
  ``lists`` (ids), ``from_email``, ``type: "regular"``, ``content_type: "html"``,
  ``body`` and ``altbody`` (the text part). A new campaign is a draft.

API keys come from the environment only.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, MastheadError
from .built import BuiltIssue

PUSH_PROVIDERS = ("buttondown", "kit", "listmonk")
ENV_KEYS = {
    "buttondown": ("BUTTONDOWN_API_KEY",),
    "kit": ("KIT_API_KEY",),
    "listmonk": ("LISTMONK_API_USER", "LISTMONK_API_TOKEN"),
}
DEFAULT_URLS = {
    "buttondown": "https://api.buttondown.com/v1",
    "kit": "https://api.kit.com/v4",
}
LISTMONK_URL_ENV = "LISTMONK_URL"
LISTMONK_TAG = "{{ UnsubscribeURL }}"


def go_template_literal(text: str, keep: tuple[str, ...] = ()) -> str:
    """``text`` for a Go template (listmonk): each ``{{`` written as ``{{"{{"}}`` so it
    prints as is, except inside the merge tags in ``keep``. (The HTML part needs no
    such care: its braces are character references.)"""
    pieces = [text]
    for tag in keep:
        pieces = [part for piece in pieces for part in _split_keep(piece, tag)]
    return "".join(p if p in keep else p.replace("{{", '{{"{{"}}') for p in pieces)


def _split_keep(text: str, tag: str) -> list[str]:
    parts = text.split(tag)
    out: list[str] = []
    for i, part in enumerate(parts):
        if i:
            out.append(tag)
        out.append(part)
    return out


@dataclass(frozen=True)
class PushRequest:
    provider: str
    method: str
    url: str
    headers: dict[str, str]
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PushResult:
    provider: str
    status_code: int
    draft_id: str
    response: dict[str, Any]


def _env(provider: str, env: Mapping[str, str]) -> list[str]:
    values = []
    for name in ENV_KEYS[provider]:
        value = env.get(name, "").strip()
        if not value:
            raise ConfigError(
                f"{name} is not set; expected the {provider} API credentials in the environment "
                f"({', '.join(ENV_KEYS[provider])})"
            )
        values.append(value)
    return values


def build_request(
    issue: BuiltIssue,
    provider: str,
    *,
    env: Mapping[str, str] | None = None,
    api_url: str | None = None,
    lists: tuple[int, ...] = (),
) -> PushRequest:
    """The HTTP request that creates ``issue`` as a draft at ``provider``."""
    source = os.environ if env is None else env
    html, text = issue.html, issue.text
    subject = issue.get("subject")
    json_headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if provider == "buttondown":
        (key,) = _env(provider, source)
        base = (api_url or DEFAULT_URLS[provider]).rstrip("/")
        return PushRequest(
            provider,
            "POST",
            f"{base}/emails",
            {**json_headers, "Authorization": f"Token {key}"},
            {
                "subject": subject,
                "body": html,
                "description": issue.get("preheader"),
                "canonical_url": issue.get("web_url"),
                "status": "draft",
            },
        )
    if provider == "kit":
        (key,) = _env(provider, source)
        base = (api_url or DEFAULT_URLS[provider]).rstrip("/")
        return PushRequest(
            provider,
            "POST",
            f"{base}/broadcasts",
            {**json_headers, "X-Kit-Api-Key": key},
            {
                "subject": subject,
                "content": html,
                "preview_text": issue.get("preheader"),
                "description": issue.get("preheader"),
                "public": False,
                "send_at": None,
            },
        )
    if provider == "listmonk":
        user, token = _env(provider, source)
        base = (api_url or source.get(LISTMONK_URL_ENV, "")).rstrip("/")
        if not base:
            raise ConfigError(
                f"listmonk runs on your own server: pass --api-url or set {LISTMONK_URL_ENV} "
                "(e.g. https://lists.example.org)"
            )
        if not lists:
            raise ConfigError("listmonk needs the ids of the lists to send to: --list-id N")
        return PushRequest(
            provider,
            "POST",
            f"{base}/api/campaigns",
            {**json_headers, "Authorization": f"token {user}:{token}"},
            {
                "name": f"{subject} ({issue.slug})",
                "subject": subject,
                "lists": list(lists),
                "from_email": issue.get("from"),
                "type": "regular",
                "content_type": "html",
                "body": html,
                "altbody": go_template_literal(text, keep=(LISTMONK_TAG,)),
            },
        )
    raise ConfigError(f"unknown provider {provider!r}; expected one of {', '.join(PUSH_PROVIDERS)}")


def send_request(request: PushRequest, *, timeout: float = 30.0) -> PushResult:
    """Perform ``request``; an error names the provider and its reply when it fails."""
    import httpx

    try:
        response = httpx.request(
            request.method,
            request.url,
            headers=request.headers,
            json=request.payload,
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise MastheadError(f"{request.provider}: request to {request.url} failed: {exc}") from exc
    try:
        body = response.json()
    except ValueError:
        body = {"text": response.text[:500]}
    if response.status_code >= 400:
        raise MastheadError(
            f"{request.provider} refused the draft (HTTP {response.status_code}): {str(body)[:500]}"
        )
    data = body.get("data", body) if isinstance(body, dict) else {}
    if isinstance(data, dict) and "broadcast" in data:
        data = data["broadcast"]
    draft_id = str(data.get("id", "")) if isinstance(data, dict) else ""
    return PushResult(
        request.provider, response.status_code, draft_id, body if isinstance(body, dict) else {}
    )
