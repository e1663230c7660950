"""``newsdesk demo``: serve the four bundled sample outlets on 127.0.0.1, follow them, crawl them, show them."""

from __future__ import annotations

import click

from newsdesk.cli.base import app, handle_errors, main
from newsdesk.cli.crawl import print_report
from newsdesk.errors import UsageError
from newsdesk.pipeline import crawl as crawling
from newsdesk.pipeline import follow as following
from newsdesk.settings import redact_url


@main.command("demo")
@click.option("--serve/--no-serve", default=True, show_default=True, help="Serve the reader site afterwards.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address of the reader site.")
@click.option("--port", default=8000, show_default=True, help="Port of the reader site.")
@click.option("--outlet-port", default=8701, show_default=True,
              help="Port of the first sample outlet, the other three take the next ports (fixed, so a second "
                   "run re-crawls the same feeds; 0: any free ports).")
@click.pass_context
@handle_errors
def demo(ctx: click.Context, serve: bool, host: str, port: int, outlet_port: int) -> None:
    """Crawl the four sample outlets shipped with Newsdesk (two English, two Russian) and serve the site."""
    from newsdesk.demo.outlet import DemoOutlets
    from newsdesk.store.db import upgrade

    # The outlet runs on this machine: allow loopback fetches, no politeness delay to ourselves.
    settings = app(ctx).settings.with_overrides(fetch_allow_private_networks=True, fetch_per_host_delay=0.0)
    upgrade(settings.database_url)
    try:
        outlet_servers = DemoOutlets(base_port=outlet_port)
    except OSError as exc:
        raise UsageError(f"demo: a port from {outlet_port} on is taken ({exc}); choose another with --outlet-port") from exc
    with outlet_servers as outlets:
        known = {f["url"] for s in following.list_sources(settings) for f in s["feeds"]}  # type: ignore[attr-defined]
        for outlet in outlets:
            profile = outlet.profile
            click.echo(f"sample outlet {profile.name} ({profile.lang}, {profile.country}) serving at {outlet.home_url}")
            if outlet.feed_url not in known:
                # the home page, as a reader would paste it: feed autodiscovery, else robots.txt's sitemap
                result = following.follow(settings, outlet.home_url, name=profile.name, country=profile.country)
                for feed in result.feeds:
                    click.echo(f"following {feed['kind']} {feed['url']} as source {result.source_id} ({result.name})")
        report = crawling.crawl(settings)
        print_report(report)
        for row in following.list_sources(settings):
            click.echo(f"source {row['id']} {row['name']}: {row['articles']} articles stored in {redact_url(settings.database_url)}")
        if serve:
            from newsdesk.web.server import run_server

            click.echo(f"reader site: http://{host}:{port}/  (Ctrl-C to stop)")
            run_server(settings, host=host, port=port, workers=1, log_level="warning")
