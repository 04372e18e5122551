"""Serving the sample site with uvicorn: sockets, config, and raw access to connections.

ASGI gives an application no way to reset a connection or to hang up mid-body: the
server owns the socket. The ``reset`` and ``truncated`` faults need exactly that, so
the site runs uvicorn's own h11 protocol, subclassed only to remember each
connection's transport under the ``(server, client)`` address pair that uvicorn
also puts in the ASGI scope. Under any other server the app falls back to what
ASGI allows (see ``SampleSiteApp``).
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Mapping
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = [
    "SampleSiteProtocol",
    "abort_connection",
    "base_url_for",
    "bind_socket",
    "close_connection",
    "uvicorn_config",
]

_transports: dict[tuple[object, object], asyncio.Transport] = {}


class SampleSiteProtocol(H11Protocol):
    """uvicorn's h11 protocol, registering each connection's transport while it is open."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _transports[(self.server, self.client)] = transport

    def connection_lost(self, exc: Exception | None) -> None:
        _transports.pop((self.server, self.client), None)
        super().connection_lost(exc)


def _transport_for(scope: Mapping[str, Any]) -> asyncio.Transport | None:
    server, client = scope.get("server"), scope.get("client")
    # uvicorn puts the very tuples the protocol holds into the scope; other servers
    # may use lists, so compare as tuples.
    key = (tuple(server) if server else None, tuple(client) if client else None)
    return _transports.get(key)


def abort_connection(scope: Mapping[str, Any]) -> bool:
    """Reset the request's TCP connection (RST, not FIN); False if the server isn't ours."""
    transport = _transport_for(scope)
    if transport is None:
        return False
    sock = transport.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER on with a zero timeout makes close() send RST: the client sees
        # "connection reset by peer" rather than an orderly end of stream.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    return True


def close_connection(scope: Mapping[str, Any]) -> bool:
    """Close the request's connection after flushing what was written; False if not ours."""
    transport = _transport_for(scope)
    if transport is None:
        return False
    transport.close()
    return True


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port). OSError if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio turns on TCP_NODELAY only for sockets that say
    # so, and with Nagle on each response (headers, then body) waits ~40 ms for the
    # client's delayed ACK, capping a keep-alive connection at ~25 pages/s.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def base_url_for(host: str, port: int) -> str:
    """The URL pages link to; a wildcard bind address links to loopback."""
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def uvicorn_config(
    app: object, *, log_level: str = "warning", graceful_shutdown: int = 2
) -> uvicorn.Config:
    """uvicorn settings for the sample site; the caller passes the socket to ``serve``."""
    return uvicorn.Config(
        app,  # type: ignore[arg-type]
        http=SampleSiteProtocol,
        ws="none",
        lifespan="off",
        # None: leave the host program's logging alone (pytest, the qarchive CLI).
        log_config=None,
        log_level=log_level,
        access_log=False,
        # Long enough for real responses to finish, short enough that a trickling
        # response cannot hold Ctrl+C or a test teardown for minutes.
        timeout_graceful_shutdown=graceful_shutdown,
        timeout_keep_alive=30,
    )
