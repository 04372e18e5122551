"""`qarchive demo`, run as a user runs it: a child process, the real sample site and Datasette."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlite_utils
from datasette.utils import path_from_row_pks

REPO = Path(__file__).resolve().parent.parent


def _demo(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "qarchive.cli", "demo", *args], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_crawls_the_sample_site_into_an_archive(tmp_path: Path) -> None:
    db_path = tmp_path / "demo.db"
    demo = _demo("--db", str(db_path), "--pages", "80", "--no-serve")
    _, stderr = demo.communicate(timeout=120)
    assert demo.returncode == 0, stderr
    assert "80 fetched (80 new" in stderr
    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT count(*) FROM questions WHERE is_fetched = 1").fetchone()[0] == 80
    assert db["crawl_runs"].count == 1
    # A second demo adds to the same archive instead of replacing it: same URLs, unchanged.
    again = _demo("--db", str(db_path), "--pages", "80", "--no-serve")
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0, stderr
    assert db.execute("SELECT count(*) FROM questions WHERE is_fetched = 1").fetchone()[0] == 80
    assert db["crawl_runs"].count == 2
    db.close()


def test_demo_serves_the_archive_until_ctrl_c(tmp_path: Path) -> None:
    port = _free_port()
    demo = _demo("--db", str(tmp_path / "demo.db"), "--pages", "40", "--port", str(port))
    try:
        deadline = time.monotonic() + 90
        page = None
        while time.monotonic() < deadline and demo.poll() is None:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/archive/questions.json?_shape=array",
                                 timeout=2)
                if page.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        assert page is not None and page.status_code == 200, demo.poll()
        rows = page.json()
        assert len(rows) >= 40 and all(row["title"] for row in rows)
        # A question's page: the row of its (site, id), tilde-encoded as Datasette does.
        key = path_from_row_pks(rows[0], ["site", "id"], False)
        question = httpx.get(f"http://127.0.0.1:{port}/archive/questions/{key}", timeout=5)
        assert question.status_code == 200 and rows[0]["title"] in question.text
    finally:
        demo.send_signal(signal.SIGINT)
        _, stderr = demo.communicate(timeout=30)
    assert demo.returncode == 0, stderr
    assert f"Datasette: http://127.0.0.1:{port}/archive" in stderr
    assert "Traceback" not in stderr, stderr  # Ctrl-C is the normal way to stop serving


def test_demo_crawls_the_qapage_site(tmp_path: Path) -> None:
    db_path = tmp_path / "qapage.db"
    demo = _demo("--site", "qapage", "--db", str(db_path), "--pages", "40", "--no-serve")
    _, stderr = demo.communicate(timeout=120)
    assert demo.returncode == 0, stderr
    assert "(40 questions, qapage)" in stderr and "0 parse errors" in stderr, stderr
    db = sqlite_utils.Database(db_path)
    assert db.execute("SELECT count(*) FROM questions WHERE is_fetched = 1").fetchone()[0] == 40
    db.close()
