"""Push an issue to an email provider as a draft, through the provider's API.

What to send is each provider's own (:mod:`masthead.providers`: the request(s),
the environment variables of the credentials, where the draft's id is in the
answer); this module builds them through the registry, performs them in order
and reports a refusal with the provider's answer. API keys come from the
environment only; nothing is ever sent to subscribers.

A draft exists only when the provider's JSON answer names it (an id, or a
URL): a redirect (never followed: a request that creates something is not
repeated elsewhere), an answer that is not JSON (an HTML login page with a
200) or JSON without an id is an error quoting the status and the first
bytes of the answer. Secrets (the API key, the ``Authorization`` value, in
any form the server may echo them in) are redacted from everything printed
or raised. All the requests of one push share one deadline.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

from ..errors import ConfigError, MastheadError
from .built import BuiltIssue

DRAFT_ID = "{draft_id}"
"""Stands in a later request's URL for the id of the draft the first request created."""
DEADLINE = 60.0
"""Seconds all the requests of one push may take together, answers included."""
TIMEOUT = 30.0
"""Seconds to wait at each step of one request (connecting, each read)."""
ANSWER_LIMIT = 8 * 1024 * 1024
"""The most of an answer that is read (decoded); a longer one is an error."""
EXCERPT = 200
"""How much of an unexpected answer an error quotes."""
REDACTED = "[redacted]"

_SECRET_HEADER_WORDS = ("authorization", "key", "token", "secret", "password", "cookie")


@dataclass(frozen=True)
class PushRequest:
    """One HTTP request to a provider's API, with a JSON body."""

    provider: str
    method: str
    url: str
    headers: dict[str, str]
    payload: dict[str, Any] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()
    """Values never to print (the credentials); the headers' own are found as well."""


@dataclass(frozen=True)
class PushResult:
    """The draft a push created: its id and the provider's answer to the creating request."""

    provider: str
    status_code: int
    draft_id: str
    response: dict[str, Any]
    draft_url: str = ""
    """The draft's URL, when the answer names one."""


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


# -- secrets ------------------------------------------------------------------------------


