"""``masthead email``, ``masthead email check``, ``masthead send`` and ``masthead push``.

ISSUE is an issue's slug (``december-2022-cpu-limits-and-dns``), its period
(``2022-12``) or its source file (``content/newsletter/posts/2022-12.md``).
The email is always rendered from the built site (a real MkDocs build with the
``masthead/email`` plugin), never from a second Markdown pipeline.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError, MastheadError
from . import SubParsers, add_config_option, quiet_mkdocs

PLUGIN = "masthead/email"


def register(sub: SubParsers) -> None:
    from ..email.check import DEFAULT_CLIENT_NAMES, clients_help, clients_listing

    email = sub.add_parser(
        "email",
        help="build the email of an issue, or check it against mail clients",
        usage=(
            "masthead email [-f FILE] [--strict] [-d DIR] ISSUE\n"
            "       masthead email check [-f FILE] [--caniemail FILE] [--clients NAMES] "
            "[--no-build] [--markdown] ISSUE"
        ),
        description=(
            "masthead email ISSUE: build the site and write build/email/<slug>/\n"
            "(email.html, email.txt, message.eml, manifest.json); show sizes and warnings.\n\n"
            "masthead email check ISSUE: list the HTML and CSS the email uses that mail\n"
            "clients support only partly or not at all, from the caniemail data: by default\n"
            "Gmail (desktop and mobile), Outlook for Windows, Outlook.com, Apple Mail and\n"
            "Yahoo Mail (--clients picks others). Exit code 1 when a checked client does not\n"
            "support something the email uses.\n\n"
            "ISSUE is a slug (december-2022), a period (2022-12) or the issue's file."
        ),
        epilog="mail clients of --clients:\n" + clients_listing(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    email.add_argument(
        "words", nargs="+", metavar="[check] ISSUE", help="the issue: slug, period or file"
    )
    add_config_option(email)
    email.add_argument(
        "--strict",
        action="store_true",
        help="warnings are errors: an email over its size budget (budget_kb, 90 KB by "
        "default) or over Gmail's clip (102 KB) fails",
    )
    email.add_argument("-d", "--site-dir", metavar="DIR", help="override site_dir")
    email.add_argument(
        "--caniemail",
        metavar="FILE",
        help="caniemail data (api/data.json) for 'check'; default $MASTHEAD_CANIEMAIL, "
        "else downloaded once into .cache/masthead/",
    )
    email.add_argument(
        "--clients",
        metavar="NAMES",
        help="the mail clients 'check' looks at, comma-separated (default: "
        f"{','.join(DEFAULT_CLIENT_NAMES)}); known: default, {clients_help()}; or "
        "FAMILY/PLATFORM of the caniemail data (aol/desktop-webmail, aol/*)",
    )
    email.add_argument(
        "--no-build",
        action="store_true",
        help="'check' the email already in the output folder instead of building",
    )
    email.add_argument("--markdown", action="store_true", help="'check' prints a Markdown table")
    email.set_defaults(handler=_with_mkdocs_logging(run_email))

    send = sub.add_parser(
        "send",
        help="send an issue over SMTP: a test to one address, or to a list",
        description=(
            "Send the built email of ISSUE over SMTP (server settings under masthead/email: "
            "smtp: in mkdocs.yml; user and password from MASTHEAD_SMTP_USER and "
            "MASTHEAD_SMTP_PASSWORD). A list send keeps a send log (SQLite), so running it "
            "again after an interruption sends to everyone not yet sent to, and to nobody twice."
        ),
    )
    send.add_argument("issue", metavar="ISSUE", help="the issue: slug, period or file")
    target = send.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="ADDR", help="send one test message to ADDR")
    target.add_argument(
        "--list", metavar="CSV", help="send to every address of a CSV with an 'email' column"
    )
    add_config_option(send)
    send.add_argument("--smtp-host", metavar="HOST", help="override smtp.host")
    send.add_argument("--smtp-port", type=int, metavar="PORT", help="override smtp.port")
    send.add_argument(
        "--security", choices=("starttls", "ssl", "none"), help="override smtp.security"
    )
    send.add_argument("--rate", type=float, metavar="N", help="at most N messages per second")
    send.add_argument(
        "--retries",
        type=int,
        default=3,
        metavar="N",
        help="retries of a temporary failure: a 4xx reply, a dropped connection, a timeout "
        "(default 3); still failing, the recipient is left deferred for the next run",
    )
    send.add_argument(
        "--retry-delay",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="first back-off delay, doubled each retry (default 2)",
    )
    send.add_argument(
        "--smtp-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="how long to wait for the server at each step (default 30)",
    )
    send.add_argument(
        "--log",
        metavar="FILE",
        help="send log (default .cache/masthead/send-log.sqlite next to mkdocs.yml)",
    )
    send.add_argument(
        "--retry-failed",
        action="store_true",
        help="also try again the recipients an earlier run recorded as failed (a 5xx reply)",
    )
    send.add_argument(
        "--rebuild", action="store_true", help="build the site first even if the email exists"
    )
    send.set_defaults(handler=_with_mkdocs_logging(run_send))

    from ..email.push import environment_help
    from ..providers import PUSH_NAMES, get

    push = sub.add_parser(
        "push",
        help="create a draft of an issue at " + ", ".join(get(name).title for name in PUSH_NAMES),
        description=(
            "Create the built email of ISSUE as a DRAFT through the provider's API (nothing is "
            f"sent). From the environment: {environment_help()}."
        ),
    )
    push.add_argument("issue", metavar="ISSUE", help="the issue: slug, period or file")
    push.add_argument("--provider", required=True, choices=PUSH_NAMES)
    push.add_argument("--api-url", metavar="URL", help="the API base URL (listmonk: your server)")
    push.add_argument(
        "--list-id",
        action="append",
        default=[],
        metavar="ID",
        help="listmonk list id (repeat for several), or the Mailchimp audience id",
    )
    add_config_option(push)
    push.add_argument(
        "--deadline",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how long the whole push (all its requests, answers included) may take (default 60)",
    )
    push.add_argument("--rebuild", action="store_true", help="build the site first")
    push.set_defaults(handler=_with_mkdocs_logging(run_push))


# -- building and finding the issue ------------------------------------------------


@dataclass
class _Site:
    config_file: Path
    out_dir: Path
    docs_dir: Path
    plugin_config: Any


def _with_mkdocs_logging(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        with quiet_mkdocs():
            return handler(args)

    return run


def _load(config_file: str, *, strict: bool = False, site_dir: str | None = None) -> Any:
    from ..plugins.model import load

    overrides: dict[str, Any] = {}
    if strict:
        overrides["strict"] = True
    if site_dir:
        overrides["site_dir"] = site_dir
    config, _ = load(config_file, **overrides)
    if PLUGIN not in config.plugins:
        raise ConfigError(
            f"the {PLUGIN} plugin is not enabled; expected '- {PLUGIN}' under plugins:",
            path=config_file,
        )
    return config


def _site(config: Any) -> _Site:
    from ..plugins.model import publication_of

    publication = publication_of(config)
    return _Site(
        publication.config_file,
        publication.email_dir,
        publication.docs_dir,
        config.plugins[PLUGIN].config,
    )


def _build(config: Any) -> None:
    from mkdocs.commands.build import build
    from mkdocs.exceptions import Abort
    from rich.console import Console

    with Console(stderr=True).status("Building the site and its email issues…"):
        try:
            build(config)
        except Abort as exc:
            raise ConfigError(f"build aborted: {exc}", path=config.config_file_path) from exc


def _find(site: _Site, selector: str) -> Any:
    from ..email.built import describe_available, find_built

    found = find_built(site.out_dir, selector, site.docs_dir)
    if found is None:
        raise MastheadError(
            f"no newsletter issue {selector!r}; expected a slug, a period (2022-12) or an "
            f"issue's file ({describe_available(site.out_dir)})"
        )
    return found


def _built_issue(args: argparse.Namespace, *, rebuild: bool) -> tuple[_Site, Any]:
    from ..email.built import find_built

    config = _load(args.config_file)
    site = _site(config)
    if not rebuild:
        existing = find_built(site.out_dir, args.issue, site.docs_dir)
        if existing is not None:
            stale = _outdated(existing, site)
            if not stale:
                return site, existing
            print(
                f"masthead: {', '.join(stale[:5])}{' ...' if len(stale) > 5 else ''} changed "
                f"since the email of {existing.slug!r} was built: building it again",
                file=sys.stderr,
            )
    _build(config)
    found = _find(site, args.issue)
    still = _outdated(found, site)
    if still:  # changed again while the build ran: never send what was not built from it
        raise MastheadError(
            f"{', '.join(still)} changed while the email of {found.slug!r} was built; "
            "run the command again"
        )
    return site, found


def _is_local(address: str) -> bool:
    """Whether a link to ``address`` would not work from a reader's mail client."""
    url = urlsplit(address)
    host = (url.hostname or "").lower()
    return (
        url.scheme != "https"
        or host in ("", "localhost", "0.0.0.0", "::1")
        or host.startswith("127.")
        or host.endswith((".localhost", ".local"))
    )


