"""URL normalization keeps IPv6 literals fetchable, and the SSRF guard still judges them."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from newsdesk.enrich.dedup import normalize_url
from newsdesk.errors import BlockedAddress
from newsdesk.fetch.safety import check_host


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://[2001:db8::1]:8080/a", "http://[2001:db8::1]:8080/a"),
        ("HTTP://[2001:DB8::1]:80/a?utm_source=x", "http://[2001:db8::1]/a"),
        ("https://[::1]:443/", "https://[::1]/"),
        ("http://user@[2001:db8::2]:81/p", "http://user@[2001:db8::2]:81/p"),
        ("http://192.0.2.1:8080/a", "http://192.0.2.1:8080/a"),
    ],
)
def test_ipv6_literals_keep_their_brackets(url: str, expected: str) -> None:
    assert normalize_url(url) == expected
    assert normalize_url(expected) == expected  # idempotent


def test_normalized_ipv6_url_parses_back_to_the_same_host_and_port() -> None:
    parsed = httpx.URL(normalize_url("http://[2001:db8::1]:8080/a"))
    assert (parsed.host, parsed.port) == ("2001:db8::1", 8080)


@pytest.mark.parametrize("url", ["http://[::1]:8080/a", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/"])
def test_ssrf_guard_still_refuses_private_ipv6_literals(url: str) -> None:
    with pytest.raises(BlockedAddress):
        asyncio.run(check_host(httpx.URL(normalize_url(url)), 1.0))
