"""``masthead/newsletter``: thin adapter from MkDocs events to masthead's newsletter modules.

- validates the front matter of every issue (:mod:`masthead.newsletter.issue`);
- renders the ```` ```tweet ````, ```` ```video ```` (:mod:`~masthead.newsletter.cards`)
  and ```` ```posts ```` (:mod:`~masthead.newsletter.posts_fence`) fences;
- gives post and issue pages their share links, "Read more", previous/next and
  series links (context ``masthead``, used by the theme's partials);
- puts each newsletter's subscribe form where its ``subscribe_on`` says, and its
  latest issue on the home page (:mod:`~masthead.newsletter.placement`, :mod:`.views`,
  context ``masthead_subscribe``);
- adds a page per tag of the posts and an index of tags, and links the posts' tags
  to them (:mod:`~masthead.newsletter.tags`, context ``tags``);
- gives posts, issues and list pages their meta description, Open Graph and Twitter
  tags and social cards (:mod:`.previews`, context ``masthead_meta``);
- writes RSS and Atom feeds for the posts and for each newsletter
  (:mod:`~masthead.newsletter.feeds`), linked from every page's ``<head>``;
- reads the site's words (``theme.language`` and the ``strings`` file,
  :mod:`masthead.i18n`): the fences' and the templates' (``mh_t``) words;
- adds the render cache to the build (:mod:`masthead.render_cache`, option ``cache``).
"""

from __future__ import annotations

import logging
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment
from material.plugins.blog.plugin import BlogPlugin
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.templates import TemplateContext

from ..._io import atomic_write
from ...content import (
    Post,
    as_utc,
    first_heading,
    load_post,
    split_excerpt,
    title_from_file_name,
)
from ...errors import ConfigError, FrontMatterError, MastheadError, display_path
from ...frontmatter import key_line
from ...i18n import Strings, english
from ...i18n.site import add_to_templates, site_strings, strings_file
from ...newsletter import cards, feeds, placement, posts_fence
from ...newsletter.issue import Issue, parse_issue
from ...newsletter.related import (
    ShareLink,
    Teaser,
    neighbours,
    read_more,
    series,
    share_links,
)
from ...newsletter.tags import Tag, TagLink, collect, index_list, index_page, tag_page
from ...publication import BlogInstance, Newsletter, Publication
from ...render_cache.plugin import install as install_render_cache
from .._fences import (
    PageErrors,
    accept_options,
    current_page,
    enter_page,
    error_box,
    fence_line,
    page_location,
    register_fence,
    report_errors,
    unknown_options,
)
from .._theme import use_theme
from ..model import publication_of
from .config import NewsletterPluginConfig
from .previews import LinkPreviews
from .views import is_home, page_places

log = logging.getLogger("mkdocs.plugins.masthead.newsletter")

_FIRST_H1 = re.compile(r"^\s*<h1\b[^>]*>.*?</h1>", re.DOTALL)


@dataclass(frozen=True)
class FeedLinks:
    """A feed as the ``<head>`` links it (site-relative URLs)."""

    title: str
    rss: str
    atom: str


@dataclass(frozen=True)
class PageExtras:
    """What the theme's partials show around a post or an issue (context ``masthead``)."""

    kind: str
    """``issue`` or ``post``."""
    share: tuple[ShareLink, ...] = ()
    issue: Issue | None = None
    author_name: str = ""
    read_more: tuple[Teaser, ...] = ()
    previous: Teaser | None = None
    next: Teaser | None = None
    series_name: str | None = None
    series: tuple[Teaser, ...] = field(default=())


@dataclass(frozen=True)
class SubscribeBox:
    """One newsletter on a page (context ``masthead_subscribe``): its subscribe form, when
    it has one, and on the home page its latest issue."""

    letter: Newsletter
    id: str
    """Prefix of the form's HTML ids, unique on the page."""
    latest: Teaser | None = None
    """On the home page: the newsletter's newest issue (its excerpt: its description, or
    the words of its excerpt)."""


def _authors(instance: BlogInstance, docs_dir: Path) -> dict[str, Any] | None:
    """The authors Material finds for ``instance`` (``None``: its authors file is missing)."""
    import yaml

    path = instance.authors_path(docs_dir)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except OSError:
        return None
    except yaml.YAMLError:
        return {}  # Material reports the syntax error itself, with the file
    authors = data.get("authors") if isinstance(data, dict) else None
    return dict(authors) if isinstance(authors, dict) else {}


