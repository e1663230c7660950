"""Running the reader site under uvicorn: one process, or several sharing one listening socket.

Why not ``uvicorn.run(..., workers=N)`` as it is: for several workers uvicorn binds the socket as
``socket.socket(family)``, whose ``proto`` attribute is 0, and asyncio sets TCP_NODELAY only on
sockets whose ``proto`` says TCP. Every accepted connection then waits on Nagle's algorithm and
the client's delayed ACK: a keep-alive client saw each response 44 ms late (about 1,100 req/s from
2 workers instead of thousands; ``bench/web.py``). The socket is re-wrapped with ``IPPROTO_TCP``
before the workers inherit it. uvloop sets the option itself, so this matters on the standard loop.

X-Forwarded-For is honoured only from the proxies in ``trusted_proxies`` (``uvicorn_options``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from typing import Any

from newsdesk.settings import Settings


def run_server(settings: Settings, *, host: str, port: int, workers: int, log_level: str) -> None:
    """Upgrade the schema, then serve the site with uvicorn until interrupted."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from newsdesk.store.db import upgrade

    upgrade(settings.database_url)
    if workers <= 1:
        from newsdesk.web.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, **uvicorn_options(settings))
        return
    # Worker processes rebuild settings from the environment: hand them the effective values,
    # and one shared secret so a session or CSRF token from one worker is valid in the others.
    os.environ["NEWSDESK_DATABASE_URL"] = settings.database_url
    if settings.secret_key is None and "NEWSDESK_SECRET_KEY" not in os.environ:
        os.environ["NEWSDESK_SECRET_KEY"] = secrets.token_urlsafe(32)
    config = uvicorn.Config("newsdesk.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                            log_level=log_level, **uvicorn_options(settings))
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C stops the workers; not an error
        Multiprocess(config, sockets=[tcp_socket(config.bind_socket())]).run()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Forwarded headers believed only from ``trusted_proxies``. uvicorn's own default trusts
    127.0.0.1 (or $FORWARDED_ALLOW_IPS), so any local client could claim any address with
    X-Forwarded-For and slip past the login and comment limits."""
    trusted = settings.trusted_proxy_list
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted, "server_header": False}


def tcp_socket(bound: socket.socket) -> socket.socket:
    """The same listening socket, told that it is TCP (see the module docstring)."""
    if bound.family not in (socket.AF_INET, socket.AF_INET6) or bound.proto == socket.IPPROTO_TCP:
        return bound
    sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
    sock.set_inheritable(True)
    return sock