def _test_send_warnings(issue: Any) -> list[str]:
    """What a test send shows that subscribers would not get right (it still goes out)."""
    from ..providers import NAMES, merge_tag

    warnings = []
    if _is_local(issue.get("web_url")):
        warnings.append(
            f"the email was built with site_url {issue.get('web_url')!r}: its links and images "
            "point at a local build, which the recipient's mail client cannot load"
        )
    if issue.get("unsubscribe_url"):
        return warnings  # the send puts each recipient's link in place of the merge tag
    html, text = issue.html, issue.text
    for name in NAMES:
        tag = merge_tag(name)
        if tag and (tag in html or tag in text):
            warnings.append(
                f"the unsubscribe link is {name}'s merge tag {tag}, which {name} fills in when it "
                "sends; over SMTP it stays a literal link (set email.unsubscribe_url in mkdocs.yml "
                "for a working one)"
            )
    return warnings


def _require_public(issue: Any) -> None:
    """Refuse to mail out an email whose links and images point at a local build."""
    if _is_local(issue.get("web_url")):
        raise MastheadError(
            f"the email of {issue.slug!r} was built with site_url {issue.get('web_url')!r}; "
            "its links and images would not work for readers. Build it with the public "
            "https site_url (or use --to for a test send)"
        )


def _outdated(issue: Any, site: _Site) -> list[str]:
    """The inputs of the issue's email (its manifest's ``inputs``: issue file, mkdocs.yml,
    reading locks, templates, authors, diagram sources, images) changed since it was built;
    an email whose manifest records none is out of date as a whole."""
    from ..email.inputs import changed

    recorded = issue.manifest.get("inputs")
    if not isinstance(recorded, dict) or not recorded:
        return ["the email (built before masthead recorded its inputs)"]
    return changed(recorded, site.config_file.parent)


