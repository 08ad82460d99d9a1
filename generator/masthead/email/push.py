"""Push an issue to an email provider as a draft, through the provider's API.

What to send is each provider's own (:mod:`masthead.providers`: the request(s),
the environment variables of the credentials, where the draft's id is in the
answer); this module builds them through the registry, performs them in order
and reports a refusal with the provider's answer. API keys come from the
environment only; nothing is ever sent to subscribers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlsplit

from ..errors import ConfigError, MastheadError
from .built import BuiltIssue

DRAFT_ID = "{draft_id}"
"""Stands in a later request's URL for the id of the draft the first request created."""


@dataclass(frozen=True)
class PushRequest:
    """One HTTP request to a provider's API, with a JSON body."""

    provider: str
    method: str
    url: str
    headers: dict[str, str]
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PushResult:
    """The draft a push created: its id and the provider's answer to the creating request."""

    provider: str
    status_code: int
    draft_id: str
    response: dict[str, Any]


def push_names() -> tuple[str, ...]:
    """The providers a draft can be pushed to (those with an API)."""
    from ..providers import PUSH_NAMES

    return PUSH_NAMES


def build_requests(
    issue: BuiltIssue,
    provider: str,
    *,
    env: Mapping[str, str] | None = None,
    api_url: str | None = None,
    list_ids: Sequence[str | int] = (),
) -> tuple[PushRequest, ...]:
    """The HTTP request(s) that create ``issue`` as a draft at ``provider``, in order.

    ``env`` (default: the process environment) holds the credentials;
    ``api_url`` overrides the API's base URL; ``list_ids`` are the lists or
    audience to address (listmonk, Mailchimp). A provider without an API is a
    :class:`~masthead.errors.ConfigError` saying how to send instead.
    """
    from ..providers import PushOptions, get

    chosen = get(provider)
    if chosen.push is None:
        raise ConfigError(
            f"provider {chosen.name} has no API to create a draft through; expected one of "
            f"{', '.join(push_names())}. Send the issue with 'masthead send' (SMTP), or give "
            "the built email (email.html, email.txt, message.eml) to your provider's own tool"
        )
    options = PushOptions(api_url=api_url, list_ids=tuple(str(i) for i in list_ids))
    return chosen.push.requests(issue, os.environ if env is None else env, options)


def send_requests(requests: Sequence[PushRequest], *, timeout: float = 30.0) -> PushResult:
    """Perform ``requests`` in order: the first creates the draft, whose id (read by the
    provider) fills :data:`DRAFT_ID` in the later ones. An error names the provider, the
    request and the provider's answer, and a draft already created."""
    from ..providers import get

    if not requests:
        raise MastheadError("no request to send; expected the draft's request(s)")
    first, *rest = requests
    push = get(first.provider).push
    if push is None:
        raise ConfigError(f"provider {first.provider} has no API to create a draft through")
    status, answer = _perform(first, timeout, step=1, draft="")
    draft = push.draft_id(answer)
    for number, request in enumerate(rest, start=2):
        if DRAFT_ID in request.url:
            if not draft:
                raise MastheadError(
                    f"{first.provider} created the draft but its answer has no id to finish it "
                    f"with; expected the draft's id in: {str(answer)[:500]}"
                )
            request = replace(request, url=request.url.replace(DRAFT_ID, quote(draft, safe="")))
        _perform(request, timeout, step=number, draft=draft)
    return PushResult(first.provider, status, draft, answer if isinstance(answer, dict) else {})


def _perform(request: PushRequest, timeout: float, *, step: int, draft: str) -> tuple[int, Any]:
    """Send one request; its status and JSON answer, or an error naming what failed."""
    import httpx

    done = (
        f" (draft {draft} was created; finish or delete it at {request.provider})" if draft else ""
    )
    try:
        response = httpx.request(
            request.method,
            request.url,
            headers=request.headers,
            json=request.payload,
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise MastheadError(
            f"{request.provider}: {request.method} {request.url} failed: {exc}{done}"
        ) from exc
    try:
        answer: Any = response.json()
    except ValueError:
        answer = {"text": response.text[:500]}
    if response.status_code >= 400:
        what = (
            "the draft"
            if step == 1
            else f"step {step} ({request.method} {urlsplit(request.url).path})"
        )
        raise MastheadError(
            f"{request.provider} refused {what} (HTTP {response.status_code}): "
            f"{str(answer)[:500]}{done}"
        )
    return response.status_code, answer


def environment_help() -> str:
    """The environment variables each provider's push reads, for ``masthead push --help``."""
    from ..providers import PUSH_NAMES, get

    parts = []
    for name in PUSH_NAMES:
        push = get(name).push
        if push is not None:
            names = " and ".join(push.env_keys)
            extra = f" (and {', '.join(push.env_options)})" if push.env_options else ""
            parts.append(f"{get(name).title}: {names}{extra}")
    return "; ".join(parts)
