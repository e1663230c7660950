"""The address classifier and URL checks, on literal addresses only: nothing here opens a socket."""

from __future__ import annotations

import asyncio

import pytest

from newsdesk.errors import BlockedAddress, FetchRejected
from newsdesk.fetch.safety import blocked_reason, check_addresses, check_host, parse_url


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata endpoint
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "non-global"),  # carrier-grade NAT
        ("192.0.2.10", "private"),  # documentation range
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:10.0.0.1", "private"),
        ("::ffff:169.254.169.254", "link-local"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("2001:db8::1", "private"),  # documentation range
    ],
)
def test_internal_addresses_are_blocked(address: str, reason: str) -> None:
    assert blocked_reason(address) == reason


def test_reserved_range_is_blocked() -> None:
    # Python versions file 240.0.0.0/4 under "private" or "reserved"; either way it is refused.
    assert blocked_reason("240.0.0.1") in {"private", "reserved"}
    assert blocked_reason("255.255.255.255") is not None


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"],
)
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(address) is None


def test_any_internal_address_among_several_blocks_the_host() -> None:
    check_addresses("news.example", ["8.8.8.8", "1.1.1.1"])
    with pytest.raises(BlockedAddress) as info:
        check_addresses("news.example", ["8.8.8.8", "10.0.0.7"])
    message = str(info.value)
    assert message.startswith("fetch: news.example resolves to 10.0.0.7 (private address)")
    assert "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS=true" in message


def test_ip_literal_urls_are_checked_without_dns() -> None:
    for url in (
        "http://127.0.0.1:9/",
        "http://[::1]:9/",
        "https://[::ffff:192.168.0.1]/",
        "http://169.254.169.254/",
    ):
        with pytest.raises(BlockedAddress):
            asyncio.run(check_host(parse_url(url), 1.0))
    asyncio.run(check_host(parse_url("http://93.184.216.34/"), 1.0))  # public literal: no lookup, no error


@pytest.mark.parametrize(
    "url",
    [
        "example.com/news",
        "//example.com/news",
        "http://exa mple.com/",
        "http://example.com/a b",
        "http://example.com/\x00",
        "ftp://example.com/file",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "gopher://127.0.0.1:70/",
        "http:///nohost",
        "http://example.com:99999/",
        "http://" + "a" * 9000 + ".com/",
        "",
    ],
)
def test_bad_urls(url: str) -> None:
    with pytest.raises(FetchRejected) as info:
        parse_url(url)
    assert info.value.reason == "bad_url"


def test_good_urls_parse() -> None:
    assert parse_url("  https://Example.com/a?b=1#c \n").host == "example.com"
    assert parse_url("http://пример.рф/новости").raw_host == b"xn--e1afmkfd.xn--p1ai"
