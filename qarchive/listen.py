"""The port `serve` and `demo` listen on, taken before any work, or one line saying why not."""

from __future__ import annotations

import errno
import socket

import click

__all__ = ["listen_or_exit"]


def listen_or_exit(host: str, port: int, *, what: str) -> socket.socket:
    """A listening socket on host:port (port 0: any free port) for ``what``.

    Taken first, so `demo` never crawls for minutes and then finds its port taken;
    a port in use says which option picks another.
    """
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:
        raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        reason = error.strerror or str(error)
        hint = (f"; another program is using it: pick a free port with --port "
                f"(for example --port {port + 1 if port < 65535 else 8001})"
                if error.errno == errno.EADDRINUSE else "; check --host")
        raise click.ClickException(
            f"cannot listen on {host}:{port} for {what} ({reason}){hint}") from None
    return sock
