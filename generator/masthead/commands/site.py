"""``masthead build`` and ``masthead serve``: thin wrappers over MkDocs."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from .._io import staging_dir, swap_in
from ..errors import ConfigError, MastheadError, display_path
from . import SubParsers, add_config_option


def register(sub: SubParsers) -> None:
    build = sub.add_parser(
        "build",
        help="build the site (and the email issues) with MkDocs",
        description=(
            "Build the site into site_dir (from mkdocs.yml; MkDocs' default is site/, a "
            "project made by 'masthead init' uses build/site) and the email issues into "
            "masthead/email's output_dir (default build/email, beside mkdocs.yml)."
        ),
    )
    add_config_option(build)
    build.add_argument(
        "--strict",
        action="store_true",
        help="fail on any warning (turns strict on; 'strict: true' in mkdocs.yml does too)",
    )
    build.add_argument("-d", "--site-dir", metavar="DIR", help="override site_dir")
    build.add_argument("-q", "--quiet", action="store_true", help="only show errors")
    build.set_defaults(handler=run_build)

    serve = sub.add_parser(
        "serve",
        help="preview the site with live reload (mkdocs serve)",
        description=(
            "Serve the site with live reload while you write. A saved page, post or "
            "reading lock shows first, within a second; the rest of the site is rebuilt "
            "right after, and the browser reloads again."
        ),
    )
    add_config_option(serve)
    serve.add_argument(
        "-a",
        "--dev-addr",
        default="127.0.0.1:8000",
        metavar="IP:PORT",
        help="address to serve on (default: %(default)s)",
    )
    serve.add_argument(
        "--strict",
        action="store_true",
        help="fail on any warning (turns strict on; 'strict: true' in mkdocs.yml does too)",
    )
    serve.set_defaults(handler=run_serve)


def _config_file(args: argparse.Namespace) -> str:
    path = Path(args.config_file)
    if not path.is_file():
        raise ConfigError(
            "no such file; expected an MkDocs configuration (run from the project folder "
            "or pass -f FILE)",
            path=path,
        )
    return str(path)


def _setup_logging(quiet: bool) -> None:
    """MkDocs' log on stderr: INFO and up, or only errors with ``quiet``.

    The logger itself stays at WARNING or below, so that MkDocs still counts the
    warnings that ``strict`` turns into a failed build.
    """
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.__main__ import ColorFormatter

    log = logging.getLogger("mkdocs")
    handler = next(
        (h for h in log.handlers if type(h) is logging.StreamHandler),  # not pytest's handlers
        None,
    )
    if handler is None:
        handler = logging.StreamHandler()
        handler.setFormatter(ColorFormatter())
        log.addHandler(handler)
    handler.setLevel(logging.ERROR if quiet else logging.INFO)
    log.setLevel(logging.INFO)


def run_build(args: argparse.Namespace) -> int:
    config_file = _config_file(args)
    _setup_logging(args.quiet)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    # Only turned on here: `strict: true` in mkdocs.yml holds without --strict.
    overrides: dict[str, Any] = {"strict": True} if args.strict else {}
    if args.site_dir:
        overrides["site_dir"] = args.site_dir
    try:
        config = load_config(config_file, **overrides)
    except ConfigurationError as exc:
        raise ConfigError(str(exc), path=config_file) from exc
    except Abort as exc:
        raise MastheadError(
            f"the configuration is not valid ({exc}); see the errors above"
        ) from exc
    # Built beside site_dir and swapped in only when the build succeeded: a failed or
    # killed build leaves the last good site as it was.
    target = Path(config.site_dir)
    staged = staging_dir(target)
    config.site_dir = str(staged)
    try:
        # As `mkdocs build` does: plugins learn the command before the build.
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()
        swap_in(staged, target)
    except Abort as exc:
        # MkDocs has logged the errors (with their files) already.
        raise MastheadError(
            f"the build failed ({exc}); see the errors above. {display_path(target)} "
            "was left as it was"
        ) from exc
    finally:
        shutil.rmtree(staged, ignore_errors=True)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    config_file = _config_file(args)
    _setup_logging(False)
    from mkdocs.commands.serve import serve

    serve(config_file=config_file, dev_addr=args.dev_addr, strict=True if args.strict else None)
    return 0
