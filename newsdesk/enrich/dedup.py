"""Deduplication keys: normalized URLs and content hashes (pure functions).

The same article reaches us through several feeds, with tracking parameters, via redirects, with a
``rel=canonical`` pointing elsewhere, or re-published with an edited headline. Each of those gives
one of the keys below; the store looks an article up by any of them before writing a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

# Query parameters that identify a campaign or a click, never the article (why: feeds and social
# shares append them, and they would otherwise make one article look like many).
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "mc_cid", "mc_eid",
        "igshid", "twclid", "ttclid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "ref_src", "ref_url", "cmpid", "ocid", "sr_share", "spm",
        "s_cid", "ito", "rss", "at_medium", "at_campaign", "xtor", "ns_mchannel", "ns_source",
        "ns_campaign", "ns_linkname", "ns_fee", "share", "smid", "mbid", "rpc",
    }
)
TRACKING_PREFIXES = ("utm_", "ga_", "hmb_", "pk_", "mtm_", "at_", "__twitter")
DEFAULT_PORTS = {"http": 80, "https": 443}
_WORD = re.compile(r"\w+", re.UNICODE)
# Combining marks left by NFKD (accents); one regex pass instead of a per-character check.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """A canonical form of ``url`` for equality: lower-case scheme and host, no default port, no
    fragment, no tracking parameters, sorted query, normalized percent-encoding, no trailing ``?``.

    Path case and trailing slashes are kept: servers treat them as different resources.
    """
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    with contextlib.suppress(UnicodeError):
        host = host.encode("idna").decode("ascii") if host and not host.isascii() else host
    if ":" in host:  # an IPv6 literal: its brackets keep its colons apart from the port's
        host = f"[{host}]"
    netloc = host
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = quote(unquote(parts.path or "/"), safe="/:@!$&'()*+,;=-._~%")
    query_pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query = urlencode(sorted(query_pairs), doseq=True)
    return urlunsplit((scheme, netloc, path, query, ""))


def text_fingerprint(text: str) -> str:
    """Words of ``text``, case-folded and accent-stripped, joined by spaces (the input of the hash)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    if not folded.isascii():
        folded = _COMBINING.sub("", folded)
    return " ".join(_WORD.findall(folded))


def content_hash(text: str) -> str:
    """SHA-256 of the body's words: equal for the same body under another headline or markup."""
    return hashlib.sha256(text_fingerprint(text).encode("utf-8")).hexdigest()
