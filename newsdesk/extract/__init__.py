"""Article extraction: the only importer of trafilatura.

``extract_article(html, url)`` parses a page once and returns an :class:`ExtractedArticle` (clean
text, sanitized HTML, metadata, cited wires, teaser) or raises :class:`NoArticleFound`.
"""

from newsdesk.errors import NoArticleFound
from newsdesk.extract.article import extract_article
from newsdesk.extract.sanitize import sanitize_html
from newsdesk.extract.teaser import make_teaser

__all__ = ["NoArticleFound", "extract_article", "make_teaser", "sanitize_html"]