# -- handlers -------------------------------------------------------------------------


def run_email(args: argparse.Namespace) -> int:
    words: list[str] = args.words
    if len(words) == 2 and words[0] == "check":
        return _run_check(args, words[1])
    if len(words) != 1:
        raise MastheadError("expected 'masthead email ISSUE' or 'masthead email check ISSUE'")
    config = _load(args.config_file, strict=args.strict, site_dir=args.site_dir)
    site = _site(config)
    _build(config)
    issue = _find(site, words[0])
    return _show(issue, strict=args.strict)


def _show(issue: Any, *, strict: bool) -> int:
    from rich.console import Console
    from rich.markup import escape

    from ..email.budget import DEFAULT_BUDGET, GMAIL_CLIP, KB

    console = Console()
    m = issue.manifest
    sizes = m.get("sizes", {})
    console.print(f"[bold]{escape(str(m.get('subject')))}[/]")
    console.print(f"folder: {issue.folder}", soft_wrap=True)
    for name, key in (("email.html", "html"), ("email.txt", "text"), ("message.eml", "eml")):
        console.print(f"  {name:<12} {sizes.get(key, 0) / KB:6.1f} KB")
    console.print(f"preheader: {escape(str(m.get('preheader')))}")
    console.print(f"web: {m.get('web_url')}", soft_wrap=True)
    cut = m.get("cut")
    if isinstance(cut, dict):
        console.print(f"cut: {escape(str(cut.get('note', '')))}", soft_wrap=True)
    for warning in m.get("warnings", []):
        console.print(f"[yellow]warning:[/] {escape(str(warning))}", soft_wrap=True)
    html = int(sizes.get("html", 0))
    budget = int(sizes.get("budget", DEFAULT_BUDGET))
    if strict and html > GMAIL_CLIP:
        console.print(
            f"[red]error:[/] the email HTML is {html / KB:.1f} KB, over Gmail's clip of "
            f"{GMAIL_CLIP / KB:.0f} KB (--strict)"
        )
        return 1
    if strict and html > budget:
        console.print(
            f"[red]error:[/] the email HTML is {html / KB:.1f} KB, over its size budget of "
            f"{budget / KB:.0f} KB (--strict)"
        )
        return 1
    return 0


