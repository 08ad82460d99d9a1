"""Link previews for ``masthead/newsletter``: what it reads from MkDocs pages for them.

Every page gets a meta description of its own, Open Graph and Twitter card data
(:mod:`masthead.newsletter.meta`, shown by ``partials/mh-meta.html``) and a social card
(:mod:`masthead.social`), unless the page names its own ``image:``: posts and issues as
articles (with their date, author and tags), the list pages of every blog instance
(index, archive, categories, authors, and their further pages) and every other page (the
home page, tag pages, an about page) as websites. Cards are drawn after the build, only
those the cache folder lacks, and copied into ``assets/masthead/cards/``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from markupsafe import Markup
from material.plugins.blog.plugin import BlogPlugin
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import Files
from mkdocs.structure.pages import Page

from ..._io import atomic_write
from ...errors import MastheadError, display_path
from ...newsletter import meta
from ...publication import Newsletter, Publication
from ...social.avatar import avatar_file
from ...social.draw import HEIGHT, WIDTH, CardSpec
from ...social.palette import theme_colours
from ...social.store import CardStore

CARDS_DIR = "assets/masthead/cards"
"""Where the site has the drawn cards (``<key>.png``)."""

log = logging.getLogger("mkdocs.plugins.masthead.newsletter")


def _list_pages(view: Any) -> Iterator[Any]:
    """A blog's index page, its archive, category and author pages, each with its
    further pages (pagination), with the page each was made from."""
    yield view, view
    for page in view.pages:
        yield page, view
    for child in view.views:
        yield from _list_pages(child)


class LinkPreviews:
    """The link previews of one build."""

    def __init__(self) -> None:
        self.enabled = True
        self.store: CardStore | None = None
        self.colours = theme_colours(None)
        self.docs_dir = Path(".")
        self.serving = False
        self.publication: Publication | None = None
        self.letters: dict[str, Newsletter] = {}
        self.blogs: dict[str, BlogPlugin] = {}
        self.posts: dict[str, str] = {}
        """src_uri of each post and issue -> blog_dir."""
        self.lists: dict[str, tuple[str, str]] = {}
        """src_uri of each list page -> (blog_dir, src_uri of the page it was made from)."""
        self.files: Files | None = None
        self.images: dict[str, meta.PageImage] = {}
        """src_uri -> the page's own ``image:``."""
        self.cards: dict[str, CardSpec] = {}
        """The cards this build's pages show, by key."""
        self.avatars: dict[Path, bytes | None] = {}

    def configure(
        self,
        config: MkDocsConfig,
        *,
        cards: bool,
        cache_dir: str,
        serving: bool,
        publication: Publication,
    ) -> None:
        """From ``on_config``."""
        self.enabled = cards
        self.serving = serving
        self.publication = publication
        self.letters = {n.blog_dir: n for n in publication.newsletters}
        self.docs_dir = Path(config.docs_dir)
        folder = Path(config.config_file_path or ".").resolve().parent / cache_dir
        if folder.resolve().is_relative_to(self.docs_dir.resolve()):
            raise PluginError(
                f"masthead/newsletter: social_cards_cache_dir {cache_dir!r} lies inside "
                "docs_dir; expected a folder outside it (mkdocs serve would rebuild forever)"
            )
        if self.store is None or self.store.folder != folder:
            self.store = CardStore(folder)
        self.colours = theme_colours(config.theme.get("palette"))

    def index(self, files: Files, blogs: dict[str, BlogPlugin], posts: dict[str, str]) -> None:
        """From ``on_files``, after Material's blog made its posts and views."""
        self.files, self.blogs, self.posts = files, blogs, posts
        self.lists = {
            page.file.src_uri: (blog_dir, origin.file.src_uri)
            for blog_dir, plugin in blogs.items()
            for page, origin in _list_pages(plugin.blog)
        }
        self.images, self.cards, self.avatars = {}, {}, {}

    def check_image(self, page: Page, text: str) -> None:
        """Read the page's ``image:`` (``text``: its source, for the line); raises
        :class:`~masthead.errors.FrontMatterError` when it is not what was expected."""
        src = page.file.src_uri
        if "image" not in page.meta:
            return
        origin = self.lists[src][1] if src in self.lists else src
        self.images[src] = meta.page_image(
            page.meta["image"],
            page_src=origin,
            docs_dir=self.docs_dir,
            path=Path(page.file.abs_src_path or self.docs_dir / src),
            text=text,
        )

    def preview(self, page: Page, config: MkDocsConfig, title: str) -> meta.LinkPreview:
        """From ``on_page_context``: the page's preview. Also sets the page's meta
        description, which Material's ``base.html`` writes."""
        src = page.file.src_uri
        if page.is_homepage:
            title = config.site_name  # as Material's <title> of the home page
        post_blog = self.posts.get(src)
        blog_dir = post_blog or (self.lists[src][0] if src in self.lists else "")
        letter = self.letters.get(blog_dir)
        site_description = config.site_description or ""
        if post_blog is None:
            text = meta.description(
                page.meta, "", (letter.description if letter else "") or site_description
            )
        else:
            text = meta.description(page.meta, page.markdown or "", site_description)
        # base.html writes page.meta.description as it is: escaped here, once.
        page.meta["description"] = Markup.escape(text)
        site_url = config.site_url or ""
        publication = letter.title if letter else config.site_name
        language = str(config.theme.get("language") or "en")
        if post_blog is None:
            return meta.link_preview(
                kind="website",
                title=title,
                description=text,
                site_name=config.site_name,
                language=language,
                url=page.canonical_url or "",
                image=self._image(
                    page, site_url, title, self._card(title, publication, subtitle=text)
                ),
            )
        dates = page.config.date  # type: ignore[attr-defined]
        authors = list(getattr(page, "authors", None) or [])
        tags = page.meta.get("tags")
        card = self._card(
            title,
            publication,
            date=meta.formatted_date(
                dates.created, self.blogs[blog_dir].config.post_date_format, language
            ),
            author=authors[0].name if authors else "",
            avatar=self._avatar(authors[0], blog_dir) if authors else None,
        )
        return meta.link_preview(
            kind="article",
            title=title,
            description=text,
            site_name=config.site_name,
            language=language,
            url=page.canonical_url or "",
            image=self._image(page, site_url, title, card),
            published=dates.created,
            modified=getattr(dates, "updated", None),
            authors=[a.name for a in authors],
            tags=tags if isinstance(tags, list) else (),
        )

    def _card(
        self,
        title: str,
        publication: str,
        *,
        date: str = "",
        author: str = "",
        avatar: bytes | None = None,
        subtitle: str = "",
    ) -> CardSpec:
        return CardSpec(
            title,
            publication,
            date=date,
            author=author,
            avatar=avatar,
            subtitle=subtitle,
            background=self.colours.background,
            text=self.colours.text,
        )

    def _image(
        self, page: Page, site_url: str, alt: str, card: CardSpec
    ) -> meta.PreviewImage | None:
        """The page's own ``image:``, else its card (registered to be drawn), else none."""
        own = self.images.get(page.file.src_uri)
        if own is not None:
            if not own.url and not site_url:
                return None
            file = self.files.get_file_from_path(own.docs_path) if self.files else None
            return meta.own_image(
                own,
                site_url=site_url,
                site_path=file.url if file is not None else own.docs_path,
                docs_dir=self.docs_dir,
                alt=alt,
            )
        if not self.enabled or not site_url:
            return None
        self.cards[card.key] = card
        return meta.PreviewImage(
            url=meta.absolute(site_url, f"{CARDS_DIR}/{card.key}.png"),
            alt=alt,
            width=WIDTH,
            height=HEIGHT,
        )

    def _avatar(self, author: Any, blog_dir: str) -> bytes | None:
        """The bytes of an author's local avatar; ``None`` (initials) for a URL or none."""
        path = avatar_file(str(getattr(author, "avatar", "") or ""), self.docs_dir)
        if path is None:
            return None
        if path not in self.avatars:
            try:
                self.avatars[path] = path.read_bytes()
            except OSError:
                self.avatars[path] = None
                (log.info if self.serving else log.warning)(
                    "masthead/newsletter: %s: the avatar %r of %s is no file in docs_dir; "
                    "expected an image file there (its social cards show initials)",
                    self._authors_file(blog_dir),
                    author.avatar,
                    author.name,
                )
        return self.avatars[path]

    def _authors_file(self, blog_dir: str) -> str:
        blogs = self.publication.blogs if self.publication else ()
        instance = next((b for b in blogs if b.blog_dir == blog_dir), None)
        return display_path(instance.authors_path(self.docs_dir)) if instance else "authors file"

    def write_cards(self, config: MkDocsConfig) -> None:
        """From ``on_post_build``: draw the cards the cache lacks, copy them into the site."""
        if not self.cards or self.store is None:
            return
        before = self.store.drawn
        try:
            cached = self.store.ensure(self.cards.values())
        except MastheadError as exc:
            raise PluginError(f"masthead/newsletter: {exc}") from exc
        folder = Path(config.site_dir) / CARDS_DIR
        for key, path in cached.items():
            target = folder / f"{key}.png"
            if not target.is_file() or target.stat().st_size != path.stat().st_size:
                atomic_write(target, path.read_bytes())
        drawn = self.store.drawn - before
        if drawn:
            log.info(
                "masthead/newsletter: drew %d social card(s), %d from the cache",
                drawn,
                len(cached) - drawn,
            )
