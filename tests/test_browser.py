"""What a person sees: the archive in a real headless Chromium, served by uvicorn on loopback.

Needs Debian's chromium (`apt-get install -y chromium`) and the playwright
package; no `playwright install` (no browser downloads here). Without chromium
the module is skipped, saying why (installing it takes root) — except under CI
(the CI environment variable set), where chromium is installed and a missing
one fails every test loudly.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from test_publish import REFERENCE_ID, XSS_ID, build_archive, question_path

from publish import make_datasette

pytestmark = pytest.mark.browser

def _find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


CHROMIUM = _find_chromium()
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip("chromium is not installed (apt-get install -y chromium, as root); "
                "these tests run in CI, where it is required", allow_module_level=True)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]
# Set before any page script runs, in every frame. The payloads assign window.__xss or
# call alert: each assignment and each dialog is logged in window.__xss_seen, so a
# payload is seen even if something resets the flag afterwards.
CANARY = """(() => {
  const seen = [];
  Object.defineProperty(window, "__xss_seen", {value: seen});
  let flag = 0;
  Object.defineProperty(window, "__xss", {
    get: () => flag, set: (value) => { flag = value; seen.push("__xss=" + String(value)); },
  });
  for (const name of ["alert", "confirm", "prompt"]) {
    window[name] = (...args) => { seen.push(name + "(" + args.join(",") + ")"); };
  }
})();"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = build_archive(tmp_path_factory.mktemp("browser") / "archive.db")
    port = _free_port()
    config = uvicorn.Config(make_datasette(path).app(), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if CHROMIUM is None:  # only under CI: elsewhere the module is skipped
        pytest.fail("chromium is missing: apt-get install -y chromium (CI installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is missing: pip install playwright (no `playwright install`)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    context.add_init_script(CANARY)
    opened = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    opened.on("dialog", on_dialog)
    opened.dialogs = dialogs
    yield opened
    context.close()


def _assert_nothing_ran(page: Any) -> None:
    # Everything the page loads has loaded (a broken image's onerror fires by "load")
    # and the network has been quiet for 500 ms: no fixed guess at how long a payload takes.
    page.wait_for_load_state("load")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss_seen") == []
    assert page.evaluate("window.__xss") == 0
    assert page.dialogs == []


def test_question_page(server: str, page: Any) -> None:
    page.goto(server + question_path(REFERENCE_ID))
    assert page.title() == "模型训练和模型预训练的区别"
    assert page.locator("h1").inner_text() == "模型训练和模型预训练的区别"
    answer = page.locator(".qa-answer").inner_text()
    assert answer.startswith("模型预训练和模型训练的区别在于训练数据集的规模和类型不同")
    assert "浏览: 76" in page.locator(".qa-meta").inner_text()
    links = page.locator(".qa-related a")
    assert links.all_inner_texts() == ["大模型和预训练语言模型区别", "模型和预训练模型的区别"]
    links.first.click()
    page.wait_for_url(server + question_path("8d3jq0w5pe"))
    assert page.locator("h1").inner_text() == "大模型和预训练语言模型区别"
    assert page.locator(".qa-linked-from a").all_inner_texts() == ["模型训练和模型预训练的区别"]
    _assert_nothing_ran(page)


def test_hostile_question_page_runs_nothing(server: str, page: Any) -> None:
    page.goto(server + question_path(XSS_ID))
    assert "<script>window.__xss=1;alert(1)</script>" in page.locator("h1").inner_text()
    answer = page.locator(".qa-answer")
    assert "print('code block')" in answer.inner_text()
    assert answer.locator("a", has_text="click me").count() == 0 or all(
        not (href or "").lower().startswith("javascript")
        for href in answer.locator("a").evaluate_all("els => els.map(e => e.href)"))
    _assert_nothing_ran(page)


def test_table_and_search_pages(server: str, page: Any) -> None:
    page.goto(f"{server}/archive/questions")
    assert "One row per question page" in page.locator(".metadata-description").inner_text()
    page.fill("#_search", "预训练模型")
    page.locator("form.filters input[type=submit]").click()
    # The table stays the table: its rows that match, in its order...
    page.wait_for_url("**/archive/questions?*_search=*")
    titles = page.locator("table.rows-and-columns td.col-title").all_inner_texts()
    assert sorted(titles) == sorted(["BERT预训练模型的微调", "模型和预训练模型的区别"])
    # ...with no facets until asked for; the heading says how many match.
    assert page.locator(".facet-info").count() == 0
    assert page.locator("h3").first.inner_text().startswith('2 questions match "预训练模型"')
    page.locator("a", has_text="Show facets").click()
    page.wait_for_url("**/archive/questions?*_showfacets=1*")
    assert page.locator(".facet-info").count() >= 3
    assert sorted(page.locator("table.rows-and-columns td.col-title").all_inner_texts()) == \
        sorted(titles)
    # ...and the ranked view is one link away.
    page.locator("a", has_text="Rank them by relevance").click()
    page.wait_for_url("**/archive/-/search?q=*")
    assert page.locator("table.qa-hits td a").all_inner_texts() == [
        "BERT预训练模型的微调", "模型和预训练模型的区别"]
    page.locator("table.qa-hits td a", has_text="BERT预训练模型的微调").click()
    page.wait_for_url(server + question_path("b3rtf1netu"))
    _assert_nothing_ran(page)
    for path in ("/archive/questions", "/archive/resources", "/archive/related_questions"):
        page.goto(server + path)
        _assert_nothing_ran(page)


def test_dashboard_draws_charts(server: str, page: Any) -> None:
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.goto(f"{server}/-/dashboards/archive")
    page.wait_for_selector("#card-questions-per-month svg, #card-questions-per-month canvas",
                           timeout=10_000)
    assert not [url for url in failed if url.startswith(server)]
