"""The sample outlet "The Harbour Courier" / «Портовый вестник», served locally for ``newsdesk demo``."""

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.corpus import demo_articles
from newsdesk.demo.outlet import DemoOutlet
from newsdesk.demo.pages import render_article_page

__all__ = ["DemoArticle", "DemoOutlet", "demo_articles", "render_article_page"]