def _run_check(args: argparse.Namespace, selector: str) -> int:
    import sys

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from ..email.check import (
        check_html,
        load_data,
        locate_data,
        report_markdown,
        resolve_clients,
        unsupported_lines,
    )

    resolve_clients(args.clients)  # an unknown name fails before any download or build
    config = _load(args.config_file, site_dir=args.site_dir)
    site = _site(config)
    data_path = locate_data(args.caniemail, site.config_file.parent)
    data = load_data(data_path)
    clients = resolve_clients(args.clients, data)
    if not args.no_build:
        _build(config)
    issue = _find(site, selector)
    findings = check_html(issue.html, data, clients)
    if args.markdown:
        print(report_markdown(findings))
    else:
        console = Console()
        table = Table(title=f"{issue.slug}: not fully supported (caniemail data)")
        for column in ("feature", "client", "support", "used as", "notes"):
            table.add_column(column, overflow="fold")
        for f in findings:
            for s in f.support:
                label = "[red]no[/]" if s.code == "n" else "[yellow]partial[/]"
                table.add_row(
                    f"{escape(f.title)}\n[dim]{f.slug}[/]",
                    f"{s.client.name} {s.version}",
                    label,
                    escape("\n".join(s.used_as[:6])),
                    escape(" ".join(s.notes)),
                )
        console.print(table)
    failing = unsupported_lines(findings)
    if failing:
        print(
            f"masthead: the email of {issue.slug} uses what checked clients do not support:",
            file=sys.stderr,
        )
        for line in failing:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


def _project_root(site: _Site) -> Path:
    return site.config_file.parent


