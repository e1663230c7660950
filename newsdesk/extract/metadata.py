"""Article metadata from structured data first (JSON-LD, Open Graph, meta tags), then the DOM.

Each field takes the first trustworthy source in a fixed order; the order is the decision, written
next to each field. Everything is read from the one parsed tree before body extraction prunes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from newsdesk.extract.authors import clean_authors
from newsdesk.extract.dates import parse_date
from newsdesk.extract.structured import PageData, text_of

MAX_TAGS = 20  # why: keyword lists longer than this are SEO stuffing, not tags
MAX_FIELD_CHARS = 500  # titles, sections and descriptions longer than this are not metadata
_TITLE_SEPARATORS = re.compile(r"\s+[|–—\-:·•»]\s+")


@dataclass(frozen=True, slots=True)
class Metadata:
    title: str | None
    authors: tuple[str, ...]
    published_at: datetime | None
    updated_at: datetime | None
    canonical_url: str | None
    image: str | None
    section: str | None
    site_name: str | None
    description: str | None
    tags: tuple[str, ...]
    lang_hint: str | None
    article_body: str | None  # JSON-LD articleBody, checked against the DOM by the body stage


def _short(value: str | None) -> str | None:
    if not value:
        return None
    value = " ".join(value.split())
    return value[:MAX_FIELD_CHARS] if value else None


def _absolute(url: str | None, base: str | None) -> str | None:
    if not url:
        return None
    url = url.strip()
    if url.startswith("//"):
        url = "https:" + url
    joined = urljoin(base, url) if base else url
    return joined if urlsplit(joined).scheme in ("http", "https") else None


def _article_value(data: PageData, *keys: str) -> Any:
    for obj in data.articles:
        for key in keys:
            if obj.get(key):
                return obj[key]
    return None


def _h1_texts(tree: HtmlElement) -> list[str]:
    return [" ".join(h.text_content().split()) for h in tree.iter("h1")][:5]


def _strip_site_suffix(title: str, site_name: str | None) -> str:
    """Drop " | Outlet" or "Outlet - " decorations that <title> and og:title often carry."""
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title
    if site_name:
        site = site_name.casefold()
        kept = [p for p in parts if p.casefold() != site and site not in p.casefold()]
        if kept and len(kept) < len(parts):
            return " - ".join(kept) if len(kept) > 1 else kept[0]
    # no known site name: keep the longest part when the rest are short labels
    longest = max(parts, key=len)
    if len(longest) >= 0.6 * len(title):
        return longest
    return title


def _title(data: PageData, tree: HtmlElement, site_name: str | None) -> str | None:
    headline = text_of(_article_value(data, "headline", "name"))
    candidates = [headline, data.first("og:title", "twitter:title", "title", "dc.title")]
    h1s = _h1_texts(tree)
    title_el = tree.find(".//title")
    page_title = title_el.text_content() if title_el is not None else None
    # An <h1> that the structured title or <title> contains is the cleanest headline.
    for h1 in h1s:
        if len(h1) > 10 and any(c and h1.casefold() in c.casefold() for c in (*candidates, page_title)):
            return _short(h1)
    for candidate in (*candidates, page_title):
        if candidate and candidate.strip():
            return _short(_strip_site_suffix(" ".join(candidate.split()), site_name))
    return _short(h1s[0]) if h1s else None


_NAME_CLASSES = ("author-name", "author__name", "byline__name", "authorname", "author_name")


def _dom_authors(tree: HtmlElement) -> tuple[str, ...]:
    """Bylines from markup, surest first: itemprop=author, rel=author, author-name classes, byline
    classes. One plain loop over ``iter()`` is about three times faster than an XPath with
    ``contains(@class, …)`` predicates."""
    ranked: tuple[list[HtmlElement], ...] = ([], [], [], [])
    for el in tree.iter():
        attrib = el.attrib
        if not attrib:
            continue
        if attrib.get("itemprop") == "author":
            ranked[0].append(el)
        elif attrib.get("rel") == "author":
            ranked[1].append(el)
        else:
            cls = attrib.get("class")
            if cls and ("author" in cls or "byline" in cls or "Author" in cls or "Byline" in cls):
                cls = cls.lower()
                if any(name in cls for name in _NAME_CLASSES):
                    ranked[2].append(el)
                elif "byline" in cls:
                    ranked[3].append(el)
    for rank, chosen in enumerate(ranked):
        chosen = chosen[:5]
        if not chosen:
            continue
        names_el = [n for el in chosen for n in el.iter() if n.get("itemprop") == "name"] if rank == 0 else []
        names = clean_authors(*(el.get("content") or el.text_content() for el in (names_el or chosen)))
        if names:
            return names
    return ()


def _authors(data: PageData, tree: HtmlElement) -> tuple[str, ...]:
    value = _article_value(data, "author", "creator")
    if value:
        items = value if isinstance(value, list) else [value]
        names = clean_authors(*(text_of(item) or "" for item in items if not _is_url(text_of(item))))
        if names:
            return names
    meta = [v for v in data.all("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
            if not _is_url(v)]
    names = clean_authors(*meta)
    return names or _dom_authors(tree)


def _is_url(value: str | None) -> bool:
    return bool(value and value.lstrip().lower().startswith(("http://", "https://", "//", "www.")))


def _dom_date(tree: HtmlElement) -> datetime | None:
    for el in tree.xpath(".//time[@datetime] | .//*[@itemprop='datePublished']")[:5]:
        found = parse_date(el.get("datetime") or el.get("content"))
        if found:
            return found
    return None


def _published(data: PageData, tree: HtmlElement) -> datetime | None:
    for value in (
        text_of(_article_value(data, "datePublished", "dateCreated", "uploadDate")),
        data.first(
            "article:published_time", "datepublished", "og:published_time", "publish-date", "pubdate",
            "publishdate", "date", "dc.date", "dc.date.issued", "dcterms.date", "sailthru.date",
            "parsely-pub-date", "article.published",
        ),
    ):
        found = parse_date(value)
        if found:
            return found
    return _dom_date(tree)


def _updated(data: PageData) -> datetime | None:
    return parse_date(text_of(_article_value(data, "dateModified")) or data.first(
        "article:modified_time", "og:updated_time", "datemodified", "last-modified", "dcterms.modified"))


def _publisher(data: PageData) -> str | None:
    value = _article_value(data, "publisher", "sourceOrganization")
    name = text_of(value.get("name") if isinstance(value, dict) else value) if value else None
    if name and not _is_url(name):
        return name
    for obj in data.others:
        if {"organization", "newsmediaorganization"} & {str(obj.get("@type", "")).lower()}:
            found = text_of(obj.get("name"))
            if found:
                return found
    return None


def _tags(data: PageData) -> tuple[str, ...]:
    raw: list[str] = data.all("article:tag")
    keywords = _article_value(data, "keywords")
    if isinstance(keywords, list):
        raw.extend(k for k in keywords if isinstance(k, str))
    elif isinstance(keywords, str):
        raw.extend(keywords.split(","))
    if not raw:
        raw.extend(",".join(data.all("news_keywords", "keywords")).split(","))
    seen: dict[str, str] = {}
    for tag in raw:
        tag = " ".join(tag.split())
        if tag and len(tag) <= 60 and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return tuple(seen.values())[:MAX_TAGS]


def read_metadata(tree: HtmlElement, data: PageData, url: str | None) -> Metadata:
    base = url
    base_el = tree.find(".//base[@href]")
    if base_el is not None:
        base = _absolute(base_el.get("href"), url) or url
    # canonical: <link rel=canonical>, then og:url, then JSON-LD url; always absolute
    canonical = (
        _absolute(data.links.get("canonical"), base)
        or _absolute(data.first("og:url"), base)
        or _absolute(text_of(_article_value(data, "url", "mainEntityOfPage")), base)
    )
    image_value = _article_value(data, "image", "thumbnailUrl")
    image = _absolute(data.first("og:image", "og:image:url", "og:image:secure_url", "twitter:image"), base) or (
        _absolute(text_of(image_value), base)
    )
    site_name = _short(data.first("og:site_name", "application-name") or _publisher(data))
    section_value = _article_value(data, "articleSection")
    section = _short(data.first("article:section", "section", "parsely-section") or text_of(section_value))
    body = _article_value(data, "articleBody")
    lang = text_of(_article_value(data, "inLanguage")) or data.html_lang or data.first("og:locale", "content-language")
    return Metadata(
        title=_title(data, tree, site_name),
        authors=_authors(data, tree),
        published_at=_published(data, tree),
        updated_at=_updated(data),
        canonical_url=canonical,
        image=image,
        section=section,
        site_name=site_name,
        description=_short(data.first("description", "og:description", "twitter:description")
                           or text_of(_article_value(data, "description"))),
        tags=_tags(data),
        lang_hint=lang,
        article_body=body if isinstance(body, str) else None,
    )
