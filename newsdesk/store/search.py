"""Full-text search over articles and their translations, language-aware on both backends.

SQLite: FTS5 has no Russian stemmer, so words are stemmed in Python (Snowball, in the leaf module
``newsdesk.terms``, which says which stemmer a word gets) on both sides: ``index_article`` writes
stems, each followed by the word's own form where it differs, into the FTS5 table ``search_fts``,
and ``search`` turns the query into stems the same way.

PostgreSQL: ``search_docs.tsv`` holds ``to_tsvector`` made with the text-search configuration of
the document's language ('english', 'russian', …, else 'simple'), weighted title A / body B, plus
the words' own forms ('simple', weight D, which the rank weighs 0) under a GIN index; a query word
is the OR of ``websearch_to_tsquery`` under 'english', 'russian' and 'simple' and of its form.

Both rank alike first by form matches (``form_matches``: per query word, 2 when a text has the
word itself, 1 when it has only the word followed by an ending, for Cyrillic words: ``terms``
says why stems alone over-reach), then by bm25 / ts_rank_cd; both produce the same highlighted
snippets, built here from the stored plain text so the marks land on whole words in the reader's
text. An index written before the forms were added still finds by stems; ``newsdesk admin
reindex-search`` rewrites it (``reindex_all``) so that form matches rank first there too.

The pipeline calls ``index_article(session, article)`` after storing an article; the translation
stage calls it again after adding a translation (it indexes ``article.translations`` too).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

from newsdesk.store.schema import Article, ArticleAuthor, SearchDoc, UTCDateTime
from newsdesk.terms import (
    CYRILLIC,
    MAX_INDEX_CHARS,
    WORD,
    DocumentTerms,
    form_prefix,
    index_terms,
    latin_stemmer,
    stem,
    stems_for_query_word,
    words,
)

# PostgreSQL text-search configurations by article language.
PG_CONFIG = {
    "en": "english", "ru": "russian", "de": "german", "fr": "french", "es": "spanish",
    "it": "italian", "pt": "portuguese", "nl": "dutch", "sv": "swedish", "no": "norwegian",
    "nb": "norwegian", "da": "danish", "fi": "finnish", "hu": "hungarian", "ro": "romanian",
    "tr": "turkish",
}
PG_QUERY_CONFIGS = ("english", "russian", "simple")
# ts_rank_cd weights of {D, C, B, A}: the forms (D) only say which word a text has, they add no rank.
PG_RANK_WEIGHTS = "{0, 0.2, 0.4, 1.0}"

MAX_QUERY_WORDS = 12  # why: each word expands to several OR terms; caps query cost
SNIPPET_WORDS = 32  # why: about two lines of teaser text
SNIPPET_FIRST_CHARS = 2_000  # why: the opening paragraphs; most matches of a ranked hit are there
SNIPPET_SCAN_CHARS = 30_000  # why: highlight from the first 30 kB; enough to find a match
RECENT_WINDOW = 10_000  # why: ranking 10k texts takes ~20 ms; the p95 target for a search is 50 ms


def fts5_query(query: str, lang: str | None = None) -> str | None:
    """An FTS5 MATCH expression: every word must match one of its stems or its own form (for a
    Cyrillic root, the form followed by any ending). None when nothing to search."""
    terms = []
    for word in words(query)[:MAX_QUERY_WORDS]:
        stems = stems_for_query_word(word, lang) - {word}
        options = [f'"{s}"' for s in sorted(stems)] + [_fts5_form(word, prefix=form_prefix(word))]
        terms.append("(" + " OR ".join(options) + ")")
    return " AND ".join(terms) or None


def _fts5_form(word: str, *, prefix: bool) -> str:
    return f'"{word}"*' if prefix else f'"{word}"'


def _form_points(query: str) -> list[tuple[str, bool, int]]:
    """Per query word, what earns ``form_matches``: (word, as a prefix?, points). The exact form
    earns 2; a Cyrillic root's form followed by an ending earns 1 (the exact form matches that too)."""
    found = []
    for word in dict.fromkeys(words(query)[:MAX_QUERY_WORDS]):
        if form_prefix(word):
            found += [(word, False, 1), (word, True, 1)]
        else:
            found.append((word, False, 2))
    return found


# --- indexing -----------------------------------------------------------------------------------


_INSERT_DOC = insert(SearchDoc).returning(SearchDoc.id)


