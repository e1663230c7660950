"""Everything between the site and a hostile client: headers, CSRF, sessions, sanitizing, linkifying.

- Security headers go on every response (a pure ASGI middleware, no per-request Python object).
  The CSP allows scripts and styles only from ``/static`` (no inline script), images from anywhere
  over http(s) (lead images live on the outlets), no framing.
- CSRF: double-submit. A signed random token sits in the ``nd_csrf`` cookie (SameSite=Lax,
  HttpOnly) and in every form; a POST must carry both, equal and validly signed, and a cross-site
  ``Origin`` is refused outright.
- The admin session cookie (HttpOnly, SameSite=Lax; Secure when the site is served over https) is
  an itsdangerous-signed, timed wrapper around a random token naming a server-side session row
  (``store.users``): the signature turns away forgeries without a database lookup, the row lets
  logging out, a new password or deleting the user end the session.
- Article HTML is sanitized again on output with nh3 (stored HTML is already sanitized, but the
  page must not trust the database); comments are plain text, escaped, with bare links turned
  into ``rel="nofollow ugc"`` anchors.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urljoin, urlsplit

import nh3
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer
from markupsafe import Markup, escape

from newsdesk.store.users import SESSION_LIFETIME

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_COOKIE = "nd_csrf"
SESSION_COOKIE = "nd_admin"
SESSION_MAX_AGE = int(SESSION_LIFETIME.total_seconds())  # the cookie lives as long as its session row

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --- CSRF and sessions ------------------------------------------------------------------------------


class Tokens:
    """CSRF tokens and admin session cookies, both signed with the site's secret key."""

    def __init__(self, secret: str) -> None:
        self._csrf = Signer(secret, salt="newsdesk.csrf")
        self._session = URLSafeTimedSerializer(secret, salt="newsdesk.session")
        self.secret = secret

    def new_csrf(self) -> str:
        return self._csrf.sign(secrets.token_urlsafe(18)).decode()

    def valid_csrf(self, token: str | None) -> bool:
        if not token or len(token) > 200:
            return False
        try:
            self._csrf.unsign(token)
        except BadSignature:
            return False
        return True

    def check_csrf(self, cookie: str | None, form_value: str | None) -> bool:
        return (
            self.valid_csrf(cookie)
            and form_value is not None
            and hmac.compare_digest(str(cookie).encode(), form_value.encode())
        )

    def session_cookie(self, token: str) -> str:
        return self._session.dumps({"sid": token})

    def session_token(self, cookie: str | None, *, max_age: int = SESSION_MAX_AGE) -> str | None:
        """The session token a validly signed cookie no older than ``max_age`` seconds carries
        (still to be looked up: the server-side row decides whether it is live)."""
        if not cookie or len(cookie) > 500:
            return None
        try:
            data = self._session.loads(cookie, max_age=max_age)
        except BadSignature:
            return None
        sid = data.get("sid") if isinstance(data, dict) else None
        return sid if isinstance(sid, str) and 0 < len(sid) <= 100 else None


def same_origin(origin: str | None, host: str | None) -> bool:
    """False only when the browser says the request came from another site."""
    if not origin or origin == "null":
        return origin is None
    return bool(host) and urlsplit(origin).netloc.lower() == (host or "").lower()


# --- HTML ---------------------------------------------------------------------------------------------

ALLOWED_TAGS = {
    "p", "br", "a", "strong", "b", "em", "i", "u", "s", "blockquote", "q", "cite", "ul", "ol", "li",
    "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "img", "table", "thead", "tbody", "tfoot",
    "tr", "th", "td", "caption", "pre", "code", "sub", "sup", "hr", "abbr", "time", "small", "mark",
    "dl", "dt", "dd", "span",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
    "time": {"datetime"},
    "ol": {"start"},
}


def sanitize_article_html(html: str, base_url: str | None = None) -> Markup:
    """Article HTML made safe to embed: allow-listed tags, http(s) links resolved against the article."""

    def absolutize(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("href", "src") and base_url:
            try:
                return urljoin(base_url, value)
            except ValueError:
                return None
        return value

    return Markup(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
            attribute_filter=absolutize,
            set_tag_attribute_values={"img": {"loading": "lazy", "decoding": "async"}},
            strip_comments=True,
        )
    )


URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING_PUNCTUATION = ".,;:!?)]}»”’"


def linkify_comment(body: str) -> Markup:
    """A comment's plain text as escaped HTML paragraphs, bare links as rel="nofollow ugc" anchors."""
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    out = []
    for paragraph in paragraphs:
        pieces: list[str] = []
        cursor = 0
        for match in URL_IN_TEXT.finditer(paragraph):
            url = match.group(0).rstrip(TRAILING_PUNCTUATION)
            end = match.start() + len(url)
            pieces.append(str(escape(paragraph[cursor:match.start()])))
            pieces.append(
                f'<a href="{escape(url)}" rel="nofollow ugc noopener" target="_blank">{escape(url)}</a>'
            )
            cursor = end
        pieces.append(str(escape(paragraph[cursor:])))
        out.append("<p>" + "".join(pieces).replace("\n", "<br>") + "</p>")
    return Markup("".join(out))


__all__ = [
    "CSP",
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "SecurityHeadersMiddleware",
    "Tokens",
    "linkify_comment",
    "same_origin",
    "sanitize_article_html",
]
