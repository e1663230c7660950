"""URL normalization keeps IPv6 literals fetchable, and the SSRF guard still judges them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

import tests.support.origin as origin_module
from newsdesk.cli import main
from newsdesk.enrich.dedup import normalize_url
from newsdesk.errors import BlockedAddress
from newsdesk.fetch.safety import check_host
from newsdesk.store.db import engine_for, session_scope
from newsdesk.store.schema import Article
from tests.support.origin import Origin
from tests.support.pages import article_page, unique_paragraphs


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


@pytest.fixture
def ipv6_origin(monkeypatch: pytest.MonkeyPatch) -> Iterator[Origin]:
    """The test origin listening on ::1 (its server class speaks IPv4 unless told otherwise)."""
    monkeypatch.setattr(origin_module._QuietServer, "address_family", socket.AF_INET6)
    with Origin("::1") as server:
        yield server


def test_an_ipv6_literal_url_is_ingested_and_refused_without_the_private_network_opt_in(
    db_url: str, ipv6_origin: Origin
) -> None:
    ipv6_origin.route("/n/1", article_page("Over IPv6", unique_paragraphs(8)))
    url = f"http://[::1]:{ipv6_origin.port}/n/1?utm_source=x"
    env = {"NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_FETCH_PER_HOST_DELAY": "0", "NEWSDESK_EXTRACT_WORKERS": "1",
           "NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS": "false"}
    refused = CliRunner().invoke(main, ["fetch-url", url], env=env)
    assert refused.exit_code != 0 and "loopback address" in refused.output
    env["NEWSDESK_FETCH_ALLOW_PRIVATE_NETWORKS"] = "true"
    stored = CliRunner().invoke(main, ["fetch-url", url], env=env)
    assert stored.exit_code == 0, stored.output
    assert "stored 1 articles" in stored.output
    with session_scope(engine_for(db_url)) as session:
        assert session.scalars(select(Article.url)).all() == [f"http://[::1]:{ipv6_origin.port}/n/1"]
