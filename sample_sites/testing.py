"""Running the sample site inside a Python process: for tests, the demo and benchmarks.

>>> with running_sample_site(pages=300, seed=1) as site:   # doctest: +SKIP
...     httpx.get(site.root_url).status_code
200

The server is uvicorn on its own event loop in a background thread, listening on a
socket bound before it starts (port 0 picks a free port, with no race). pytest
fixtures built on this live in ``tests/sample_site_plugin.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import uvicorn

from .app import SampleSiteApp
from .csdn.content import SampleSite
from .faults import fault_assignments
from .qapage.content import QAPageSite
from .server import base_url_for, bind_socket, uvicorn_config
from .sites import DEFAULT_SITE, build_site, site_name

__all__ = ["RunningSampleSite", "SampleSiteFactory", "running_sample_site"]

_STARTUP_TIMEOUT = 10.0
_SHUTDOWN_TIMEOUT = 15.0


class RunningSampleSite:
    """A sample site being served: where it is, and what it should say.

    The same questions for either site (``site_name`` says which): ``root_url``,
    ``answer_urls()`` (every archived page that answers 200), ``expected_record(url)``,
    ``affected_urls(fault)``, ``set_epoch(k)``, ``site.changes(k)``. The QAPage site adds
    ``expected_question(url)`` and ``answer_page_urls(url)``; the CSDN site ``layout(url)``.
    """

    def __init__(
        self,
        *,
        base_url: str,
        app: SampleSiteApp,
        loop: asyncio.AbstractEventLoop,
        request_log: Path | None,
    ) -> None:
        self.base_url = base_url
        self.app = app
        self.request_log = request_log
        self._loop = loop
        self.site_name = site_name(app.site)
        # The server thread owns app.site; this twin answers questions from the caller's thread.
        self.site: Any = build_site(
            self.site_name, pages=app.site.pages, seed=app.site.seed, base_url=base_url,
            layouts=getattr(app.site, "layouts", None),
            layout_switch=getattr(app.site, "layout_switch", None))

    @property
    def pages(self) -> int:
        return self.site.pages

    @property
    def seed(self) -> int:
        return self.site.seed

    @property
    def faults(self) -> tuple[str, ...]:
        return self.app.faults

    @property
    def epoch(self) -> int:
        return self.app.epoch

    @property
    def root_url(self) -> str:
        return self.site.root_url

    def layout(self, page: int | str, *, epoch: int | None = None) -> str:
        """The layout ``page`` (index, id or URL) is served in at ``epoch`` (default: now)."""
        epoch = self.epoch if epoch is None else epoch
        if not isinstance(self.site, SampleSite):
            raise ValueError("layouts are the csdn site's; the qapage site has one layout")
        index = self.site.index_of(page, epoch=epoch)
        if index is None:
            raise KeyError(f"no answer page {page!r} at epoch {epoch}")
        return self.site.layout(index, epoch)

    def url(self, path: str) -> str:
        """``site.url("/robots.txt")`` → ``http://127.0.0.1:<port>/robots.txt``."""
        return self.base_url + path

    def set_epoch(self, epoch: int) -> None:
        """Move the running site to ``epoch`` (same as ``POST /_admin/epoch/<epoch>``)."""

        async def move() -> None:
            self.app.set_epoch(epoch)

        asyncio.run_coroutine_threadsafe(move(), self._loop).result(timeout=5)

    def answer_urls(self, *, epoch: int | None = None) -> list[str]:
        """Every page URL that answers 200 at ``epoch`` (default: the current one): CSDN
        answer pages, QAPage questions (their first page; see ``answer_page_urls``)."""
        return list(self.site.answer_urls(self.epoch if epoch is None else epoch))

    def expected_record(self, page: int | str, *, epoch: int | None = None) -> dict[str, Any]:
        """What a correct parser extracts from ``page`` (index, id or URL; on the QAPage
        site ``?page=N`` picks the answers page); see each site's ``expected_record``."""
        result: dict[str, Any] = self.site.expected_record(
            page, epoch=self.epoch if epoch is None else epoch)
        return result

    def expected_question(self, page: int | str, *, epoch: int | None = None) -> dict[str, Any]:
        """QAPage: the whole question, every answer over all its pages."""
        return self._qapage().expected_question(
            page, epoch=self.epoch if epoch is None else epoch)

    def answer_page_urls(self, page: int | str, *, epoch: int | None = None) -> list[str]:
        """QAPage: every URL a question's answers are on (the page, ``?page=2``, ...)."""
        return self._qapage().page_urls(page, epoch=self.epoch if epoch is None else epoch)

    def _qapage(self) -> QAPageSite:
        if not isinstance(self.site, QAPageSite):
            raise ValueError("only the qapage site pages its answers")
        return self.site

    def affected_urls(self, fault: str) -> list[str]:
        """The answer URLs ``fault`` hits on this site (whether or not it is enabled)."""
        return sorted(
            self.site.url_of(index)
            for index, name in fault_assignments(self.site).items()
            if name == fault
        )

    def faulted_urls(self) -> set[str]:
        """Every page URL some fault hits on this site (whether or not it is enabled)."""
        return {self.site.url_of(index) for index in fault_assignments(self.site)}

    def request_log_entries(self) -> list[dict[str, Any]]:
        """The request log so far, one dict per request, oldest first."""
        if self.request_log is None:
            raise ValueError("start the site with request_log=PATH to log requests")
        with self.request_log.open(encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]


