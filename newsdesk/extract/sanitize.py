"""The one HTML sanitizer: an nh3 allow-list, links made absolute and marked ``nofollow noopener``.

Article HTML comes from strangers and is shown to readers, so only structural and inline text
tags survive; scripts, styles, event handlers, ``javascript:``/``data:`` URLs and every attribute
except a link's target and title are removed.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import nh3

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "code",
        "a", "strong", "b", "em", "i", "u", "s", "del", "sub", "sup", "small", "mark", "q", "cite",
        "table", "thead", "tbody", "tr", "td", "th", "caption", "figure", "figcaption", "hr", "abbr",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"},
                      "th": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_DROP_WITH_CONTENT = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math"})


def _absolute_link(base_url: str | None):  # type: ignore[no-untyped-def]
    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if tag == "a" and attr == "href":
            value = value.strip()
            if not value or value.startswith("#"):
                return None
            if base_url:
                try:
                    value = urljoin(base_url, value)
                except ValueError:
                    return None
            scheme = urlsplit(value).scheme.lower()
            if scheme not in URL_SCHEMES:
                return None
        return value

    return attribute_filter


def sanitize_html(html: str, base_url: str | None = None) -> str:
    """Clean untrusted HTML for display; relative links resolve against ``base_url``."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_absolute_link(base_url),
        url_schemes=set(URL_SCHEMES),
        link_rel="nofollow noopener",
        strip_comments=True,
    )