class Redactor:
    """Replaces every secret of a push, in the forms a server may echo it in (as is,
    URL-encoded, JSON-escaped, base64), with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str]):
        forms: set[str] = set()
        for secret in secrets:
            if len(secret) < 4:  # too short to be a credential, too common to replace
                continue
            forms.update(
                {
                    secret,
                    quote(secret, safe=""),
                    quote_plus(secret),
                    json.dumps(secret)[1:-1],
                    json.dumps(secret, ensure_ascii=False)[1:-1],
                    base64.b64encode(secret.encode()).decode("ascii"),
                }
            )
        self.forms = sorted((f for f in forms if len(f) >= 4), key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for form in self.forms:
            text = text.replace(form, REDACTED)
        return text


def secrets_of(requests: Iterable[PushRequest]) -> list[str]:
    """The credentials in ``requests``: their declared secrets, the values of their
    credential headers (and the token after an ``Authorization`` scheme, a Basic
    password), a password in their URL."""
    found: list[str] = []
    for request in requests:
        found += [s for s in request.secrets if s]
        for name, value in request.headers.items():
            if not any(word in name.lower() for word in _SECRET_HEADER_WORDS):
                continue
            found.append(value)
            scheme, _, credential = value.strip().partition(" ")
            credential = credential.strip()
            if not credential:
                continue
            found.append(credential)
            if scheme.lower() == "basic":
                try:
                    decoded = base64.b64decode(credential, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    continue
                found += [decoded, decoded.partition(":")[2]]
            else:
                found.append(credential.rpartition(":")[2])  # listmonk: user:token
        password = urlsplit(request.url).password
        if password:
            found.append(password)
    return found


# -- performing -----------------------------------------------------------------------------


@dataclass
class _Answer:
    status: int
    json: Any
    excerpt: str
    """The start of the answer, redacted."""


def send_requests(
    requests: Sequence[PushRequest], *, timeout: float = TIMEOUT, deadline: float = DEADLINE
) -> PushResult:
    """Perform ``requests`` in order: the first creates the draft, whose id (read by the
    provider) fills :data:`DRAFT_ID` in the later ones. All of them must be done within
    ``deadline`` seconds. An error names the provider, the request, the status and the
    start of the answer (secrets redacted), and a draft already created."""
    import asyncio  # loaded by a push only, not by every build that reads the providers

    from ..providers import get

    if not requests:
        raise MastheadError("no request to send; expected the draft's request(s)")
    if not deadline > 0 or not timeout > 0:
        raise ConfigError(
            f"expected a positive deadline and timeout in seconds, got {deadline!r}, {timeout!r}"
        )
    push = get(requests[0].provider).push
    if push is None:
        raise ConfigError(f"provider {requests[0].provider} has no API to create a draft through")
    redact = Redactor(secrets_of(requests))
    try:
        return asyncio.run(_push(requests, push, timeout, deadline, redact))
    except MastheadError as exc:
        # Every message is built redacted; this is the last line of defence.
        raise MastheadError(redact(exc.message)) from None


async def _push(
    requests: Sequence[PushRequest],
    push: Any,
    timeout: float,
    deadline: float,
    redact: Redactor,
) -> PushResult:
    import asyncio

    import httpx

    first, *rest = requests
    state = {"step": f"{first.method} {first.url}", "draft": ""}
    try:
        async with (
            asyncio.timeout(deadline),
            httpx.AsyncClient(follow_redirects=False, timeout=timeout) as client,
        ):
            answer = await _perform(client, first, redact, step=1, draft="")
            draft = _clean_id(push.draft_id(answer.json))
            url = _clean_url(push.draft_url(answer.json)) if push.draft_url else ""
            if not draft and not url:
                raise MastheadError(
                    f"{first.provider}: the answer to {first.method} {redact(first.url)} "
                    f"(HTTP {answer.status}) names no draft (no id, no URL), so no draft is "
                    f"known to exist; expected the created draft in JSON, got: {answer.excerpt}"
                )
            state["draft"] = draft or url
            for number, request in enumerate(rest, start=2):
                if DRAFT_ID in request.url:
                    if not draft:
                        raise MastheadError(
                            f"{first.provider} created the draft but its answer has no id to "
                            f"finish it with; expected the draft's id in: {answer.excerpt}"
                            f"{_done(request.provider, state['draft'])}"
                        )
                    request = replace(
                        request, url=request.url.replace(DRAFT_ID, quote(draft, safe=""))
                    )
                state["step"] = f"{request.method} {request.url}"
                await _perform(client, request, redact, step=number, draft=state["draft"])
    except TimeoutError:
        raise MastheadError(
            f"{first.provider}: the push did not finish within its {deadline:g} s deadline "
            f"(still waiting for {redact(state['step'])}; the server answers too slowly or "
            f"not at all){_done(first.provider, state['draft'])}"
        ) from None
    return PushResult(
        first.provider,
        answer.status,
        redact(draft),
        answer.json if isinstance(answer.json, dict) else {},
        redact(url),
    )


def _done(provider: str, draft: str) -> str:
    return f" (draft {draft} was created; finish or delete it at {provider})" if draft else ""


async def _perform(
    client: Any, request: PushRequest, redact: Redactor, *, step: int, draft: str
) -> _Answer:
    """Send one request; its status and JSON answer, or an error naming what failed."""
    import httpx

    done = _done(request.provider, draft)
    shown = f"{request.method} {redact(request.url)}"
    what = (
        "the draft" if step == 1 else f"step {step} ({request.method} {urlsplit(request.url).path})"
    )
    try:
        async with client.stream(
            request.method, request.url, headers=request.headers, json=request.payload
        ) as response:
            body = await _read(response, request, shown, done)
            status = response.status_code
            location = response.headers.get("location", "")
            content_type = response.headers.get("content-type", "")
    except httpx.HTTPError as exc:
        raise MastheadError(
            f"{request.provider}: {shown} failed: {redact(str(exc) or type(exc).__name__)}{done}"
        ) from None
    text = body.decode("utf-8", "replace")
    excerpt = _excerpt(redact(text))
    if 300 <= status < 400:
        raise MastheadError(
            f"{request.provider}: {shown} answered with a redirect (HTTP {status}"
            + (f" to {redact(location)}" if location else "")
            + "), not with the created draft; it is not followed, since a request that creates "
            "something is not repeated elsewhere (is the API URL right?): "
            f"{excerpt}{done}"
        )
    if not 200 <= status < 300:
        raise MastheadError(f"{request.provider} refused {what} (HTTP {status}): {excerpt}{done}")
    if not text.strip():
        if step == 1:
            raise MastheadError(
                f"{request.provider}: {shown} answered HTTP {status} with an empty body; "
                f"expected the created draft in JSON{done}"
            )
        return _Answer(status, {}, "")
    try:
        answer = json.loads(text)
    except ValueError:
        raise MastheadError(
            f"{request.provider}: {shown} answered HTTP {status} with something that is not "
            f"JSON ({content_type or 'no Content-Type'}), so {what} cannot be confirmed: "
            f"{excerpt}{done}"
        ) from None
    return _Answer(status, answer, excerpt)


async def _read(response: Any, request: PushRequest, shown: str, done: str) -> bytes:
    """The (decoded) body, at most :data:`ANSWER_LIMIT` bytes of it."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > ANSWER_LIMIT:
            raise MastheadError(
                f"{request.provider}: {shown} answered with more than "
                f"{ANSWER_LIMIT // (1024 * 1024)} MiB; expected a short JSON answer{done}"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _excerpt(text: str) -> str:
    """The first :data:`EXCERPT` characters of ``text`` on one line, quoted."""
    flat = " ".join(text.split())
    cut = flat[:EXCERPT]
    return repr(cut + ("…" if len(flat) > EXCERPT else "")) if flat else "(empty body)"


def _clean_id(value: str) -> str:
    """A draft id as a provider gives it: a short printable token, else ``""``."""
    text = str(value or "").strip()
    if not text or len(text) > 200 or not text.isprintable():
        return ""
    return text


def _clean_url(value: str) -> str:
    text = str(value or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc or not text.isprintable():
        return ""
    return text if len(text) <= 2000 else ""


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
