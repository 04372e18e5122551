"""robots.txt answers that are not a file of rules: 4xx allows all, 5xx or no server defers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from crawl_helpers import fresh_archive, run

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div><h1>标题</h1><div><span>时间:</span> 2023-06-23 11:03:20 <span>浏览:</span> 7</div></div>
<div><p>答案</p></div></body></html>"""


def _site(robots_status: int, requests: list[str]) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        requests.append(scope["path"])
        if scope["path"] == "/robots.txt":
            status, body = robots_status, b"nope"
        else:
            status, body = 200, PAGE.encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")]})
        await send({"type": "http.response.body", "body": body})

    return app


@contextlib.contextmanager
def _serving(app: Any) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_config=None,
                                           log_level="warning"))
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])),
                              daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(5)
        sock.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("status", [404, 403])
def test_a_4xx_robots_txt_allows_everything(tmp_path: Path, status: int) -> None:
    requests: list[str] = []
    with _serving(_site(status, requests)) as base:
        db = fresh_archive(tmp_path / "archive.db")
        report = run(db, [f"{base}/answer/abcdefghij"])
    assert requests == ["/robots.txt", "/answer/abcdefghij"]
    assert report.counts["fetched"] == 1 and report.counts["deferred"] == 0
    assert db.execute("SELECT state FROM frontier").fetchall() == [("done",)]


def test_a_5xx_robots_txt_defers_the_host(tmp_path: Path) -> None:
    requests: list[str] = []
    with _serving(_site(503, requests)) as base:
        db = fresh_archive(tmp_path / "archive.db")
        report = run(db, [f"{base}/answer/abcdefghij"], max_attempts=2)
    # robots.txt asked (and retried); the page never requested, kept for a later run.
    assert set(requests) == {"/robots.txt"}
    assert report.counts["fetched"] == 0 and report.counts["deferred"] == 1
    assert db.execute("SELECT state FROM frontier").fetchall() == [("deferred",)]
    assert any("deferred to a later run" in note for note in report.notes)


def test_an_unreachable_host_is_deferred_not_dropped(tmp_path: Path) -> None:
    db = fresh_archive(tmp_path / "archive.db")
    report = run(db, [f"http://127.0.0.1:{_free_port()}/answer/abcdefghij"], max_attempts=2)
    assert report.counts["deferred"] == 1 and not report.did_work
    assert db.execute("SELECT state FROM frontier").fetchall() == [("deferred",)]
