"""Serve one sample site in its own process (its own GIL), for the crawl benchmarks.

    python -m bench.serve_site --host 127.0.0.1 --port 8801 --pages 5000 [--prewarm]
        [--request-log PATH] [--max-seconds 900] [--layouts evidence=0.5] [--site qapage]

Prints ``ready <base_url>`` once every page is rendered and the socket
listens. Stops on SIGTERM/SIGINT (uvicorn's own handlers), or by itself after
``--max-seconds``, so a crashed benchmark never leaves it behind.

The listening socket is made here with ``IPPROTO_TCP`` rather than by
``sample_sites.server.bind_socket``: asyncio sets TCP_NODELAY only on
sockets whose ``proto`` is IPPROTO_TCP, and a socket made with proto 0 leaves
Nagle's algorithm on, so every response (headers, then body: two writes)
waits ~40 ms for the client's delayed ACK. See BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
from pathlib import Path

import uvicorn

from sample_sites.app import SampleSiteApp
from sample_sites.csdn.layouts import parse_mix
from sample_sites.qapage.content import QAPageSite
from sample_sites.server import base_url_for, uvicorn_config
from sample_sites.sites import DEFAULT_SITE, SITES, build_site


def _listening_socket(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def _prewarm(app: SampleSiteApp, pages: int) -> None:
    """Render every page before listening, so serving is a dict lookup, not the bottleneck."""
    render = getattr(app, "_page_entity", None)  # the site's own per-page cache
    if render is None:
        return
    site = app.site
    for index in range(pages):
        # A QAPage question's answers run over pages: ?page=2, ... are rendered too.
        parts = (site.question(index).answer_pages
                 if isinstance(site, QAPageSite) and site.status(index, 0) == 200 else 1)
        for part in range(1, parts + 1):
            render(index, "utf-8", part)
    app.prewarm_sitemaps()  # the memory benchmark also crawls from the site root


async def _serve(app: SampleSiteApp, sock: socket.socket, max_seconds: float) -> None:
    server = uvicorn.Server(uvicorn_config(app))
    loop = asyncio.get_running_loop()
    loop.call_later(max_seconds, setattr, server, "should_exit", True)
    serving = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started and not serving.done():
        await asyncio.sleep(0.01)
    host, port = sock.getsockname()[:2]
    print(f"ready {base_url_for(host, port)}", flush=True)
    await serving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--site", choices=SITES, default=DEFAULT_SITE)
    parser.add_argument("--request-log")
    parser.add_argument("--prewarm", action="store_true")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    parser.add_argument("--layouts", type=parse_mix, default=None,
                        help="share of pages per layout, e.g. evidence=0.5 "
                             "(default: reconstruction only)")
    options = parser.parse_args()
    site = build_site(options.site, pages=options.pages, seed=options.seed,
                      base_url=base_url_for(options.host, options.port),
                      layouts=options.layouts)
    with contextlib.ExitStack() as stack:
        log = (stack.enter_context(Path(options.request_log).open("a", encoding="utf-8"))
               if options.request_log else None)
        app = SampleSiteApp(site, request_log=log)
        if options.prewarm:
            _prewarm(app, options.pages)
        sock = _listening_socket(options.host, options.port)
        asyncio.run(_serve(app, sock, options.max_seconds))


if __name__ == "__main__":
    main()
