"""A reader's filter rules: which articles to keep or block, decided over plain data.

A rule names a field (title, url, author, content, lang, section), a pattern (plain words or a
regular expression), an action and a scope (everywhere, one folder, one source). For one article
and one reader (Miniflux's order, so a reader who knows it finds no surprise):

1. a **block** rule in scope that matches hides the article (the first such rule by id);
2. otherwise, if **keep** rules are in scope, the article stays only when one of them matches;
   else the first keep rule in scope hides it;
3. otherwise it stays.

Plain words: comma-separated alternatives, each a phrase matched case-insensitively as whole
words (``art`` does not match ``article``), except in scripts written without spaces (Chinese,
Japanese, Thai...), where a phrase matches anywhere; on the URL a plain pattern is a substring, on
the language a code (``en`` matches ``en`` and ``en-GB``).

Regular expressions run on the ``regex`` package with a per-search timeout, case-insensitively.
Why not ``re`` on a capped text: a backtracking pattern such as ``(a+)+$`` takes ``re`` 2.5 s on 25
characters, so no cap on the text bounds it, while ``regex`` stops it at its timeout (measured in
docs/web.md). A pattern is refused before it is stored when it is over :data:`MAX_PATTERN_CHARS`,
does not compile, matches the empty text (it would match every article), or nests counted repeats
beyond :data:`MAX_REPEAT_PRODUCT` (``(a{1000}){1000}`` takes the compiler seconds and gigabytes).
A search that times out counts as "no decision": the rule is not applied to that article, which
stays visible (a rule that cannot decide must not hide news), and is counted.

Pure: no store imports; ``store/rules.py`` loads rules and articles and writes the outcome.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import regex

from newsdesk.errors import UsageError

FIELDS: tuple[str, ...] = ("title", "url", "author", "content", "lang", "section")
ACTIONS: tuple[str, ...] = ("keep", "block")
SCOPES: tuple[str, ...] = ("global", "folder", "source")
MAX_PATTERN_CHARS = 1000  # why: the column's size; a filter longer than a paragraph is a mistake
MAX_REPEAT_PRODUCT = 1000  # why: a{1000} compiles in 14 ms, (a{1000}){1000} in 0.8 s and (a{65535}){65535} exhausts memory
MAX_ALTERNATIVES = 100  # why: plain words are a short list; more is a pasted document

Verdict = Literal["keep", "block", "undecided"]


class RuleError(UsageError):
    """A rule a reader wrote that cannot be used; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """A rule as stored (``id`` None for one not saved yet, as in a preview)."""

    id: int | None
    scope: str
    scope_value: str | None
    action: str
    field: str
    pattern: str
    is_regex: bool