def _index_text(session: Session, article: Article, lang: str, title: str, body: str,
                is_translation: bool, terms: DocumentTerms | None = None, *, new: bool = False) -> None:
    # Core statements on the session's connection (why: this runs for every stored article, and
    # the ORM's per-statement overhead was larger than the SQL); callers flush ORM state first.
    connection = session.connection()
    dialect = connection.dialect.name
    doc_id = None if new else connection.execute(
        select(SearchDoc.id).where(SearchDoc.article_id == article.id, SearchDoc.lang == lang)
    ).scalar()
    values = {"source_id": article.source_id, "published_at": article.published_at,
              "is_translation": is_translation}
    if doc_id is None:
        doc_id = connection.execute(_INSERT_DOC, {"article_id": article.id, "lang": lang, **values}).scalar_one()
    else:
        connection.execute(update(SearchDoc).where(SearchDoc.id == doc_id).values(**values))
    if dialect == "postgresql":
        config = PG_CONFIG.get(lang.split("-")[0].lower(), "simple")
        connection.execute(
            text(
                "UPDATE search_docs SET tsv = "
                "setweight(to_tsvector(CAST(:cfg AS regconfig), :title), 'A') || "
                "setweight(to_tsvector(CAST(:cfg AS regconfig), :body), 'B') || "
                "setweight(to_tsvector('simple', CAST(:title AS text) || ' ' || CAST(:body AS text)), 'D') "
                "WHERE id = :id"
            ),
            {"cfg": config, "title": title, "body": body[:MAX_INDEX_CHARS], "id": doc_id},
        )
    else:
        if not new:
            connection.execute(text("DELETE FROM search_fts WHERE rowid = :id"), {"id": doc_id})
        connection.execute(
            text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)"),
            {
                "id": doc_id,
                "title": terms.title_stems if terms else " ".join(index_terms(title, lang)),
                "body": terms.body_stems if terms else " ".join(index_terms(body, lang)),
            },
        )


def index_article(session: Session, article: Article, terms: DocumentTerms | None = None, *,
                  new: bool = False) -> None:
    """(Re)index an article, each of its translations, and its author names, in the caller's transaction.

    Idempotent: call it after storing an article and again after adding a translation. ``terms``
    are the article's own stems computed ahead; they are used only if made from this title and language.
    ``new``: the article was inserted in this transaction (nothing indexed yet, no translations).
    """
    if article.id is None or not new:
        session.flush()  # the Core statements below must see the ORM's pending changes
    lang = (article.lang or "und").lower()
    usable = terms if terms and terms.lang == lang and terms.title == (article.title or "") else None
    _index_text(session, article, lang, article.title or "", article.text or "", False, usable, new=new)
    if new:
        _index_authors(session, article, new=True)
        return
    for translation in article.translations:
        if translation.lang.lower() == lang:
            continue
        _index_text(session, article, translation.lang.lower(), translation.title or "",
                    translation.text or "", True)
    _index_authors(session, article)


def _index_authors(session: Session, article: Article, *, new: bool = False) -> None:
    if not new:
        session.execute(delete(ArticleAuthor).where(ArticleAuthor.article_id == article.id))
    names = dict.fromkeys(n.strip()[:300] for n in article.authors or [] if n.strip())
    if names:
        session.connection().execute(insert(ArticleAuthor), [
            {"article_id": article.id, "name": name, "published_at": article.published_at} for name in names
        ])


def unindex_article(session: Session, article_id: int) -> None:
    """Drop an article's search documents (deleting the article does this through ON DELETE CASCADE)."""
    session.execute(delete(SearchDoc).where(SearchDoc.article_id == article_id))


def reindex_all(session: Session, batch: int = 500) -> int:
    """Index every article (for databases filled before the site existed). Returns the count."""
    count = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(Article).where(Article.id > last_id).order_by(Article.id).limit(batch)
        ).scalars().all()
        if not rows:
            return count
        for article in rows:
            index_article(session, article)
            last_id = article.id
            count += 1
        session.flush()
        session.expunge_all()


# --- querying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    source_id: int | None = None
    lang: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    section: str | None = None  # the article's section, exactly
    author: str | None = None  # one of the article's authors, exactly


@dataclass(frozen=True)
class Hit:
    article_id: int
    lang: str  # the language of the text that matched (the article's or a translation's)
    score: float  # the backend's rank within equal form_matches; lower is better
    form_matches: int = 0  # points for query words found as themselves (see the module docstring)


