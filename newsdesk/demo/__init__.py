"""The sample outlets of ``newsdesk demo``, served locally: two English, two Russian (see ``outlets``)."""

from newsdesk.demo.article import DemoArticle
from newsdesk.demo.corpus import (
    DEMO_STORIES,
    REPRINT_PAIRS,
    SAME_EVENT_PAIRS,
    demo_articles,
    expected_stories,
)
from newsdesk.demo.outlet import DemoOutlet, DemoOutlets
from newsdesk.demo.outlets import OUTLETS
from newsdesk.demo.pages import render_article_page

__all__ = [
    "DEMO_STORIES",
    "OUTLETS",
    "REPRINT_PAIRS",
    "SAME_EVENT_PAIRS",
    "DemoArticle",
    "DemoOutlet",
    "DemoOutlets",
    "demo_articles",
    "expected_stories",
    "render_article_page",
]
