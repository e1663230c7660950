"""Stories written straight into the store, as the stories stage leaves them, for the reading side's tests.

Five outlets (two English with a country each way: set, or from a ``.uk`` TLD; one English on
``.com``, country unknown; two Russian), and stories that exercise every part of the pages:

- ``ferry``: Russian first, then English; one Russian outlet reprinted the first report (4 outlets,
  2 languages): the top story.
- ``museum``: English only, 3 outlets, the newest; its first article has a Russian translation.
- ``fishers``: Russian only, 2 outlets, no translation: a blindspot, its headline in Russian.
- ``old``: 3 outlets, but a day and a half old: ranked below the smaller, fresher ``fishers``.
- ``stale``: 5 outlets, five days old: outside the top-stories window.
- ``single``: one article (no "Full coverage", never a top story); ``merged``: folded into ferry.
One article is not clustered yet (``story_id`` NULL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, Feed, Source, Story, Translation
from newsdesk.store.search import index_article
from tests.support.webdata import BASE_TIME

OUTLETS = (  # name, home page, language, country as the source row holds it
    ("The Harbour Courier", "https://courier.example/", "en", "GB"),
    ("Daily Ledger", "https://ledger.example.com/", "en", None),
    ("Coast Wire", "https://coastwire.co.uk/", "en", None),
    ("Вестник", "https://vestnik.ru/", "ru", None),
    ("Северная правда", "https://pravda.example/", "ru", "RU"),
)

FERRY_RU = "Паром вернулся в гавань после шторма"
FERRY_RU_EN = "The ferry returned to the harbour after the storm"  # the machine translation of FERRY_RU
FERRY_EN = "Ferry back in harbour after the storm"  # an English outlet's own headline
MUSEUM_EN = "Harbour museum opens its new wing"
MUSEUM_EN_RU = "Музей гавани открыл новое крыло"
FISHERS_RU = "Рыбаки вышли в море на рассвете"


@dataclass
class StoryWorld:
    sources: dict[str, int] = field(default_factory=dict)  # outlet name → id
    stories: dict[str, int] = field(default_factory=dict)  # story name → id
    articles: dict[str, int] = field(default_factory=dict)  # article name → id


def seed_stories(url: str) -> StoryWorld:
    world = StoryWorld()
    engine = engine_for(url)
    with session_scope(engine) as session:
        for name, home, lang, country in OUTLETS:
            source = Source(name=name, home_url=home, lang=lang, country=country)
            session.add(source)
            session.flush()
            session.add(Feed(source_id=source.id, url=home + "feed.xml", kind="rss"))
            world.sources[name] = source.id
        counter = iter(range(1, 1000))

        def article(key: str, outlet: str, title: str, lang: str, at: datetime, **extra: object) -> Article:
            n = next(counter)
            home = OUTLETS[[o[0] for o in OUTLETS].index(outlet)][1]
            a = Article(source_id=world.sources[outlet], url=f"{home}news/{n}", canonical_url=f"{home}news/{n}",
                        title=title, lang=lang, published_at=at, fetched_at=at + timedelta(minutes=5),
                        html=f"<p>{title}. The full report.</p>", text=f"{title}. The full report.",
                        teaser=f"{title}.", content_hash=f"{n:064x}", section="World", authors=[], **extra)
            session.add(a)
            session.flush()
            index_article(session, a)
            world.articles[key] = a.id
            return a

        def story(key: str, members: list[Article], titles: dict[str, str], **extra: object) -> Story:
            seed = members[0]
            langs: dict[str, int] = {}
            for m in members:
                langs[m.lang or ""] = langs.get(m.lang or "", 0) + 1
            times = [m.published_at for m in members if m.published_at]
            s = Story(id=seed.id, titles=titles, first_seen=min(times), last_updated=max(times),
                      article_count=len(members), outlet_count=len({m.source_id for m in members}),
                      language_count=len(langs), reprint_count=sum(1 for m in members if m.reprint_of),
                      languages=langs, **extra)
            session.add(s)
            session.flush()
            for m in members:
                m.story_id = s.id
            world.stories[key] = s.id
            return s

        # ferry: the Russian first report, reprinted, then English coverage
        ferry_ru = article("ferry_ru", "Вестник", FERRY_RU, "ru", BASE_TIME - timedelta(hours=2))
        ferry_ru.translations.append(Translation(lang="en", title=FERRY_RU_EN, html=f"<p>{FERRY_RU_EN}.</p>",
                                                 text=f"{FERRY_RU_EN}.", teaser=f"{FERRY_RU_EN}.", engine="tiny-mt"))
        reprint = article("ferry_reprint", "Северная правда", FERRY_RU, "ru", BASE_TIME - timedelta(minutes=90))
        session.flush()
        reprint.reprint_of = ferry_ru.id
        ferry_en = article("ferry_en", "The Harbour Courier", FERRY_EN, "en", BASE_TIME - timedelta(hours=1))
        ferry_ledger = article("ferry_ledger", "Daily Ledger", "Storm-hit ferry makes it home", "en", BASE_TIME)
        story("ferry", [ferry_ru, reprint, ferry_en, ferry_ledger], {"ru": FERRY_RU, "en": FERRY_EN})

        museum = article("museum", "The Harbour Courier", MUSEUM_EN, "en", BASE_TIME - timedelta(minutes=30))
        museum.translations.append(Translation(lang="ru", title=MUSEUM_EN_RU, html=f"<p>{MUSEUM_EN_RU}.</p>",
                                               text=f"{MUSEUM_EN_RU}.", teaser="", engine="tiny-mt"))
        museum_2 = article("museum_2", "Daily Ledger", "A new wing for the harbour museum", "en",
                           BASE_TIME + timedelta(minutes=30))
        museum_3 = article("museum_3", "Coast Wire", "Museum wing opens to visitors", "en", BASE_TIME + timedelta(hours=1))
        story("museum", [museum, museum_2, museum_3], {"en": MUSEUM_EN})

        fishers = article("fishers", "Вестник", FISHERS_RU, "ru", BASE_TIME - timedelta(hours=2))
        fishers_2 = article("fishers_2", "Северная правда", "Рыболовный флот вышел в море", "ru",
                            BASE_TIME - timedelta(hours=1))
        story("fishers", [fishers, fishers_2], {"ru": FISHERS_RU})

        old = [article(f"old_{i}", name, f"Bridge repairs begin, report {i}", "en", BASE_TIME - timedelta(hours=31 + i))
               for i, name in enumerate(("The Harbour Courier", "Daily Ledger", "Coast Wire"))]
        story("old", old, {"en": old[0].title or ""})

        stale = [article(f"stale_{i}", name, f"Election results, part {i}", OUTLETS[i][2],
                         BASE_TIME - timedelta(days=5, hours=i)) for i, (name, *_rest) in enumerate(OUTLETS)]
        story("stale", stale, {"en": stale[0].title or "", "ru": stale[3].title or ""})

        single = article("single", "Coast Wire", "Lighthouse keeper retires", "en", BASE_TIME - timedelta(hours=3))
        story("single", [single], {"en": "Lighthouse keeper retires"})

        # merged: an explicit merge folded it into ferry (its one article moved there with it)
        merged_seed = article("merged_seed", "Coast Wire", "Ferry crew thanked by the mayor", "en",
                              BASE_TIME - timedelta(minutes=45))
        merged = story("merged", [merged_seed], {"en": "Ferry crew thanked by the mayor"})
        merged.merged_into = world.stories["ferry"]
        merged.article_count = 0
        merged_seed.story_id = world.stories["ferry"]
        ferry = session.get(Story, world.stories["ferry"])
        assert ferry is not None
        ferry.article_count += 1
        ferry.outlet_count += 1
        ferry.languages = {"ru": 2, "en": 3}

        article("unclustered", "Daily Ledger", "Council meets on Tuesday", "en", BASE_TIME - timedelta(hours=4))
    engine.dispose()
    return world
