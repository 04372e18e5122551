"""Take docs/question-page.png: the reference question as `qarchive serve` shows it.

Builds a throwaway archive from the reference page, serves it on a free
loopback port and photographs it with Debian's headless chromium (playwright,
no browser download).

    python docs/screenshot.py [--out docs/question-page.png]
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing it

from archive import open_archive  # noqa: E402
from crawler.importer import import_files  # noqa: E402
from publish import make_datasette  # noqa: E402

REFERENCE_PAGE = ROOT / "crawler" / "data" / "reference-answer.html"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "question-page.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "archive.db"
        db = open_archive(path)
        import_files(db, [REFERENCE_PAGE])
        db.conn.close()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(
            make_datasette(path).app(), host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=options.chromium, headless=True, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1100, "height": 900})
                page.goto(f"http://127.0.0.1:{port}/archive/questions/2kxyq3m7vd")
                page.screenshot(path=str(options.out), full_page=True)
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=5)
    print(f"wrote {options.out}")


if __name__ == "__main__":
    main()