def search(session: Session, query: str, filters: SearchFilters = SearchFilters(), *,
           limit: int = 20, offset: int = 0, recent_window: int = RECENT_WINDOW) -> list[Hit]:
    """Ranked hits, best first; one hit per article (its best-matching text).

    Ranking every match of a common word costs time in proportion to the archive, so the newest
    RECENT_WINDOW texts are ranked first; only when they cannot fill the page is the whole archive
    ranked. (Texts are numbered as they are indexed, so the window is a rowid range the index
    seeks to.) A news reader looking for "storm" wants this year's storms first anyway.
    """
    if not words(query):
        return []
    run = _search_postgres if session.get_bind().dialect.name == "postgresql" else _search_sqlite
    newest = session.execute(select(func.max(SearchDoc.id))).scalar() or 0
    if newest > recent_window:
        hits = run(session, query, filters, limit, offset, newest - recent_window)
        if len(hits) >= limit:
            return hits
    return run(session, query, filters, limit, offset, None)


def _filter_sql(filters: SearchFilters, params: dict[str, object]) -> str:
    clauses = []
    if filters.source_id is not None:
        clauses.append("d.source_id = :source_id")
        params["source_id"] = filters.source_id
    if filters.lang:
        clauses.append("d.lang = :lang")
        params["lang"] = filters.lang.lower()
    if filters.date_from is not None:
        clauses.append("d.published_at >= :date_from")
        params["date_from"] = filters.date_from
    if filters.date_to is not None:
        clauses.append("d.published_at < :date_to")
        params["date_to"] = filters.date_to
    # Filters on the article go into the query too (never applied to a page afterwards, which
    # left pages short or empty while more matches followed); both ride on primary-key lookups
    # and the (name, published_at) index of article_authors.
    if filters.section is not None:
        clauses.append("EXISTS (SELECT 1 FROM articles a WHERE a.id = d.article_id AND a.section = :section)")
        params["section"] = filters.section
    if filters.author is not None:
        clauses.append("EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = d.article_id "
                       "AND aa.name = :author)")
        params["author"] = filters.author
    return "".join(" AND " + c for c in clauses)


def _bind_times(session: Session, params: dict[str, object]) -> None:
    """Pass times the way the column stores them (naive UTC on SQLite)."""
    for key in ("date_from", "date_to"):
        value = params.get(key)
        if isinstance(value, datetime):
            params[key] = UTCDateTime().process_bind_param(value, session.get_bind().dialect)


def _search_sqlite(session: Session, query: str, filters: SearchFilters, limit: int,
                   offset: int, min_id: int | None) -> list[Hit]:
    match = fts5_query(query, filters.lang)
    if match is None:
        return []
    params: dict[str, object] = {"match": match, "limit": limit, "offset": offset, "min_id": min_id or 0}
    forms = []
    for i, (word, prefix, points) in enumerate(_form_points(query)):
        params[f"form{i}"] = _fts5_form(word, prefix=prefix)
        forms.append(f"{points} * (rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :form{i} "
                     "AND rowid >= :min_id))")
    where = _filter_sql(filters, params)
    _bind_times(session, params)
    # why weights 4/1: a word in the headline says more about the article than one in the body
    # (bm25 only works while FTS5 drives the scan, hence the materialized match first; each form
    # subquery is one index lookup of a rarer term, run once.) The best text of an article is the
    # first by form matches, then by bm25.
    sql = (
        "WITH m AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, 4.0, 1.0) AS score, "
        f"{' + '.join(forms)} AS forms "
        "FROM search_fts WHERE search_fts MATCH :match AND rowid >= :min_id), "
        "r AS (SELECT d.article_id, d.lang, m.score, m.forms, ROW_NUMBER() OVER "
        "(PARTITION BY d.article_id ORDER BY m.forms DESC, m.score) AS n "
        f"FROM m JOIN search_docs d ON d.id = m.id WHERE 1 = 1{where}) "
        "SELECT article_id, lang, score, forms FROM r WHERE n = 1 "
        "ORDER BY forms DESC, score, article_id DESC LIMIT :limit OFFSET :offset"
    )
    rows = session.execute(text(sql), params).all()
    return [Hit(int(r[0]), str(r[1]), float(r[2]), int(r[3])) for r in rows]


