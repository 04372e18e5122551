"""How many answer pages per second the sample site serves: the number in README.md.

    python -m sample_sites.throughput [--pages 1000] [--requests 10000]
        [--concurrency 8] [--client raw|httpx]

Starts ``qarchive sample-site`` in a child process (its own GIL, as in the
benchmarks), fetches every page once to fill the render cache, then times
``--requests`` GETs of answer pages from ``--concurrency`` keep-alive connections
over loopback. ``raw`` is a minimal asyncio HTTP/1.1 client, so the number is the
site's; ``httpx`` (AsyncClient) is what a crawler pays on top, and is the slower side.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import subprocess
import sys
import time
from urllib.parse import urlsplit

import httpx

from .csdn.content import SampleSite
from .server import base_url_for, bind_socket

__all__ = ["measure"]


async def _fetch_raw(urls: list[str], concurrency: int) -> float:
    address = urlsplit(urls[0])
    host, port = address.hostname or "127.0.0.1", address.port or 80

    async def worker(paths: list[str]) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for path in paths:
                writer.write(f"GET {path} HTTP/1.1\r\nHost: {address.netloc}\r\n\r\n".encode())
                head = await reader.readuntil(b"\r\n\r\n")
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(f"{path}: {head.splitlines()[0]!r}")
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                assert length is not None
                await reader.readexactly(int(length.group(1)))
        finally:
            writer.close()
            await writer.wait_closed()

    paths = [urlsplit(url).path for url in urls]
    started = time.perf_counter()
    await asyncio.gather(*(worker(paths[i::concurrency]) for i in range(concurrency)))
    return time.perf_counter() - started


async def _fetch_httpx(urls: list[str], concurrency: int) -> float:
    queue = iter(urls)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            for url in queue:
                response = await client.get(url)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - started


def measure(
    *, pages: int = 1000, requests: int = 10_000, concurrency: int = 8, client: str = "raw"
) -> float:
    """Pages per second served to ``concurrency`` clients, after a warm-up pass."""
    fetch = _fetch_raw if client == "raw" else _fetch_httpx
    probe = bind_socket("127.0.0.1", 0)
    port = probe.getsockname()[1]
    probe.close()
    base_url = base_url_for("127.0.0.1", port)
    urls = SampleSite(pages=pages, base_url=base_url).answer_urls()
    command = [sys.executable, "-c",
               "from qarchive.commands.sample_site import sample_site_command as c; c()",
               "--port", str(port), "--pages", str(pages)]
    with subprocess.Popen(command, stdout=subprocess.PIPE) as server:
        try:
            assert server.stdout is not None
            server.stdout.readline()  # "Serving ..." once the socket listens
            asyncio.run(fetch(urls, concurrency))  # warm-up: render every page once
            timed = list(itertools.islice(itertools.cycle(urls), requests))
            elapsed = asyncio.run(fetch(timed, concurrency))
        finally:
            server.terminate()
            server.wait(10)
    return requests / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    options = parser.parse_args()
    rate = measure(pages=options.pages, requests=options.requests,
                   concurrency=options.concurrency, client=options.client)
    print(f"{rate:.0f} pages/s ({options.requests} requests, concurrency "
          f"{options.concurrency}, {options.pages}-page site, {options.client} client)")


if __name__ == "__main__":
    main()
