"""Articles built in code for the site's tests and benchmark (English and Russian, several outlets).

``seed_articles`` goes through the ORM and ``index_article`` exactly as the pipeline does;
``bulk_seed`` writes tens of thousands of rows with executemany (and the same stems) for the bench.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article, ArticleAuthor, Feed, SearchDoc, Source
from newsdesk.store.search import index_article
from newsdesk.terms import index_terms

_EN_TEXT = (
    "harbour city council ferry port budget school teachers storm weather river bridge museum "
    "election mayor market prices energy workers union hospital doctors train station football "
    "season festival music library students police court judge water farmers harvest fishermen "
    "boats island tourists hotel airport flights road repairs housing rents bakery coffee shop "
    "science research university climate coast flood warning forecast report minister plan tax"
)
EN_WORDS = tuple(_EN_TEXT.split())
_RU_TEXT = (
    "город порт паром совет бюджет школа учителя шторм погода река мост музей выборы мэр рынок "
    "цены энергия рабочие больница врачи поезд вокзал футбол сезон фестиваль музыка библиотека "
    "студенты полиция суд вода фермеры урожай рыбаки лодки остров туристы гостиница аэропорт рейсы "
    "дорога ремонт жильё аренда пекарня кофе наука университет климат побережье наводнение прогноз"
)
RU_WORDS = tuple(_RU_TEXT.split())
SECTIONS = ("City", "Business", "Culture", "Sport", "Science", "World")
AUTHORS = ("Anna Berg", "Tom Hale", "Мария Соколова", "Иван Петров", "Lena Park", "Omar Diaz")
BASE_TIME = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
# The site's clock in tests: three hours after the newest seeded article, so relative times and
# anything else "now"-dependent read the same on any day the suite runs.
SITE_NOW = BASE_TIME + timedelta(hours=3)
_DAY = 86400
# (seconds before now, label) at the edges of each unit; negative is the future. The server's
# relative_time and site.js must both print exactly these (counts rounded down).
RELATIVE_CASES: tuple[tuple[float, str], ...] = (
    (0, "just now"), (59.9, "just now"), (-59.9, "just now"),
    (60, "1 minute ago"), (119.9, "1 minute ago"), (120, "2 minutes ago"), (3599.9, "59 minutes ago"),
    (3600, "1 hour ago"), (3 * 3600 - 1, "2 hours ago"), (_DAY - 1, "23 hours ago"),
    (_DAY, "yesterday"), (2 * _DAY - 1, "yesterday"), (2 * _DAY, "2 days ago"),
    (4 * _DAY - 1, "3 days ago"), (3.5 * _DAY, "3 days ago"), (30 * _DAY - 1, "29 days ago"),
    (30 * _DAY, "last month"), (59 * _DAY, "last month"), (60 * _DAY, "2 months ago"),
    (365 * _DAY - 1, "12 months ago"), (365 * _DAY, "last year"), (800 * _DAY, "2 years ago"),
    (-60, "in 1 minute"), (-3 * 3600 + 1, "in 2 hours"), (-_DAY, "tomorrow"), (-3.9 * _DAY, "in 3 days"),
    (-400 * _DAY, "next year"),
)


@dataclass(frozen=True)
class Seeded:
    source_ids: list[int]
    article_ids: list[int]


EN_SYLLABLES = ("ka", "lo", "mer", "tin", "so", "ra", "ven", "dal", "pe", "bro", "sil", "mun", "ta", "gor", "el",
                "fi", "nor", "ast", "ple", "qu", "wen", "dro", "cas", "hu", "ber", "lin", "ox", "ton", "ri", "sca")
RU_SYLLABLES = ("ка", "ло", "мер", "тин", "со", "ра", "вен", "дал", "пе", "бро", "сил", "мун", "та", "гор", "ель",
                "фи", "нор", "аст", "пле", "ку", "вен", "дро", "кас", "ху", "бер", "лин", "ок", "тон", "ри", "ска")
ZIPF_VOCABULARY = 40_000  # why: a news archive's working vocabulary is tens of thousands of words


def _zipf_vocabulary(lang: str) -> tuple[list[str], list[float]]:
    """Real words first, then made-up ones, weighted 1/rank like the words of real text."""
    rng = random.Random(lang)
    syllables = RU_SYLLABLES if lang == "ru" else EN_SYLLABLES
    words = list(RU_WORDS if lang == "ru" else EN_WORDS)
    seen = set(words)
    while len(words) < ZIPF_VOCABULARY:
        word = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    weights, total = [], 0.0
    for rank in range(1, len(words) + 1):
        total += 1.0 / rank
        weights.append(total)
    return words, weights


_ZIPF: dict[str, tuple[list[str], list[float]]] = {}


def _sentence(rng: random.Random, words: tuple[str, ...] | list[str], n: int, zipf: str | None = None) -> str:
    if zipf:
        if zipf not in _ZIPF:
            _ZIPF[zipf] = _zipf_vocabulary(zipf)
        vocabulary, cumulative = _ZIPF[zipf]
        chosen = rng.choices(vocabulary, cum_weights=cumulative, k=n)
    else:
        chosen = [rng.choice(words) for _ in range(n)]
    return " ".join(chosen).capitalize() + "."


def make_text(rng: random.Random, lang: str, paragraphs: int = 4, *, zipf: bool = False) -> list[str]:
    words = RU_WORDS if lang == "ru" else EN_WORDS
    return [" ".join(_sentence(rng, words, rng.randint(8, 16), lang if zipf else None) for _ in range(3))
            for _ in range(paragraphs)]


def article_fields(i: int, rng: random.Random, source_id: int, lang: str | None = None, *,
                   zipf: bool = False) -> dict[str, object]:
    lang = lang or ("ru" if i % 3 == 0 else "en")
    paragraphs = make_text(rng, lang, zipf=zipf)
    title = _sentence(rng, RU_WORDS if lang == "ru" else EN_WORDS, 6).rstrip(".")
    body = " ".join(paragraphs)
    return {
        "source_id": source_id,
        "url": f"https://outlet{source_id}.example/news/{i}",
        "canonical_url": f"https://outlet{source_id}.example/news/{i}",
        "title": title,
        "authors": [AUTHORS[i % len(AUTHORS)]],
        "published_at": BASE_TIME - timedelta(minutes=17 * i),
        "lang": lang,
        "html": "".join(f"<p>{p}</p>" for p in paragraphs),
        "text": "\n\n".join(paragraphs),
        "teaser": body[:180].rsplit(" ", 1)[0] + "…",
        "image": f"https://outlet{source_id}.example/img/{i}.jpg",
        "section": SECTIONS[i % len(SECTIONS)],
        "cited_sources": ["Reuters"] if i % 4 == 0 else [],
        "tags": [],
        "content_hash": f"{i:064x}",
        "fetched_at": BASE_TIME - timedelta(minutes=17 * i) + timedelta(minutes=5),
    }


def add_sources(session: Session, count: int) -> list[int]:
    ids = []
    for n in range(1, count + 1):
        source = Source(name=f"Outlet {n}" if n > 1 else "The Harbour Courier",
                        home_url=f"https://outlet{n}.example/", lang="en")
        session.add(source)
        session.flush()
        session.add(Feed(source_id=source.id, url=f"https://outlet{n}.example/feed.xml", kind="rss"))
        ids.append(source.id)
    return ids


def seed_articles(url: str, count: int = 30, *, sources: int = 3, seed: int = 7) -> Seeded:
    """``count`` articles through the ORM, each indexed with ``index_article`` like the pipeline does."""
    rng = random.Random(seed)
    engine = engine_for(url)
    with session_scope(engine) as session:
        source_ids = add_sources(session, sources)
        article_ids = []
        for i in range(count):
            article = Article(**article_fields(i, rng, source_ids[i % len(source_ids)]))
            session.add(article)
            session.flush()
            index_article(session, article)
            article_ids.append(article.id)
    return Seeded(source_ids, article_ids)


def _chunks(items: list[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def bulk_seed(url: str, count: int, *, sources: int = 20, seed: int = 11, batch: int = 2000) -> Seeded:
    """Many articles fast (SQLite): executemany for rows, FTS5 rows from the same Python stems.

    Their words follow a Zipf law over a 40,000-word vocabulary, so term frequencies (and what a
    query matches) look like a real archive's rather than a 60-word toy's.
    """
    rng = random.Random(seed)
    engine = engine_for(url)
    with session_scope(engine) as session:
        source_ids = add_sources(session, sources)
    next_id = 1
    for start in range(0, count, batch):
        rows = []
        for i in range(start, min(count, start + batch)):
            fields = article_fields(i, rng, source_ids[i % len(source_ids)], zipf=True)
            fields["id"] = next_id
            next_id += 1
            rows.append(fields)
        with session_scope(engine) as session:
            session.execute(insert(Article), rows)
            session.execute(insert(SearchDoc), [
                {"id": r["id"], "article_id": r["id"], "lang": r["lang"], "is_translation": False,
                 "source_id": r["source_id"], "published_at": r["published_at"]} for r in rows
            ])
            session.execute(insert(ArticleAuthor), [
                {"article_id": r["id"], "name": r["authors"][0], "published_at": r["published_at"]}  # type: ignore[index]
                for r in rows
            ])
            session.execute(
                text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"),
                [{"id": r["id"],
                  "title": " ".join(index_terms(str(r["title"]), str(r["lang"]))),
                  "body": " ".join(index_terms(str(r["text"]), str(r["lang"])))} for r in rows],
            )
    return Seeded(source_ids, list(range(1, next_id)))


@dataclass(frozen=True)
class TranslatedWorld:
    source_id: int
    ru_translated: int  # Russian, with an English translation
    ru_untranslated: int  # Russian, no translation
    en_article: int


RU_TITLE = "Паром вернулся в гавань после шторма"
RU_BODY = ("<p>Городской <a href=\"https://vestnik.example/port\">паром</a> вернулся в гавань после шторма.</p>"
           "<figure><img src=\"https://vestnik.example/ferry.jpg\" alt=\"\"><figcaption>Паром у причала</figcaption>"
           "</figure><p>Мэр поблагодарил рыбаков.</p>")
EN_TITLE = "The ferry returned to the harbour after the storm"
EN_TEASER = "The city ferry returned to the harbour after the storm."
EN_BODY = ("<p>The city <a href=\"https://vestnik.example/port\">ferry</a> returned to the harbour after the "
           "storm.</p><figure><img src=\"https://vestnik.example/ferry.jpg\" alt=\"\"><figcaption>The ferry at "
           "the pier</figcaption></figure><p>The mayor thanked the fishermen.</p>")


def seed_translated(url: str) -> TranslatedWorld:
    """One Russian outlet: an article with an English translation, one without, and an English one.

    Same outlet, section and author, so each article's rails and every list show the others.
    """
    from newsdesk.store.schema import Translation

    engine = engine_for(url)
    with session_scope(engine) as session:
        source = Source(name="Вестник", home_url="https://vestnik.example/", lang="ru")
        session.add(source)
        session.flush()
        session.add(Feed(source_id=source.id, url="https://vestnik.example/feed.xml", kind="rss"))
        common = {"source_id": source.id, "section": "City", "authors": ["Мария Соколова"]}

        def add(n: int, title: str, html: str, text_: str, lang: str, teaser: str) -> Article:
            article = Article(url=f"https://vestnik.example/{n}", canonical_url=f"https://vestnik.example/{n}",
                              title=title, html=html, text=text_, teaser=teaser, lang=lang,
                              content_hash=f"{n:064x}", published_at=BASE_TIME + timedelta(hours=n), **common)
            session.add(article)
            session.flush()
            return article

        ru = add(1, RU_TITLE, RU_BODY, "Городской паром вернулся в гавань после шторма. Паром у причала. "
                 "Мэр поблагодарил рыбаков.", "ru", "Городской паром вернулся в гавань после шторма.")
        ru.translations.append(Translation(lang="en", title=EN_TITLE, html=EN_BODY, teaser=EN_TEASER,
                                           text="The city ferry returned to the harbour after the storm. "
                                                "The ferry at the pier. The mayor thanked the fishermen.",
                                           engine="tiny-mt"))
        plain = add(2, "Рыбаки вышли в море", "<p>Рыбаки вышли в море на рассвете.</p>",
                    "Рыбаки вышли в море на рассвете.", "ru", "Рыбаки вышли в море на рассвете.")
        english = add(3, "Harbour museum opens", "<p>The harbour museum opened its doors.</p>",
                      "The harbour museum opened its doors.", "en", "The harbour museum opened its doors.")
        session.flush()
        for article in (ru, plain, english):
            index_article(session, article)
        return TranslatedWorld(source.id, ru.id, plain.id, english.id)


def bulk_stories(url: str, *, seed: int = 13, batch: int = 2000) -> int:
    """Group a ``bulk_seed`` database's articles into stories as the stories stage would leave
    them (runs of 1 to 6 neighbouring articles across outlets, one run in ten with a reprint), so
    the bench's front page ranks real candidates. Returns the number of stories made."""
    from newsdesk.store.schema import Story

    rng = random.Random(seed)
    engine = engine_for(url)
    with session_scope(engine) as session:
        rows = session.execute(text("SELECT id, source_id, lang, title, published_at FROM articles ORDER BY id")).all()
    stories: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    start = 0
    while start < len(rows):
        group = rows[start:start + rng.randint(1, 6)]
        start += len(group)
        seed_id = group[0].id
        langs: dict[str, int] = {}
        titles: dict[str, str] = {}
        for row in group:
            langs[row.lang] = langs.get(row.lang, 0) + 1
            titles.setdefault(row.lang, row.title)
        reprint = len(group) > 2 and rng.random() < 0.1
        times = [row.published_at if isinstance(row.published_at, datetime)
                 else datetime.fromisoformat(str(row.published_at)).replace(tzinfo=UTC) for row in group]
        stories.append({"id": seed_id, "titles": titles, "first_seen": min(times), "last_updated": max(times),
                        "article_count": len(group), "outlet_count": len({r.source_id for r in group}),
                        "language_count": len(langs), "reprint_count": int(reprint), "languages": langs})
        for n, row in enumerate(group):
            links.append({"id": row.id, "story": seed_id,
                          "reprint": seed_id if reprint and n == len(group) - 1 else None})
    for chunk in range(0, len(stories), batch):
        with session_scope(engine) as session:
            session.execute(insert(Story), stories[chunk:chunk + batch])
    for chunk in range(0, len(links), batch):
        with session_scope(engine) as session:
            session.execute(text("UPDATE articles SET story_id = :story, reprint_of = :reprint WHERE id = :id"),
                            links[chunk:chunk + batch])
    return len(stories)