class RuleTarget(Protocol):
    """What a rule can look at in one article, and where the reader files it (``folder``); the store's
    rows (``store.rules.RuleArticle``) and :class:`ArticleFields` both are one."""

    @property
    def article_id(self) -> int: ...
    @property
    def source_id(self) -> int | None: ...
    @property
    def folder(self) -> str | None: ...
    @property
    def title(self) -> str | None: ...
    @property
    def url(self) -> str: ...
    @property
    def authors(self) -> Sequence[str]: ...
    @property
    def content(self) -> str: ...
    @property
    def lang(self) -> str | None: ...
    @property
    def section(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ArticleFields:
    """A plain :class:`RuleTarget` (tests, callers with no store row at hand)."""

    article_id: int
    source_id: int | None
    folder: str | None
    title: str | None
    url: str
    authors: Sequence[str]
    content: str
    lang: str | None
    section: str | None


@dataclass(frozen=True, slots=True)
class Matcher:
    """A validated rule, compiled once and used for every article."""

    spec: RuleSpec
    search: Any  # a compiled re or regex pattern (both have .search)
    codes: tuple[str, ...] = ()  # plain language codes (the lang field)
    timeout: float | None = None

    def in_scope(self, article: RuleTarget) -> bool:
        scope, value = self.spec.scope, self.spec.scope_value
        if scope == "global":
            return True
        if scope == "folder":
            return article.folder is not None and article.folder == value
        return article.source_id is not None and str(article.source_id) == value

    def matches(self, article: RuleTarget, *, text_chars: int) -> bool | None:
        """Whether the rule's field matches; None when the search ran out of time."""
        text = field_text(article, self.spec.field, text_chars=text_chars)
        if self.codes:
            lang = text.lower()
            return any(lang == code or lang.startswith(code + "-") for code in self.codes)
        try:
            if self.timeout is not None:
                return self.search.search(text, timeout=self.timeout) is not None
            return self.search.search(text) is not None
        except TimeoutError:
            return None


def field_text(article: RuleTarget, field: str, *, text_chars: int) -> str:
    """The text a rule on ``field`` reads; the content capped at ``text_chars`` (why: a rule on
    a 200 kB page must not cost 10x one on a news item; the opening is where the subject is)."""
    if field == "title":
        return article.title or ""
    if field == "url":
        return article.url
    if field == "author":
        return "\n".join(article.authors)
    if field == "content":
        return article.content[:text_chars]
    if field == "lang":
        return article.lang or ""
    return article.section or ""


# --- validation and compiling ---------------------------------------------------------------------


def validate(spec: RuleSpec) -> RuleSpec:
    """``spec`` with its text trimmed, or RuleError naming what is wrong."""
    if spec.scope not in SCOPES:
        raise RuleError(f"rules: the scope must be one of {', '.join(SCOPES)}")
    if spec.action not in ACTIONS:
        raise RuleError("rules: the action must be keep or block")
    if spec.field not in FIELDS:
        raise RuleError(f"rules: the field must be one of {', '.join(FIELDS)}")
    value = (spec.scope_value or "").strip() or None
    if spec.scope == "global":
        value = None
    elif value is None:
        raise RuleError(f"rules: a {spec.scope} rule needs the {spec.scope} it applies to")
    elif spec.scope == "source" and not value.isdigit():
        raise RuleError("rules: a source rule needs the source's number")
    pattern = spec.pattern if spec.is_regex else spec.pattern.strip()
    if not pattern.strip():
        raise RuleError("rules: the pattern is empty")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise RuleError(f"rules: the pattern is {len(pattern):,} characters; at most {MAX_PATTERN_CHARS:,} are allowed")
    return RuleSpec(spec.id, spec.scope, value, spec.action, spec.field, pattern, spec.is_regex)


def compile_rule(spec: RuleSpec, *, timeout: float) -> Matcher:
    """Validate and compile ``spec``; RuleError with a reader-facing message when it cannot be used."""
    spec = validate(spec)
    if spec.is_regex:
        return Matcher(spec, _compile_regex(spec.pattern), timeout=timeout)
    alternatives = _alternatives(spec.pattern)
    if spec.field == "lang":
        return Matcher(spec, None, codes=tuple(a.lower() for a in alternatives))
    if spec.field == "url":
        return Matcher(spec, re.compile("|".join(re.escape(a) for a in alternatives), re.IGNORECASE))
    return Matcher(spec, re.compile("|".join(_phrase(a) for a in alternatives), re.IGNORECASE))


def _compile_regex(pattern: str) -> Any:
    product = repeat_product(pattern)
    if product > MAX_REPEAT_PRODUCT:
        raise RuleError(f"rules: the expression repeats too deeply (nested counts multiply to {product:,}; "
                        f"at most {MAX_REPEAT_PRODUCT:,})")
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
    except (regex.error, OverflowError, RecursionError, MemoryError) as exc:
        raise RuleError(f"rules: not a valid regular expression: {exc}") from None
    try:
        empty = compiled.search("", timeout=0.01) is not None
    except TimeoutError:
        empty = False
    if empty:
        raise RuleError("rules: the expression matches empty text, so it would match every article")
    return compiled


def _alternatives(pattern: str) -> list[str]:
    parts = [" ".join(p.split()) for p in pattern.split(",")]
    parts = [p for p in parts if p]
    if not parts:
        raise RuleError("rules: the pattern has no words")
    if len(parts) > MAX_ALTERNATIVES:
        raise RuleError(f"rules: {len(parts)} alternatives; at most {MAX_ALTERNATIVES}")
    return parts


def _unspaced(char: str) -> bool:
    """True for letters of scripts written without spaces between words (word edges mean nothing there)."""
    name = unicodedata.name(char, "")
    return name.startswith(("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR", "TIBETAN"))


def _phrase(words: str) -> str:
    """A plain phrase as an expression: its words with any whitespace between, whole words at the edges."""
    body = r"\s+".join(re.escape(w) for w in words.split(" "))
    head = "" if not (words[0].isalnum() or words[0] == "_") or _unspaced(words[0]) else r"(?<!\w)"
    tail = "" if not (words[-1].isalnum() or words[-1] == "_") or _unspaced(words[-1]) else r"(?!\w)"
    return f"{head}{body}{tail}"


_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


def repeat_product(pattern: str) -> int:
    """The largest product of counted repeats (``{m,n}``) nested in ``pattern``: about how many
    copies the compiler makes. A scan, not a parser: escapes and character classes are skipped,
    groups are followed by their parentheses; ``*``, ``+`` and ``?`` make no copies."""
    stack: list[int] = [1]  # the largest product inside each open group
    last = 1  # the product of the atom or group just closed (what a following count multiplies)
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            last = 1
            continue
        if c == "[":
            i = _class_end(pattern, i)
            last = 1
            continue
        if c == "(":
            stack.append(1)
            i += 1
            continue
        if c == ")":
            last = stack.pop() if len(stack) > 1 else 1
            stack[-1] = max(stack[-1], last)
            i += 1
            continue
        if c == "{":
            m = _COUNT.match(pattern, i)
            if m and (m.group(1) or m.group(2)):
                low, high = m.group(1), m.group(2)
                copies = int(high) if high else int(low or 0)  # {m}, {m,n} -> n, {m,} -> m
                last = last * max(copies, 1)
                stack[-1] = max(stack[-1], last)
                i = m.end()
                continue
        last = 1
        i += 1
    return max(stack)


def _class_end(pattern: str, start: int) -> int:
    """The index after the character class opening at ``start`` (nested sets and escapes allowed)."""
    depth, i, n = 0, start, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            depth += 1
            if pattern.startswith("]", i + 1) or pattern.startswith("^]", i + 1):
                i += 2 if pattern[i + 1] == "]" else 3  # a leading ] is a literal
                continue
        elif c == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


# --- deciding ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decision:
    """One article's outcome: ``hidden_by`` is the rule that hides it (None: it stays); ``undecided``
    counts the rules whose search ran out of time on it."""

    article_id: int
    hidden_by: int | None
    undecided: int = 0


def decide(matchers: Sequence[Matcher], article: RuleTarget, *, text_chars: int) -> Decision:
    """Apply a reader's rules (in id order) to one article, by the order in the module docstring."""
    undecided = 0
    keeps: list[Matcher] = []
    kept = False
    for matcher in matchers:
        if not matcher.in_scope(article):
            continue
        if matcher.spec.action == "keep":
            keeps.append(matcher)
            continue
        hit = matcher.matches(article, text_chars=text_chars)
        if hit is None:
            undecided += 1
        elif hit:
            return Decision(article.article_id, matcher.spec.id, undecided)
    for matcher in keeps:
        hit = matcher.matches(article, text_chars=text_chars)
        if hit is None:  # a keep rule that cannot decide keeps: never hide on a timeout
            undecided += 1
            kept = True
            break
        if hit:
            kept = True
            break
    if keeps and not kept:
        return Decision(article.article_id, keeps[0].spec.id, undecided)
    return Decision(article.article_id, None, undecided)


def verdict(matcher: Matcher, article: RuleTarget, *, text_chars: int) -> Verdict:
    """What one rule alone says of one article (the preview): keep, block or undecided.

    Out of scope, a block rule lets the article be and a keep rule does not concern it (kept)."""
    if not matcher.in_scope(article):
        return "keep"
    hit = matcher.matches(article, text_chars=text_chars)
    if hit is None:
        return "undecided"
    if matcher.spec.action == "block":
        return "block" if hit else "keep"
    return "keep" if hit else "block"


def compile_all(specs: Iterable[RuleSpec], *, timeout: float) -> list[Matcher]:
    """Compile stored rules, in id order; a stored rule that no longer compiles (a library change)
    is left out rather than failing the pipeline (it was valid when stored)."""
    out = []
    for spec in sorted(specs, key=lambda s: s.id or 0):
        try:
            out.append(compile_rule(spec, timeout=timeout))
        except RuleError:
            continue
    return out


__all__ = [
    "ACTIONS", "FIELDS", "MAX_PATTERN_CHARS", "SCOPES", "ArticleFields", "Decision", "Matcher", "RuleError",
    "RuleSpec", "RuleTarget", "compile_all", "compile_rule", "decide", "field_text", "repeat_product", "validate", "verdict",
]