def run_send(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from ..email import send as s

    site, issue = _built_issue(args, rebuild=args.rebuild)
    smtp_cfg = site.plugin_config.smtp
    settings = s.SmtpSettings.with_env_credentials(
        args.smtp_host or smtp_cfg.host,
        args.smtp_port or smtp_cfg.port,
        args.security or smtp_cfg.security,
        timeout=args.smtp_timeout,
    )
    if args.retries < 0 or args.retry_delay < 0:
        raise MastheadError("expected --retries and --retry-delay of 0 or more")
    payload = s.Issue(
        campaign=issue.campaign,
        subject=issue.get("subject"),
        sender=issue.get("from"),
        html=issue.html,
        text=issue.text,
        provider=issue.get("provider"),
        unsubscribe_url=issue.get("unsubscribe_url"),
        reply_to=issue.get("reply_to"),
        web_url=issue.get("web_url"),
    )
    pacing = s.Pacing(
        rate=args.rate if args.rate is not None else float(smtp_cfg.rate),
        retries=args.retries,
        retry_delay=args.retry_delay,
    )
    console = Console(stderr=True)
    built_at = datetime.fromtimestamp((issue.folder / "email.html").stat().st_mtime)
    console.print(f"sending {issue.folder} (built {built_at:%Y-%m-%d %H:%M})", soft_wrap=True)
    mailer = s.Mailer(settings)
    if args.to:
        if not s.valid_address(args.to):
            raise MastheadError(f"expected an email address for --to, got {args.to!r}")
        for warning in _test_send_warnings(issue):
            console.print(f"[yellow]warning:[/] {warning}", soft_wrap=True)
        report = s.send_issue(payload, [s.Recipient(args.to)], mailer, None, pacing=pacing)
        return _report(console, report, None)
    _require_public(issue)
    list_path = Path(args.list)
    recipients = s.read_recipients(list_path)
    if not payload.unsubscribe_url:
        raise ConfigError(
            "a list send needs a working unsubscribe link: set unsubscribe_url for this "
            f"newsletter under {PLUGIN}: newsletters: in mkdocs.yml (it also sets "
            "List-Unsubscribe; Gmail and Yahoo require one-click unsubscribe from bulk senders)",
            path=site.config_file,
        )
    log_path = (
        Path(args.log) if args.log else _project_root(site) / ".cache/masthead/send-log.sqlite"
    )
    with s.SendLog(log_path) as log:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task(f"Sending {issue.slug}", total=len(recipients), last="")

            def tick(address: str, outcome: str) -> None:
                progress.update(task, advance=1, last=f"{outcome}: {address}")

            report = s.send_issue(
                payload,
                recipients,
                mailer,
                log,
                pacing=pacing,
                progress=tick,
                retry_failed=args.retry_failed,
            )
        return _report(console, report, log_path)


def _report(console: Any, report: Any, log_path: Path | None) -> int:
    """The summary of a send: counts that add up to the list, then who failed, who is
    deferred and why the run stopped. 0 only when everyone on the list has been sent to."""
    from rich.markup import escape

    def say(text: str) -> None:
        console.print(text, soft_wrap=True, highlight=False)

    say(escape(report.summary()))
    if report.resumed:
        say(
            f"{len(report.resumed)} address(es) were being sent to when an earlier run stopped; "
            "sent again with the same Message-ID: " + escape(", ".join(report.resumed))
        )
    if report.uncertain:
        say(
            f"{len(report.uncertain)} address(es): the connection was lost after the whole "
            "message had gone out, so the server may have taken it; it is sent again (now or "
            "on the next run) with the same Message-ID: " + escape(", ".join(report.uncertain))
        )
    earlier = set(report.failed_before)
    for address, reply in report.failed.items():
        note = (
            " (recorded by an earlier run; --retry-failed tries again)"
            if address in earlier
            else ""
        )
        say(f"[red]failed[/] {escape(address)}: {escape(reply)}{note}")
    for address, reply in report.deferred.items():
        say(f"[yellow]deferred[/] {escape(address)}: {escape(reply)} (run again to retry)")
    if report.pending:
        say(f"not tried yet: {len(report.pending)} address(es) (run again to send to them)")
    if report.stopped:
        say(f"[red]stopped:[/] {escape(report.stopped)}")
    if log_path is not None:
        say(f"send log: {escape(str(log_path))}")
    return 0 if report.ok else 1


def run_push(args: argparse.Namespace) -> int:
    from ..email.push import build_requests, send_requests

    _site_info, issue = _built_issue(args, rebuild=args.rebuild)
    _require_public(issue)
    if not args.deadline > 0:
        raise MastheadError(f"expected a positive --deadline in seconds, got {args.deadline:g}")
    requests = build_requests(issue, args.provider, api_url=args.api_url, list_ids=args.list_id)
    # A draft exists only when the answer names it: send_requests raises otherwise.
    result = send_requests(requests, deadline=args.deadline)
    named = f"id {result.draft_id}" if result.draft_id else f"at {result.draft_url}"
    print(f"{result.provider}: draft created for {issue.slug!r} ({named}); nothing was sent")
    if result.draft_id and result.draft_url:
        print(f"draft: {result.draft_url}")
    return 0
