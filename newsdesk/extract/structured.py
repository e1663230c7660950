"""Structured data a page carries about itself: JSON-LD objects and ``<meta>`` tags, read in one pass.

News sites describe their articles for search engines (schema.org ``NewsArticle`` in JSON-LD, Open
Graph and Twitter meta tags). Those descriptions are the most reliable source of title, authors,
dates, image, outlet and section, so metadata reads them first and falls back to the DOM.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

# Why 1,000,000: the largest JSON-LD blocks on news pages (articleBody included) are tens of kB;
# anything bigger is not worth decoding.
MAX_JSONLD_CHARS = 1_000_000
MAX_JSONLD_NODES = 500  # objects visited per page; real graphs have a few dozen

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "reviewnewsarticle",
        "backgroundnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "scholarlyarticle",
        "techarticle",
        "report",
        "review",
    }
)


@dataclass(slots=True)
class PageData:
    """What the page says about itself; ``meta`` maps lower-cased property/name/itemprop to values."""

    meta: dict[str, list[str]] = field(default_factory=dict)
    articles: list[dict[str, Any]] = field(default_factory=list)  # JSON-LD article-like objects
    others: list[dict[str, Any]] = field(default_factory=list)  # every other JSON-LD object
    links: dict[str, str] = field(default_factory=dict)  # rel → href of <link> elements (first wins)
    html_lang: str | None = None
    by_id: dict[str, dict[str, Any]] = field(default_factory=dict)  # JSON-LD objects by their @id

    def resolve(self, value: Any) -> Any:
        """A JSON-LD reference ``{"@id": …}`` replaced by the object it points to, when known."""
        if isinstance(value, dict) and "@id" in value and len(value) == 1:
            return self.by_id.get(str(value["@id"]), value)
        return value

    def first(self, *keys: str) -> str | None:
        for key in keys:
            for value in self.meta.get(key, ()):
                if value.strip():
                    return value.strip()
        return None

    def all(self, *keys: str) -> list[str]:
        return [v.strip() for key in keys for v in self.meta.get(key, ()) if v.strip()]


def _types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower().rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _walk(value: Any, out: list[dict[str, Any]]) -> None:
    """Collect every object with an ``@type`` from a JSON-LD document (lists and ``@graph`` included)."""
    stack = [value]
    while stack and len(out) < MAX_JSONLD_NODES:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "@type" in item:
                out.append(item)
            graph = item.get("@graph")
            if graph is not None:
                stack.append(graph)
            main = item.get("mainEntity")
            if isinstance(main, dict | list):
                stack.append(main)


def _load_json(text: str) -> Any:
    text = text.strip()
    if not text or len(text) > MAX_JSONLD_CHARS:
        return None
    if text.startswith("<!--"):
        text = text.removeprefix("<!--").removesuffix("-->")
    try:
        return json.loads(text, strict=False)  # strict=False: raw newlines in strings are common
    except (ValueError, RecursionError):
        return None


def read_page_data(tree: HtmlElement) -> PageData:
    """Read meta tags, ``<link>`` relations and JSON-LD objects from a parsed page."""
    data = PageData()
    data.html_lang = (tree.get("lang") or tree.get("xml:lang") or "").strip() or None
    for el in tree.iter("meta", "link", "script"):
        tag = el.tag
        if tag == "meta":
            key = el.get("property") or el.get("name") or el.get("itemprop")
            content = el.get("content")
            if key and content is not None:
                data.meta.setdefault(key.strip().lower(), []).append(content)
            elif el.get("http-equiv", "").lower() == "content-language" and el.get("content"):
                data.meta.setdefault("content-language", []).append(el.get("content", ""))
        elif tag == "link":
            href = el.get("href")
            for rel in (el.get("rel") or "").lower().split():
                if href and rel not in data.links:
                    data.links[rel] = href.strip()
        elif (el.get("type") or "").strip().lower() == "application/ld+json" and el.text:
            found: list[dict[str, Any]] = []
            _walk(_load_json(el.text), found)
            for obj in found:
                if isinstance(obj.get("@id"), str):
                    data.by_id.setdefault(obj["@id"], obj)
                (data.articles if _types(obj) & ARTICLE_TYPES else data.others).append(obj)
    return data


def text_of(value: Any) -> str | None:
    """A plain string from a JSON-LD value that may be a string, a list, or an object with a name."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for item in value:
            found = text_of(item)
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key in ("name", "@value", "url", "@id"):
            found = text_of(value.get(key))
            if found:
                return found
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None