def _search_postgres(session: Session, query: str, filters: SearchFilters, limit: int,
                     offset: int, min_id: int | None) -> list[Hit]:
    params: dict[str, object] = {"limit": limit, "offset": offset, "min_id": min_id or 0}
    per_word = []
    for i, word in enumerate(dict.fromkeys(words(query)[:MAX_QUERY_WORDS])):
        # Words are letters and digits only (terms.WORD), so the quoted prefix lexeme is well formed.
        params[f"w{i}"], params[f"p{i}"] = word, f"'{word}':*" if form_prefix(word) else f"'{word}'"
        per_word.append("(" + " || ".join([f"websearch_to_tsquery('{cfg}', :w{i})" for cfg in PG_QUERY_CONFIGS]
                                          + [f"to_tsquery('simple', :p{i})"]) + ")")
    if not per_word:
        return []
    forms = []
    for i, (word, prefix, points) in enumerate(_form_points(query)):
        params[f"f{i}"] = f"'{word}':*" if prefix else f"'{word}'"
        forms.append(f"{points} * (d.tsv @@ to_tsquery('simple', :f{i}))::int")
    where = _filter_sql(filters, params)
    sql = (
        f"WITH q AS (SELECT {' && '.join(per_word)} AS query) "
        f"SELECT DISTINCT ON (d.article_id) d.article_id, d.lang, "
        f"ts_rank_cd('{PG_RANK_WEIGHTS}', d.tsv, q.query) AS score, {' + '.join(forms)} AS forms "
        f"FROM search_docs d, q WHERE d.tsv @@ q.query AND d.id >= :min_id{where} "
        "ORDER BY d.article_id, forms DESC, score DESC"
    )
    ranked = (
        f"SELECT article_id, lang, score, forms FROM ({sql}) AS best "
        "ORDER BY forms DESC, score DESC, article_id DESC LIMIT :limit OFFSET :offset"
    )
    rows = session.execute(text(ranked), params).all()
    return [Hit(int(r[0]), str(r[1]), -float(r[2]), int(r[3])) for r in rows]


# --- snippets -----------------------------------------------------------------------------------


def query_stems(query: str) -> set[str]:
    found: set[str] = set()
    for word in words(query)[:MAX_QUERY_WORDS]:
        found |= stems_for_query_word(word)
        found.add(word)
    return found


def _is_cyrillic(word: str) -> bool:
    return "\u0400" <= word[0] <= "\u04ff" or bool(CYRILLIC.search(word))


def _hits(tokens: list[re.Match[str]], wanted: set[str], latin: str, roots: tuple[str, ...] = ()) -> list[int]:
    """Positions of tokens whose stem, made as the index made it, is one of the query's stems, or
    that continue a Cyrillic query root (the search's form matches)."""
    found = []
    for i, m in enumerate(tokens):
        lower = m.group(0).lower()
        if lower in wanted or (roots and lower.startswith(roots)) \
                or stem(lower, "russian" if _is_cyrillic(lower) else latin) in wanted:
            found.append(i)
    return found


def highlight(text_: str, query: str, lang: str | None = None, *, max_words: int = SNIPPET_WORDS) -> Markup:
    """An escaped snippet of ``text_`` around the densest run of query words, each wrapped in <mark>.

    The opening of the text is searched first (news puts the point up top) and the rest only when
    the opening has no match, which keeps a page of twenty snippets to a few milliseconds.
    """
    wanted = query_stems(query)
    latin = latin_stemmer(lang)
    roots = tuple(w for w in words(query)[:MAX_QUERY_WORDS] if form_prefix(w))
    tokens = list(WORD.finditer(text_[:SNIPPET_FIRST_CHARS]))
    hits = _hits(tokens, wanted, latin, roots)
    if not hits and len(text_) > SNIPPET_FIRST_CHARS:
        tokens = list(WORD.finditer(text_[:SNIPPET_SCAN_CHARS]))
        hits = _hits(tokens, wanted, latin, roots)
    if not tokens:
        return Markup("")
    start = 0
    if hits:
        best = max(hits, key=lambda i: sum(1 for j in hits if i <= j < i + max_words))
        start = max(0, best - 4)  # why: a few words of context before the first match
    window = tokens[start:start + max_words]
    begin = window[0].start()
    hit_set = {i for i in hits if start <= i < start + max_words}
    out: list[str] = ["…" if start > 0 else ""]
    cursor = begin
    for offset_, m in enumerate(window):
        out.append(str(escape(text_[cursor:m.start()])))
        word = str(escape(m.group(0)))
        out.append(f"<mark>{word}</mark>" if start + offset_ in hit_set else word)
        cursor = m.end()
    if WORD.search(text_, window[-1].end()):
        out.append("…")  # more words follow
    else:
        out.append(str(escape(text_[window[-1].end():].strip()[:10])))  # the closing punctuation
    return Markup("".join(out))


def iter_hit_ids(hits: Iterable[Hit]) -> Sequence[int]:
    return [h.article_id for h in hits]


__all__ = [
    "Hit",
    "SearchFilters",
    "fts5_query",
    "highlight",
    "index_article",
    "reindex_all",
    "search",
    "unindex_article",
]