def _markdown_title(page: Page, markdown: str) -> str:
    """The title a page will get from its Markdown (before it is rendered)."""
    return first_heading(markdown) or title_from_file_name(page.file.name)


def _title(page: Page) -> str:
    meta_title = page.meta.get("title")
    if isinstance(meta_title, str) and meta_title.strip():
        return meta_title.strip()
    if page.title:
        return str(page.title)
    return first_heading(page.markdown or "") or title_from_file_name(page.file.name)


def _tag_names(page: Page) -> list[str]:
    """A post's ``tags:``, each once (compared without case); a value that is not a list of
    names gives none here (the front matter check reports it)."""
    names = page.meta.get("tags")
    if not isinstance(names, list):
        return []
    out: dict[str, str] = {}
    for raw in names:
        name = str(raw).strip() if isinstance(raw, str | int) else ""
        if name:
            out.setdefault(name.lower(), name)
    return list(out.values())


class NewsletterPlugin(PageErrors, BasePlugin[NewsletterPluginConfig]):
    plugin_name = "masthead/newsletter"
    logger = log

    def __init__(self) -> None:
        self.serving = False
        self.quick_rebuild = False
        """Under ``mkdocs serve`` without ``--dirty`` (whose rebuilds write into the served
        folder): a save shows its page first (:mod:`masthead.live`)."""
        self.publication: Publication | None = None
        self.blogs: dict[str, BlogPlugin] = {}
        self.letters: dict[str, Newsletter] = {}
        self.issues: dict[str, Issue] = {}
        """src_uri of each issue page -> the issue, parsed once per build."""
        self.loaded: dict[str, Post] = {}
        """src_uri of each post -> the post as its file says, read once per build (on_pre_build)."""
        self.post_blog: dict[str, str] = {}
        """src_uri of each post -> blog_dir of its instance."""
        self.places: dict[str, frozenset[str]] = {}
        """blog_dir of each newsletter -> where its subscribe form shows (subscribe_on)."""
        self.page_places: dict[str, placement.PagePlace] = {}
        """src_uri of every page of a blog instance -> its kind (set in on_files)."""
        self.tags: list[Tag] = []
        """The tags of the posts, when masthead writes the tag pages (set in on_files)."""
        self.tag_urls: dict[str, str] = {}
        """Each tag (lower case) -> site-relative URL of its page."""
        self.tags_index: File | None = None
        """The index of tags: generated, or the docs' own (``own_tags_index``)."""
        self.own_tags_index = False
        """The index of tags is a page of docs_dir: the list of tags is added to it."""
        self.files: Files | None = None
        self.previews = LinkPreviews()
        """Meta descriptions, Open Graph and Twitter tags, social cards."""
        self.docs_dir = Path(".")
        self.page_url = ""
        self.page_src = ""
        self.errors: list[str] = []
        self.teasers: dict[str, list[Teaser]] = {}
        """Per blog_dir, filled on first use in on_page_context (see _teasers_of)."""
        self.pool: dict[str, list[Post]] = {}
        """Per blog_dir, what ```posts lists; made on the first fence of a build."""
        self.selections: dict[str, tuple[posts_fence.PostsQuery, list[tuple[str, Post]]]] = {}
        """Per ```posts source: its query and the posts it lists, for this build."""
        self._our_fences = re.compile(r"(?!)")
        """Matches an opener of one of the plugin's fences (set in on_config)."""
        self.strings: Strings = english()
        """The site's words (theme.language and the strings file), set in on_config."""

    # -- configuration -----------------------------------------------------------------

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"
        self.quick_rebuild = self.serving and not dirty

    def on_shutdown(self) -> None:
        # MkDocs keeps a plugin with on_startup for the whole process (every rebuild of
        # `mkdocs serve`); per-build state is reset in on_config and on_files.
        self.serving = self.quick_rebuild = False

    # Runs before the other plugins' on_config: masthead/email reads the newsletters and the
    # Material blog instances read their authors files.
    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        use_theme(config, self.plugin_name)
        install_render_cache(config, enabled=self.config.cache)
        if self.quick_rebuild:
            # MkDocs' server modules, which the quick rebuild relies on, load under serve only.
            from ...live.plugin import install as install_live

            install_live(config)
        try:
            self.publication = publication_of(config)
            self.strings = site_strings(config)
        except ConfigError as exc:
            raise PluginError(str(exc)) from exc
        self.docs_dir = Path(config.docs_dir)
        self.blogs = {}
        for plugin in config.plugins.values():
            if isinstance(plugin, BlogPlugin) and plugin.config.enabled:
                self.blogs[posixpath.normpath(plugin.config.blog_dir)] = plugin
        self.letters = {n.blog_dir: n for n in self.publication.newsletters}
        self.previews.configure(
            config,
            cards=self.config.social_cards,
            cache_dir=self.config.social_cards_cache_dir,
            serving=self.serving,
            publication=self.publication,
        )
        self.places = self._subscribe_places(config)
        if self._tags_dir.split("/")[0] in (".", ".."):
            raise PluginError(
                f"{config.config_file_path or 'mkdocs.yml'}: {self.plugin_name}: tags_dir: "
                f"{self.config.tags_dir!r} is not a folder inside the site; expected a name "
                "such as tags"
            )
        names = self.fence_names
        if len(set(names.values())) < len(names):
            raise PluginError(
                f"masthead/newsletter: posts_fence, tweet_fence and video_fence must differ; "
                f"got {', '.join(names.values())}"
            )
        self._our_fences = re.compile(
            r"^\s*(?:`{3,}|~{3,})\s*\{?\s*\.?(?:"
            + "|".join(re.escape(n) for n in names.values())
            + r")\b",
            re.MULTILINE,
        )
        no_options = accept_options()
        register_fence(config, names["posts"], self._posts_fence, validator=no_options)
        register_fence(config, names["tweet"], self._tweet_fence, validator=no_options)
        register_fence(config, names["video"], self._video_fence, validator=no_options)
        return config

    def _subscribe_places(self, config: MkDocsConfig) -> dict[str, frozenset[str]]:
        """Each newsletter's ``subscribe_on``, checked (the error names mkdocs.yml's line)."""
        configured = {
            posixpath.normpath(str(item.blog_dir).strip("/") or "."): item.subscribe_on
            for item in self.config.newsletters
        }
        out = {}
        for index, blog_dir in enumerate(self.letters):
            try:
                out[blog_dir] = placement.parse_places(configured.get(blog_dir), first=index == 0)
            except placement.PlacesError as exc:
                path = Path(config.config_file_path or "mkdocs.yml")
                try:
                    text = path.read_text(encoding="utf-8")
                except OSError:
                    text = ""
                error = ConfigError(
                    f"{self.plugin_name}: newsletters[{index}].subscribe_on: {exc}",
                    path=path,
                    line=placement.value_line(text, exc.value),
                )
                raise PluginError(str(error)) from exc
        return out

    @property
    def _tags_dir(self) -> str:
        return posixpath.normpath(str(self.config.tags_dir).strip("/") or ".")

    def on_pre_build(self, *, config: MkDocsConfig) -> None:
        """Check the front matter and the authors of every post first, so that a bad date,
        title or author is reported with its file and line (Material's own messages name
        neither the post nor the authors file it read)."""
        if not self.config.enabled or self.publication is None:
            return
        problems: list[str] = []
        self.loaded = {}
        for instance in self.publication.blogs:
            plugin = self.blogs.get(instance.blog_dir)
            check = plugin is not None and bool(plugin.config.authors)
            known = _authors(instance, self.docs_dir) if check else None
            folder = self.docs_dir / instance.layout.posts_dir
            for path in sorted(folder.rglob("*.md")) if folder.is_dir() else []:
                try:
                    post = load_post(path, self.docs_dir, instance.layout)
                except MastheadError as exc:
                    problems.append(str(exc))
                    continue
                self.loaded[post.path.as_posix()] = post
                if check:
                    problems += self._unknown_authors(path, post, instance, known)
        if problems:
            raise PluginError("\n".join(problems))

    def _unknown_authors(
        self, path: Path, post: Post, instance: BlogInstance, known: dict[str, Any] | None
    ) -> list[str]:
        missing = [a for a in post.authors if known is None or a not in known]
        if not missing:
            return []
        line = key_line(path.read_text(encoding="utf-8-sig"), "authors")
        where = self._where_file(path, line)
        authors_file = display_path(instance.authors_path(self.docs_dir))
        if known is None:
            others = [
                b.authors_path(self.docs_dir)
                for b in (self.publication.blogs if self.publication else ())
                if b.authors_path(self.docs_dir).is_file()
            ]
            root_file = self.docs_dir / ".authors.yml"
            found = others[0] if others else (root_file if root_file.is_file() else None)
            hint = (
                f"; {display_path(found)} exists: set authors_file: "
                f"{found.relative_to(self.docs_dir).as_posix()} on the blog instance "
                f"{instance.blog_dir!r}"
                if found is not None
                else f"; expected that file with 'authors: {missing[0]}: {{name: ...}}'"
            )
            return [
                f"{where}: author {missing[0]!r}: the blog instance {instance.blog_dir!r} reads "
                f"its authors from {authors_file} (authors_file, relative to docs_dir), which "
                f"does not exist{hint}"
            ]
        expected = ", ".join(sorted(known)) or "none"
        return [
            f"{where}: author {name!r} is not in {authors_file} (the authors file of the blog "
            f"instance {instance.blog_dir!r}); expected one of: {expected}"
            for name in missing
        ]

    def _where_file(self, path: Path, line: int | None) -> str:
        try:
            src = path.resolve().relative_to(self.docs_dir.resolve()).as_posix()
        except ValueError:
            return display_path(path)
        return page_location(self.docs_dir, src, line)

    # Material's blog plugin resolves the posts of each instance in on_files at
    # priority -50; this runs after it to map each post to its instance.
    @event_priority(-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled:
            return files
        self.files = files
        self.issues = {}
        self.pool = {}
        self.selections = {}
        self.teasers = {}
        if self.config.feeds:
            # Placeholders, so that Markdown links to a feed (blog/rss.xml) resolve;
            # on_post_build writes the real feeds over them.
            for blog_dir, _ in self._feeds():
                prefix = "" if blog_dir == "." else blog_dir.strip("/") + "/"
                for name in ("rss.xml", "atom.xml"):
                    if files.get_file_from_path(prefix + name) is None:
                        files.append(File.generated(config, prefix + name, content=""))
        self.post_blog = {
            post.file.src_uri: blog_dir
            for blog_dir, plugin in self.blogs.items()
            for post in plugin.blog.posts
        }
        self.previews.index(files, self.blogs, self.post_blog)
        clashes = [message for plugin in self.blogs.values() for message in self._clashes(plugin)]
        if clashes:
            raise PluginError("\n".join(clashes))
        self.page_places = page_places(self.blogs)
        self.tags, self.tag_urls, self.tags_index = [], {}, None
        if self.config.tag_pages and not self._material_tags(config):
            self._add_tag_pages(files, config)
        return files

    @staticmethod
    def _material_tags(config: MkDocsConfig) -> bool:
        """Material's ``tags`` plugin is on: it shows the tags and lists them."""
        from material.plugins.tags.plugin import TagsPlugin

        return any(isinstance(p, TagsPlugin) and p.config.enabled for p in config.plugins.values())

    def _add_tag_pages(self, files: Files, config: MkDocsConfig) -> None:
        """A generated page per tag of the posts, and the index of tags unless docs_dir has
        one (the list of tags is then added to it); a file of docs_dir in the way is an error."""
        self.tags = collect(
            _tag_names(post) for plugin in self.blogs.values() for post in plugin.blog.posts
        )
        if not self.tags:
            return
        in_the_way = [
            page_location(self.docs_dir, tag.src_uri(self._tags_dir))
            for tag in self.tags
            if files.get_file_from_path(tag.src_uri(self._tags_dir)) is not None
        ]
        if in_the_way:
            raise PluginError(
                f"{', '.join(in_the_way)}: masthead/newsletter writes the page of a tag there; "
                "expected no such file (move it, or set tags_dir to another folder)"
            )
        fence = str(self.config.posts_fence)
        hidden = InclusionLevel.NOT_IN_NAV
        for tag in self.tags:
            content = tag_page(tag, posts_fence=fence, all_tags=self.strings.text("tags.all"))
            page = File.generated(config, tag.src_uri(self._tags_dir), content=content)
            page.inclusion = hidden
            files.append(page)
            self.tag_urls[tag.name.lower()] = page.url
        index = f"{self._tags_dir}/index.md"
        self.tags_index = files.get_file_from_path(index)
        self.own_tags_index = self.tags_index is not None
        if self.tags_index is None:
            content = index_page(self.tags, title=self.strings.text("tags.title"))
            self.tags_index = File.generated(config, index, content=content)
            self.tags_index.inclusion = hidden
            files.append(self.tags_index)

    def _tag_links(self, page: Page) -> list[TagLink]:
        """The tags of a post, linked to their pages (as Material's tags partial wants)."""
        names = [name for name in _tag_names(page) if name.lower() in self.tag_urls]
        return [TagLink(name=name, url=self.tag_urls[name.lower()]) for name in names]

    def _clashes(self, plugin: BlogPlugin) -> list[str]:
        """Two posts of one blog instance at the same URL: one would silently replace the
        other (Material writes both to one file)."""
        first: dict[str, str] = {}
        messages = []
        for post in plugin.blog.posts:
            url, src = post.file.url, post.file.src_uri
            if url not in first:
                first[url] = src
                continue
            messages.append(
                f"{page_location(self.docs_dir, first[url])} and "
                f"{page_location(self.docs_dir, src)}: both posts of the blog "
                f"{plugin.config.blog_dir!r} have the URL {url}; expected each post its own "
                "(change one's title or date, or set 'slug:' in its front matter)"
            )
        return messages

    # -- pages -----------------------------------------------------------------------

    # Runs before Material's blog plugin (-50) so that a bad issue front matter is
    # reported before anything renders; also records the page for the fences.
    @event_priority(10)
    def on_page_markdown(
        self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files
    ) -> str | None:
        if not self.config.enabled:
            return markdown
        self.page_url = page.url
        self.page_src = page.file.src_uri
        self.errors = []
        blog_dir = self.post_blog.get(page.file.src_uri)
        is_issue = blog_dir in self.letters and bool(page.file.abs_src_path)
        # Line numbers (for errors) need the source file: read it only for pages with
        # one of these fences, issues (whose front matter is validated) or an image:.
        text = enter_page(
            page,
            markdown,
            need_source=is_issue or "image" in page.meta or bool(self._our_fences.search(markdown)),
        )
        try:
            self.previews.check_image(page, text)
        except FrontMatterError as exc:
            message = f"{self._where(exc.line)}: {exc.message}"
            self.errors.append(message)  # reported once the page's content is done
            markdown = error_box("Link preview image", message) + "\n\n" + markdown
        if is_issue and blog_dir is not None:
            try:
                self.issues[page.file.src_uri] = self._issue(page, text, markdown, blog_dir)
            except FrontMatterError as exc:
                message = f"{self._where(exc.line)}: {exc.message}"
                # raises under a build; under serve the page shows the box instead
                report_errors(
                    [message], serving=self.serving, plugin="masthead/newsletter", log=log
                )
                return error_box("Newsletter issue front matter", message) + "\n\n" + markdown
        if self.own_tags_index and page.file is self.tags_index:
            return markdown.rstrip() + "\n\n" + index_list(self.tags)
        return markdown

    @property
    def _posts_blog(self) -> str:
        return self.publication.posts_blog if self.publication else str(self.config.blog)

    @property
    def fence_names(self) -> dict[str, str]:
        """What each fence of the plugin is called on this site."""
        return {
            "posts": str(self.config.posts_fence),
            "tweet": str(self.config.tweet_fence),
            "video": str(self.config.video_fence),
        }

    def issue_of(self, page: Page) -> Issue | None:
        """The newsletter issue ``page`` is (parsed once, in on_page_markdown), or ``None``."""
        return self.issues.get(page.file.src_uri)

    def _issue(self, page: Page, text: str, markdown: str, blog_dir: str) -> Issue:
        issue = parse_issue(
            page.meta,
            page.file.abs_src_path or page.file.src_uri,
            text,
            newsletters=list(self.letters),
            default_newsletter=blog_dir,
            title=_title(page) if page.meta.get("title") else _markdown_title(page, markdown),
            body=markdown,
        )
        if issue.newsletter != blog_dir:
            raise FrontMatterError(
                f"this issue is in the {blog_dir!r} newsletter's folder but says "
                f"newsletter: {issue.newsletter}; expected newsletter: {blog_dir} (or none)",
                path=page.file.abs_src_path,
                line=key_line(text, "newsletter"),
            )
        return issue

    # -- fences -----------------------------------------------------------------------

    def _fence_error(self, name: str, source: str, err: cards.CardError) -> str:
        opener = fence_line(current_page.get(), name, source)
        message = f"{self._where(opener + err.line if opener else None)}: {err.message}"
        self.errors.append(message)
        return error_box(f"```{name}", message)

    def _where_rendered(self, md: Any) -> tuple[str, str]:
        """(URL of the page the HTML goes into, source of the Markdown) for a fence.

        Usually the page being built; but Material's blog renders post excerpts into
        its index pages with a Markdown of their own, whose "excerpt" tree processor
        knows both the post (``page``) and the index page (``base``).
        """
        processors = getattr(md, "treeprocessors", None)
        if processors is not None and "excerpt" in processors:
            processor = processors["excerpt"]
            post, base = getattr(processor, "page", None), getattr(processor, "base", None)
            if post is not None and base is not None:
                return str(base.url), str(post.file.src_uri)
        return self.page_url, self.page_src

    def _image_url_from(self, page_url: str) -> Callable[[str], str]:
        def url_for(docs_path: str) -> str:
            return get_relative_url(self._site_path(docs_path), page_url)

        return url_for

    def _site_path(self, docs_path: str) -> str:
        file = self.files.get_file_from_path(docs_path) if self.files is not None else None
        return file.url if file is not None else docs_path

    def _tweet_fence(
        self,
        source: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: Any,
        **kwargs: Any,
    ) -> str:
        name = self.fence_names["tweet"]
        if (problem := unknown_options(name, options)) is not None:
            return self._fence_error(name, source, cards.CardError(problem, 0))
        page_url, page_src = self._where_rendered(md)
        try:
            tweet = cards.parse_tweet(source, page_src=page_src, docs_dir=self.docs_dir)
        except cards.CardError as err:
            return self._fence_error(self.fence_names["tweet"], source, err)
        return cards.tweet_html(
            cards.in_site(tweet, self._site_path), self._image_url_from(page_url), self.strings
        )

    def _video_fence(
        self,
        source: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: Any,
        **kwargs: Any,
    ) -> str:
        name = self.fence_names["video"]
        if (problem := unknown_options(name, options)) is not None:
            return self._fence_error(name, source, cards.CardError(problem, 0))
        page_url, page_src = self._where_rendered(md)
        try:
            video = cards.parse_video(source, page_src=page_src, docs_dir=self.docs_dir)
        except cards.CardError as err:
            return self._fence_error(self.fence_names["video"], source, err)
        return cards.video_html(
            cards.in_site(video, self._site_path), self._image_url_from(page_url), self.strings
        )

    def _posts_fence(
        self,
        source: str,
        language: str,
        class_name: str,
        options: dict[str, Any],
        md: Any,
        **kwargs: Any,
    ) -> str:
        name = self.fence_names["posts"]
        if (problem := unknown_options(name, options)) is not None:
            return self._fence_error(name, source, cards.CardError(problem, 0))
        # Material renders an issue's Markdown again for each index page that shows
        # its excerpt: the same fence is parsed and filtered once per build.
        if source not in self.selections:
            try:
                query = posts_fence.parse_query(
                    source, default_blog=self._posts_blog, blogs=list(self.blogs)
                )
            except cards.CardError as err:
                return self._fence_error(self.fence_names["posts"], source, err)
            if not self.pool:
                self.pool = {
                    blog_dir: [self._as_post(p) for p in plugin.blog.posts]
                    for blog_dir, plugin in self.blogs.items()
                }
            self.selections[source] = (query, posts_fence.select(self.pool, query))
        query, chosen = self.selections[source]
        page_url, _ = self._where_rendered(md)
        labels = {name: letter.label for name, letter in self.letters.items()}
        return posts_fence.render(
            chosen,
            url_for=lambda post: get_relative_url(post.url, page_url),
            labels=labels,
            excerpt=query.excerpt,
            strings=self.strings,
        )

    def _as_post(self, page: Page) -> Post:
        """A post as ```posts lists it: its title, excerpt and body as read from its file in
        on_pre_build (not from the page, whose Markdown and title change as the build goes,
        so the list is the same on every page), and where Material filed it."""
        tags = page.meta.get("tags") or []
        found = self.loaded.get(page.file.src_uri)
        if found is None:  # a post another plugin added: from the page itself
            markdown = page.markdown or ""
            found = Post(
                path=Path(page.file.src_uri),
                title=str(page.meta.get("title") or _markdown_title(page, markdown)).strip(),
                date=as_utc(page.config.date.created),  # type: ignore[attr-defined]
                slug=page.file.name,
                url=page.url,
                excerpt=split_excerpt(markdown),
                body=markdown,
                meta=dict(page.meta),
            )
        return replace(
            found,
            date=as_utc(page.config.date.created),  # type: ignore[attr-defined]
            slug=page.file.name,
            url=page.url,
            categories=tuple(str(c) for c in page.config.categories),  # type: ignore[attr-defined]
            tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
            authors=tuple(str(a) for a in page.config.authors),  # type: ignore[attr-defined]
            draft=bool(page.config.draft),  # type: ignore[attr-defined]
        )

    def _teaser(self, page: Page) -> Teaser:
        markdown = page.markdown or ""
        order = page.meta.get("series_order")
        name = page.meta.get("series")
        return Teaser(
            key=page.url,
            title=_title(page),
            date=as_utc(page.config.date.created),  # type: ignore[attr-defined]
            excerpt=posts_fence.shorten(posts_fence.plain_text(split_excerpt(markdown)), 180),
            readtime=page.config.readtime or None,  # type: ignore[attr-defined]
            authors=tuple(str(a) for a in page.config.authors),  # type: ignore[attr-defined]
            series=str(name) if name is not None else None,
            series_order=order if isinstance(order, int) and not isinstance(order, bool) else None,
        )

    def _teasers_of(self, blog_dir: str) -> list[Teaser]:
        """Teasers of a blog's posts, made once per build: templates render after every
        page's Markdown, so titles, excerpts and read times no longer change."""
        if blog_dir not in self.teasers:
            self.teasers[blog_dir] = [self._teaser(p) for p in self.blogs[blog_dir].blog.posts]
        return self.teasers[blog_dir]

    # -- templates --------------------------------------------------------------------

    def _feeds(self) -> list[tuple[str, str]]:
        """(blog_dir, title) of every feed written."""
        out = [(self._posts_blog, "")]
        out += [(name, letter.title) for name, letter in self.letters.items()]
        return out

    def _posts_feed_title(self, config: MkDocsConfig) -> str:
        return self.strings.text("feeds.posts", site=config.site_name)

    def on_serve(self, server: Any, *, config: MkDocsConfig, builder: Any) -> Any:
        path = strings_file(config)
        if self.config.enabled and path is not None and path.is_file():
            server.watch(str(path))  # a changed word rebuilds the site
        return server

    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment | None:
        if not self.config.enabled:
            return env
        add_to_templates(env, config)
        links = []
        if self.config.feeds:
            for blog_dir, title in self._feeds():
                name = title or self._posts_feed_title(config)
                prefix = "" if blog_dir == "." else blog_dir.strip("/") + "/"
                links.append(FeedLinks(name, f"{prefix}rss.xml", f"{prefix}atom.xml"))
        env.globals["masthead_feeds"] = links
        self.teasers = {}
        return env

    def _add_subscribe(self, context: TemplateContext, page: Page) -> None:
        """The subscribe forms of ``page`` (context ``masthead_subscribe``; with
        ``masthead_subscribe_top`` on a newsletter's own list pages, which show them first)."""
        where = self.page_places.get(page.file.src_uri, placement.PagePlace(kind=None))
        if is_home(page):
            where = replace(where, home=True)
        chosen = placement.newsletters_for(where, self.places, posts_blog=self._posts_blog)
        boxes: list[SubscribeBox] = []
        for blog_dir in chosen:
            home = where.home and "home" in self.places[blog_dir]
            latest = self._latest(blog_dir) if home else None
            letter = self.letters[blog_dir]
            if letter.subscribe is None and latest is None:
                continue
            taken = [box.id for box in boxes]
            boxes.append(SubscribeBox(letter, placement.html_id(blog_dir, taken), latest))
        context["masthead_subscribe"] = tuple(boxes)  # type: ignore[typeddict-unknown-key]
        context["masthead_subscribe_top"] = where.blog_dir in self.letters  # type: ignore[typeddict-unknown-key]

    def _latest(self, blog_dir: str) -> Teaser | None:
        """The newest issue of a newsletter, its excerpt its description when it has one."""
        posts = self.blogs[blog_dir].blog.posts
        if not posts:
            return None
        newest = max(posts, key=lambda p: as_utc(p.config.date.created))
        teaser = self._teaser(newest)
        description = newest.meta.get("description")
        if isinstance(description, str) and description.strip():
            return replace(teaser, excerpt=description.strip())
        return teaser

    def on_page_context(
        self, context: TemplateContext, *, page: Page, config: MkDocsConfig, nav: Navigation
    ) -> TemplateContext | None:
        if not self.config.enabled:
            return context
        preview = self.previews.preview(page, config, _title(page))
        context["masthead_meta"] = preview  # type: ignore[typeddict-unknown-key]
        self._add_subscribe(context, page)
        blog_dir = self.post_blog.get(page.file.src_uri)
        if blog_dir is None:
            return context
        if self.tags:
            context["tags"] = self._tag_links(page)  # type: ignore[typeddict-unknown-key]
        teasers = self._teasers_of(blog_dir)
        is_issue = blog_dir in self.letters
        author_id = next(iter(page.config.authors), None)  # type: ignore[attr-defined]
        authors = getattr(page, "authors", None) or []
        author_name = authors[0].name if authors else ""
        previous, following = neighbours(teasers, page.url)
        series_name = page.meta.get("series")
        parts: list[Teaser] = []
        if series_name is not None:
            every = [t for name in self.blogs for t in self._teasers_of(name)]
            parts = series(every, str(series_name))
        # None when its front matter is wrong: reported in on_page_markdown (a build stops
        # there; under serve the page shows the error and still gets its extras).
        issue = self.issues.get(page.file.src_uri) if is_issue else None
        title = _title(page)
        url = page.canonical_url or page.url
        context["masthead"] = PageExtras(  # type: ignore[typeddict-unknown-key]
            kind="issue" if is_issue else "post",
            share=share_links(url, title, self.config.share, self.strings),
            issue=issue,
            author_name=author_name,
            read_more=tuple(
                read_more(teasers, page.url, count=self.config.read_more, author=author_id)
            )
            if is_issue
            else (),
            previous=previous,
            next=following,
            series_name=str(series_name) if series_name is not None else None,
            series=tuple(parts),
        )
        return context

    # -- feeds ------------------------------------------------------------------------

    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self.config.enabled:
            return
        self.previews.write_cards(config)
        if not self.config.feeds:
            return
        site_url = config.site_url or ""
        if not site_url:
            log.warning(
                "masthead/newsletter: feeds need absolute links; set site_url in mkdocs.yml "
                "(or feeds: false)"
            )
            return
        base = site_url if site_url.endswith("/") else site_url + "/"
        for blog_dir, title in self._feeds():
            plugin = self.blogs[blog_dir]
            letter = self.letters.get(blog_dir)
            prefix = "" if blog_dir == "." else blog_dir.strip("/") + "/"
            posts = [p for p in plugin.blog.posts if p.content is not None]
            posts.sort(key=lambda p: as_utc(p.config.date.created), reverse=True)
            entries = tuple(self._entry(p, base) for p in posts[: max(self.config.feed_limit, 1)])
            feed = feeds.Feed(
                title=title or self._posts_feed_title(config),
                link=base + (plugin.blog.url or prefix),
                rss_url=f"{base}{prefix}rss.xml",
                atom_url=f"{base}{prefix}atom.xml",
                description=(letter.description if letter else "")
                or (config.site_description or ""),
                language=config.theme.get("language") or "en",
                author=config.site_author or "",
                entries=entries,
                tags_url=self._tags_url(base),
            )
            out = Path(config.site_dir) / prefix
            atomic_write(out / "rss.xml", feeds.rss(feed))
            atomic_write(out / "atom.xml", feeds.atom(feed))

    def _entry(self, page: Page, base: str) -> feeds.FeedEntry:
        page_url = base + page.url
        content = _FIRST_H1.sub("", page.content or "", count=1)
        dates = page.config.date  # type: ignore[attr-defined]
        updated = getattr(dates, "updated", None)
        authors = tuple(a.name for a in getattr(page, "authors", []) or [])
        return feeds.FeedEntry(
            title=_title(page),
            url=page_url,
            published=as_utc(dates.created),
            updated=as_utc(updated) if updated else None,
            content_html=feeds.absolute_links(content, page_url),
            summary=posts_fence.shorten(
                posts_fence.plain_text(split_excerpt(page.markdown or "")), 300
            ),
            authors=authors,
            categories=tuple(str(c) for c in page.config.categories),  # type: ignore[attr-defined]
            tags=tuple(_tag_names(page)),
        )

    def _tags_url(self, base: str) -> str:
        """Absolute URL of the index of tags (empty: masthead wrote no tag pages)."""
        return base + self.tags_index.url if self.tags_index is not None else ""
