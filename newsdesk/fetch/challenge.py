"""Bot walls: a 403, 429 or 503 whose body is a challenge page rather than an error.

Services such as Cloudflare answer crawlers with an interstitial ("Just a moment…", "Attention
Required!") or a captcha instead of the feed. Retrying sooner or later does not get past one: the
publisher has to allow the crawler. Naming it apart (``fetch.bot_wall``) tells the admin so, where a
bare "HTTP 403" would not.
"""

from __future__ import annotations

import re

import httpx

# Statuses bot walls answer with (why: Cloudflare uses 403 and 503, others 429 with a captcha).
CHALLENGE_STATUSES = frozenset({403, 429, 503})
# How much of an error body is read to look for markers (why: challenge pages put their title and
# script names in the first few kilobytes; Cloudflare's are about 5–30 KB in all).
CHALLENGE_SNIFF_BYTES = 32 * 1024

_MARKERS = re.compile(
    rb"<title>\s*(?:just a moment|attention required|access denied|checking your browser|ddos-guard)"
    rb"|cf-chl-|challenge-platform|cf_chl_opt|/cdn-cgi/challenge|g-recaptcha|h-captcha|hcaptcha\.com"
    rb"|captcha-delivery\.com|_incapsula_resource|px-captcha|\bcaptcha\b",
    re.IGNORECASE,
)


def is_challenge(status: int, headers: httpx.Headers, head: bytes) -> bool:
    """Is this answer a bot wall? ``head`` is the start of its body (up to CHALLENGE_SNIFF_BYTES)."""
    if status not in CHALLENGE_STATUSES:
        return False
    if headers.get("cf-mitigated", "").strip().lower() == "challenge":
        return True
    return _MARKERS.search(head[:CHALLENGE_SNIFF_BYTES]) is not None
