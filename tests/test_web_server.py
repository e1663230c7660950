"""The listening socket that ``newsdesk serve --workers N`` shares with its workers.

uvicorn binds it with ``proto`` 0, and asyncio then leaves Nagle's algorithm on for every accepted
connection (responses waited 44 ms on the client's delayed ACK). ``tcp_socket`` re-wraps it as TCP;
these tests accept a real loopback connection on the standard asyncio loop and read the option.
"""

from __future__ import annotations

import asyncio
import socket

import uvicorn

from newsdesk.web.server import tcp_socket


def _accepted_nodelay(listener: socket.socket) -> int:
    """TCP_NODELAY on the server side of one connection accepted by asyncio from ``listener``."""

    async def accept_one() -> int:
        loop = asyncio.get_running_loop()
        accepted: asyncio.Future[int] = loop.create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

        server = await loop.create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, 5)
        finally:
            writer.close()
            server.close()
            await server.wait_closed()

    return asyncio.run(accept_one())


def _uvicorn_socket() -> socket.socket:
    return uvicorn.Config("newsdesk.web.app:create_app", host="127.0.0.1", port=0, workers=2).bind_socket()


def test_workers_accept_connections_with_nodelay() -> None:
    """Without the re-wrap the same check reads 0 (uvicorn 0.54, Python 3.11)."""
    bound = _uvicorn_socket()
    port = bound.getsockname()[1]
    sock = tcp_socket(bound)
    assert sock.proto == socket.IPPROTO_TCP and sock.getsockname()[1] == port and sock.get_inheritable()
    assert _accepted_nodelay(sock) == 1


def test_a_socket_already_marked_tcp_is_kept() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP) as sock:
        assert tcp_socket(sock) is sock