@contextlib.contextmanager
def running_sample_site(
    *,
    site: str = DEFAULT_SITE,
    pages: int | None = None,
    seed: int = 0,
    faults: Sequence[str] = (),
    epoch: int = 0,
    request_log: str | os.PathLike[str] | None = None,
    crawl_delay: float | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    layouts: Mapping[str, float] | None = None,
    layout_switch: tuple[int, Mapping[str, float]] | None = None,
) -> Iterator[RunningSampleSite]:
    """Serve a sample site on ``host:port`` (0: a free port) for the duration of the block.

    ``site`` is ``csdn`` (the default) or ``qapage``; ``pages`` None is the site's default
    size (1,000 CSDN answer pages, 300 QAPage questions).
    ``layouts`` is the share of pages per layout, e.g. ``{"evidence": 0.5}`` (the rest
    stay ``reconstruction``, the default for every page); ``layout_switch=(epoch, mix)``
    serves ``mix`` instead from ``epoch`` on. See ``sample_sites/csdn/layouts.py``.
    """
    sock = bind_socket(host, port)
    log_path = Path(request_log) if request_log is not None else None
    log_file: TextIO | None = None
    try:
        base_url = base_url_for(host, sock.getsockname()[1])
        model = build_site(site, pages=pages, seed=seed, base_url=base_url, layouts=layouts,
                           layout_switch=layout_switch)
        if log_path is not None:
            log_file = log_path.open("a", encoding="utf-8")
        app = SampleSiteApp(model, faults=tuple(faults), epoch=epoch, crawl_delay=crawl_delay,
                            request_log=log_file)
        with _serving(app, sock) as loop:
            yield RunningSampleSite(base_url=base_url, app=app, loop=loop, request_log=log_path)
    finally:
        sock.close()
        if log_file is not None:
            log_file.close()


@contextlib.contextmanager
def _serving(app: SampleSiteApp, sock: Any) -> Iterator[asyncio.AbstractEventLoop]:
    server = uvicorn.Server(uvicorn_config(app))
    loops: list[asyncio.AbstractEventLoop] = []
    errors: list[BaseException] = []

    async def serve() -> None:
        loops.append(asyncio.get_running_loop())
        await server.serve(sockets=[sock])

    def run() -> None:
        try:
            asyncio.run(serve())
        except BaseException as error:  # reported to the starting thread below
            errors.append(error)

    thread = threading.Thread(target=run, name="qarchive-sample-site", daemon=True)
    thread.start()
    deadline = time.monotonic() + _STARTUP_TIMEOUT
    while not server.started:
        if errors or not thread.is_alive():
            raise RuntimeError(f"sample site failed to start: {errors[:1]}")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("sample site did not start within 10 s")
        time.sleep(0.01)
    try:
        yield loops[0]
    finally:
        app.stopping = True  # trickling responses finish instead of holding shutdown
        server.should_exit = True
        thread.join(_SHUTDOWN_TIMEOUT)


class SampleSiteFactory:
    """Starts sample sites on demand and stops them all on ``close()``: a fixture's engine."""

    def __init__(self, **defaults: Any) -> None:
        self._defaults = defaults
        self._stack = contextlib.ExitStack()

    def __call__(self, **options: Any) -> RunningSampleSite:
        """Options as for :func:`running_sample_site`, over the factory's defaults."""
        return self._stack.enter_context(running_sample_site(**{**self._defaults, **options}))

    def close(self) -> None:
        self._stack.close()
