"""The bundled sample site, over real HTTP: layout and truth, graph, robots, sitemaps,
conditional requests, epochs, every fault profile, determinism and the request log."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import pytest
from click.testing import CliRunner
from crawl_helpers import DEADLINE, wait_until
from defusedxml import ElementTree
from protego import Protego
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from tests_support import views_value

from qarchive.commands.sample_site import sample_site_command
from sample_sites import (
    FAULTS,
    RunningSampleSite,
    SampleSite,
    SampleSiteFactory,
    affected_urls,
    fault_assignments,
    render_answer_page,
    running_sample_site,
)
from sample_sites.faults import (
    RETRY_AFTER_DATE_SECONDS,
    SLOW_DELAY,
    TRICKLE_BYTES,
    TRICKLE_INTERVAL,
)

PAGES = 200
SEED = 3
SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSampleSite]:
    """One site with every fault on, shared by the module (each test uses its own URLs)."""
    log = tmp_path_factory.mktemp("sample-site") / "requests.jsonl"
    with running_sample_site(pages=PAGES, seed=SEED, faults=FAULTS, request_log=log) as running:
        yield running


# -- reading a page without the project's parser (so these tests stand on their own) -----


def _read(html: str, url: str) -> dict[str, Any]:
    tree = HTMLParser(html)
    h1 = tree.css_first("h1")
    assert h1 is not None
    time_text = tree.css_first(".meta-item.time").text().split(maxsplit=1)[1].strip()
    views_text = tree.css_first(".meta-item.views").text().split(maxsplit=1)[1].strip()
    moment = datetime.strptime(
        time_text, "%Y-%m-%d %H:%M:%S" if time_text.count(":") == 2 else "%Y-%m-%d %H:%M"
    )
    view_count, approximate = views_value(views_text)
    related = [
        {
            "position": position,
            "id": urljoin(url, item.css_first("a").attributes["href"] or "").rsplit("/", 1)[1],
            "url": urljoin(url, item.css_first("a").attributes["href"] or ""),
            "title": item.css_first("a").text(),
            "answer_text": item.css_first(".related-answer").text(),
        }
        for position, item in enumerate(tree.css(".related-questions li"), start=1)
    ]
    resources = []
    for panel in tree.css('[role="tabpanel"]'):
        for position, item in enumerate(panel.css(".recommend-item"), start=1):
            target = urljoin(url, item.css_first("a").attributes["href"] or "")
            icon = item.css_first('img[alt="recommend-type"]').attributes["src"] or ""
            resources.append({
                "section": panel.attributes["data-tab"],
                "position": position,
                "url": target,
                "title": item.css_first(".recommend-title").text(),
                "description": item.css_first(".recommend-desc").text(),
                "file_type": icon.rsplit("/", 1)[1].removesuffix(".png").lower(),
                "kind": urlsplit(target).path.split("/")[1],
            })
    return {
        "title": h1.text(),
        "asked_at": moment.isoformat() + "+08:00",
        "view_count": view_count,
        "view_count_approximate": approximate,
        "related_questions": related,
        "recommended_resources": resources,
        "sidebar_links": [
            urljoin(url, a.attributes["href"] or "") for a in tree.css(".hot-box a")
        ],
        "canonical": tree.css_first('link[rel="canonical"]').attributes["href"],
    }


def test_every_page_shows_what_the_truth_says(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    faulted = site.faulted_urls()
    checked = 0
    for url in site.answer_urls():
        if url in faulted:
            continue
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        shown = _read(response.text, url)
        expected = site.expected_record(url)
        assert shown.pop("canonical") == url
        for name, value in shown.items():
            assert value == expected[name], (url, name)
        for phrase in expected["answer_phrases"]:
            assert phrase in HTMLParser(response.text).css_first(".answer-content").text()
        checked += 1
    assert checked > PAGES * 0.6


def test_pages_parse_with_the_project_parser(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    from parsers import ParseError, parse_page  # not importable: a failure, never a skip
    faulted = site.faulted_urls()
    exact = ("url", "id", "title", "asked_at", "view_count", "view_count_approximate",
             "related_questions", "recommended_resources")
    for url in site.answer_urls():
        if url in faulted:
            continue
        page = parse_page(client.get(url).content, url).to_record()
        expected = site.expected_record(url)
        assert {k: page[k] for k in exact} == {k: expected[k] for k in exact}, url
        for phrase in expected["answer_phrases"]:
            assert phrase in page["answer_text"], (url, phrase)
        for block in expected["code_blocks"]:
            assert f"```{block['language']}\n" in page["answer_markdown"], url
            assert block["code"] in page["answer_markdown"], url
        public = [u for u in expected["sidebar_links"] if "/private/" not in u and "?" not in u]
        assert set(public) <= set(page["sidebar_links"]), url
    for url in site.affected_urls("gbk"):
        response = client.get(url)
        parsed = parse_page(response.content, url, charset=response.charset_encoding)
        assert parsed.title == site.expected_record(url)["title"]
    for fault in ("soft-404", "truncated-html"):
        for url in site.affected_urls(fault):
            with pytest.raises(ParseError):
                parse_page(client.get(url).content, url)


def test_content_varies_like_the_real_site() -> None:
    model = SampleSite(pages=PAGES, seed=SEED)
    html = [render_answer_page(model.content(i)) for i in model.answer_indexes()]
    records = [model.expected_record(i) for i in model.answer_indexes()]
    ids = [r["id"] for r in records]
    assert any(re.fullmatch(r"[0-9a-z]{10}", i) for i in ids)
    assert any(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)
    everything = "\n".join(html)
    for needle in ("时间:", "时间：", "浏览:", "浏览：", "万", "w</span>", "10万+", ",",
                   '<pre><code class="language-python">', "<ol>", "<ul>", "<table>", "<img",
                   "<code>", '<a href="https://', 'href="//127.0.0.1:8765/answer/',
                   'href="/answer/', 'href="http://127.0.0.1:8765/answer/', "PDF.png",
                   "ZIP.png", "UNKNOWN.png", "![", "**", "/private/answer/", "?print=1",
                   "模型", "预训练模型", "BERT", "How to"):
        assert needle in everything, needle
    assert any(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d</span>", page) for page in html)
    assert any(re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</span>", page) for page in html)
    block = 'class="related-questions"'
    assert any(not r["related_questions"] and block in page
               for r, page in zip(records, html, strict=True))  # block with no items
    assert any(block not in page for page in html)  # block left out
    assert any(not [x for x in r["recommended_resources"] if x["section"] == "latest"]
               for r in records)  # an empty tab panel
    kinds = {x["kind"] for r in records for x in r["recommended_resources"]}
    assert kinds == {"doc", "download", "column", "answer"}
    assert any("BERT" in r["title"] or "模型" in r["title"] for r in records)


def _answer_links(html: str, url: str) -> list[str]:
    tree = HTMLParser(html)
    return [urljoin(url, a.attributes["href"] or "") for a in tree.css(".related-questions a")]


def _crawl_related(client: httpx.Client, base_url: str) -> set[str]:
    index = HTMLParser(client.get(base_url + "/").text)
    start = urljoin(base_url, index.css_first("a.start").attributes["href"] or "")
    seen, queue = {start}, [start]
    while queue:
        url = queue.pop()
        response = client.get(url)
        assert response.status_code == 200, url
        for link in _answer_links(response.text, url):
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return seen


def test_epochs_change_the_site_and_keep_it_connected(
    sample_site_factory: SampleSiteFactory, client: httpx.Client
) -> None:
    running = sample_site_factory(pages=PAGES, seed=SEED)
    before = {url: client.get(url) for url in running.answer_urls()}
    assert _crawl_related(client, running.base_url) == set(before)

    response = client.post(running.url("/_admin/epoch/3"))
    assert response.json()["epoch"] == running.epoch == 3
    after = set(running.answer_urls())
    assert _crawl_related(client, running.base_url) == after
    model = running.site
    created, removed = after - set(before), set(before) - after
    assert created and all(model.created_epoch(model.index_of(u, epoch=3) or 0) > 0
                           for u in created)
    assert removed
    assert {client.get(url).status_code for url in removed} <= {404, 410}
    edited = [u for u in before if u in after and model.version(model.index_of(u) or 0, 3)]
    assert edited
    for url in edited:
        response = client.get(url, headers={"if-none-match": before[url].headers["etag"]})
        assert response.status_code == 200 and response.headers["etag"] != before[url].headers[
            "etag"]
        assert "补充说明(第1次修改)" in response.text
    unchanged = [u for u in before if u in after
                 and model.last_modified(model.index_of(u) or 0, 3)
                 == model.last_modified(model.index_of(u) or 0, 0)]
    assert unchanged
    for url in unchanged[:20]:
        response = client.get(url, headers={"if-none-match": before[url].headers["etag"]})
        assert response.status_code == 304
    grown = [u for u in after & set(before)
             if running.expected_record(u, epoch=3)["view_count"]
             > running.expected_record(u, epoch=0)["view_count"]]
    assert grown
    changes = [model.changes(e) for e in (1, 2, 3)]
    assert set().union(*(c.created for c in changes)) == created
    assert set().union(*(c.removed for c in changes)) == removed


def test_robots_txt(site: RunningSampleSite, sample_site_factory: SampleSiteFactory,
                    client: httpx.Client) -> None:
    text = client.get(site.url("/robots.txt")).text
    assert "Disallow: /private/\n" in text and "Disallow: /*?print=1$\n" in text
    assert f"Sitemap: {site.base_url}/sitemap.xml\n" in text
    assert "Crawl-delay" not in text
    robots = Protego.parse(text)
    page = site.root_url
    assert robots.can_fetch(page, "qarchive/0.1")
    assert not robots.can_fetch(page + "?print=1", "qarchive/0.1")
    assert not robots.can_fetch(site.url("/private/answer/abcdefghij"), "qarchive/0.1")
    assert not robots.can_fetch(page, "GreedyBot")
    assert list(robots.sitemaps) == [site.url("/sitemap.xml")]
    slow = sample_site_factory(pages=10, crawl_delay=1.5)
    assert Protego.parse(client.get(slow.url("/robots.txt")).text).crawl_delay("x") == 1.5


def test_sitemaps_list_every_answer_page_with_lastmod(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    index = ElementTree.fromstring(client.get(site.url("/sitemap.xml")).content)
    listed: dict[str, str] = {}
    for sitemap in index.iter(f"{SITEMAP_NS}sitemap"):
        loc = sitemap.findtext(f"{SITEMAP_NS}loc")
        assert loc and re.search(r"/sitemaps/sitemap-\d+\.xml\.gz$", loc)
        response = client.get(loc)
        assert response.headers["content-type"] == "application/gzip"
        urlset = ElementTree.fromstring(gzip.decompress(response.content))
        entries = list(urlset.iter(f"{SITEMAP_NS}url"))
        assert 0 < len(entries) <= 500
        for entry in entries:
            listed[entry.findtext(f"{SITEMAP_NS}loc") or ""] = (
                entry.findtext(f"{SITEMAP_NS}lastmod") or "")
    assert set(listed) == set(site.answer_urls())
    root = client.get(site.root_url)
    lastmod = datetime.fromisoformat(listed[site.root_url])
    assert lastmod == parsedate_to_datetime(root.headers["last-modified"])


def test_conditional_requests_get_304(site: RunningSampleSite, client: httpx.Client) -> None:
    first = client.get(site.root_url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert re.fullmatch(r'"[0-9a-f]+"', etag)
    for headers in ({"if-none-match": etag}, {"if-none-match": f'"x", W/{etag}'},
                    {"if-modified-since": modified}):
        response = client.get(site.root_url, headers=headers)
        assert response.status_code == 304 and response.content == b""
        assert response.headers["etag"] == etag
    assert client.get(site.root_url, headers={"if-none-match": '"other"',
                                               "if-modified-since": modified}).status_code == 200
    old = "Mon, 01 Jan 2018 00:00:00 GMT"
    assert client.get(site.root_url, headers={"if-modified-since": old}).status_code == 200
    for path in ("/", "/robots.txt", "/sitemap.xml", "/doc/abc", "/download/u/1", "/column/x"):
        response = client.get(site.url(path))
        assert response.status_code == 200 and "etag" in response.headers, path
        assert "last-modified" in response.headers
    assert client.head(site.root_url).headers["content-length"] == str(len(first.content))
    assert client.post(site.root_url).status_code == 405
    assert client.get(site.url("/nothing/here")).status_code == 404
    assert client.get(site.url("/answer/zzzzzzzzzz")).status_code == 404


def test_fault_pages_are_a_fixed_disjoint_subset_of_leaves(site: RunningSampleSite) -> None:
    seen: set[str] = set()
    for fault in FAULTS:
        urls = site.affected_urls(fault)
        assert urls, fault
        assert urls == affected_urls(fault, pages=PAGES, seed=SEED, base_url=site.base_url)
        assert not seen & set(urls)
        seen |= set(urls)
    assert site.root_url not in seen
    model = site.site
    assert all(not model.is_internal(i) for i in fault_assignments(model))
    assert len(seen) < PAGES * 0.4
    with pytest.raises(ValueError, match="unknown fault"):
        affected_urls("teapot")


def test_rate_limit_faults(site: RunningSampleSite, client: httpx.Client) -> None:
    url = site.affected_urls("429")[0]
    statuses = [client.get(url) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["retry-after"] == "1"
    url = site.affected_urls("429-date")[0]
    logged = len(site.request_log_entries())
    refused = client.get(url)
    assert refused.status_code == 429
    when = parsedate_to_datetime(refused.headers["retry-after"]).timestamp()
    # Against the server's own clock when it answered (ours may read it much later on a
    # busy machine): 2 s ahead, cut to whole seconds, so more than 1 s ahead.
    [entry] = [e for e in site.request_log_entries()[logged:] if e["path"] == urlsplit(url).path]
    assert entry["status"] == 429 and entry["retry_after"] == refused.headers["retry-after"]
    assert 0.99 < when - entry["time"] <= RETRY_AFTER_DATE_SECONDS + entry["duration"]
    url = site.affected_urls("503")[0]
    assert [client.get(url).status_code for _ in range(4)] == [503, 503, 503, 200]


def _logged(site: RunningSampleSite, since: int, url: str) -> list[dict[str, Any]]:
    path = urlsplit(url).path
    return [e for e in site.request_log_entries()[since:] if e["path"] == path]


def test_slow_and_trickle(site: RunningSampleSite, client: httpx.Client) -> None:
    url = site.affected_urls("slow")[0]
    logged = len(site.request_log_entries())
    with pytest.raises(httpx.ReadTimeout):  # headers come SLOW_DELAY (1 s) after arrival
        client.get(url, timeout=httpx.Timeout(DEADLINE, read=0.3))
    assert client.get(url).status_code == 200
    # The server's own account: each answer waited the delay (a lower bound: a busy
    # machine only lengthens it).
    answered = [e for e in _logged(site, logged, url) if e["status"] == 200]
    assert answered and all(e["duration"] >= SLOW_DELAY - 0.01 for e in answered), answered

    url = site.affected_urls("trickle")[0]
    logged = len(site.request_log_entries())
    # A read timeout alone never fires: bytes keep coming (every TRICKLE_INTERVAL, far
    # inside 5 s). Only a deadline ends it; here, we hang up after a few chunks.
    with (httpx.Client(timeout=httpx.Timeout(DEADLINE, read=5.0)) as own,
          own.stream("GET", url) as response):
        length = int(response.headers["content-length"])
        received = 0
        for chunk in response.iter_raw():
            received += len(chunk)
            if received >= 3 * TRICKLE_BYTES:
                break
    assert 0 < received < length / 10
    # The server saw the request cut: its line is logged when the client goes away
    # (the whole body would take ~20 minutes), after trickling for at least 2 intervals.
    [entry] = wait_until(lambda: _logged(site, logged, url), "the trickle request logged")
    assert entry["status"] == 200 and entry["fault"] == "trickle"
    assert 2 * TRICKLE_INTERVAL - 0.01 <= entry["duration"] < (
        length / TRICKLE_BYTES * TRICKLE_INTERVAL)


def test_broken_connections(site: RunningSampleSite, client: httpx.Client) -> None:
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(site.affected_urls("reset")[0])
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(site.affected_urls("truncated")[0])
    cut = client.get(site.affected_urls("truncated-html")[0])
    assert cut.status_code == 200 and "<h1" not in cut.text and "</html>" not in cut.text


def test_redirects(site: RunningSampleSite, client: httpx.Client) -> None:
    url = site.affected_urls("redirect")[0]
    response = client.get(url, follow_redirects=True)
    assert [r.status_code for r in response.history] == [301, 302, 307]
    assert str(response.url) == url + "?via=redirect"
    assert f'<link rel="canonical" href="{url}">' in response.text
    with pytest.raises(httpx.TooManyRedirects):
        client.get(site.affected_urls("redirect-loop")[0], follow_redirects=True)


def test_oversized_and_gzip_bomb_are_big_only_when_read(
    site: RunningSampleSite, client: httpx.Client
) -> None:
    cap = 8 * 1024 * 1024
    with client.stream("GET", site.affected_urls("oversized")[0]) as response:
        assert int(response.headers["content-length"]) >= 20 * 1024 * 1024
        assert next(response.iter_raw()).startswith(b"<!DOCTYPE html>")
    with client.stream("GET", site.affected_urls("gzip-bomb")[0]) as response:
        assert response.headers["content-encoding"] == "gzip"
        assert int(response.headers["content-length"]) < 2 * 1024 * 1024
        inflated = 0
        for chunk in response.iter_bytes():
            inflated += len(chunk)
            if inflated > cap:
                break
        assert inflated > cap


def test_charsets_soft_404_and_non_html(site: RunningSampleSite, client: httpx.Client) -> None:
    for url in site.affected_urls("gbk"):
        response = client.get(url)
        assert response.headers["content-type"] == "text/html; charset=gbk"
        text = response.content.decode("gbk")
        assert '<meta charset="gbk">' in text
        assert site.expected_record(url)["title"] in _read(text, url)["title"]
    for url in site.affected_urls("wrong-charset"):
        response = client.get(url)
        assert response.headers["content-type"] == "text/html; charset=iso-8859-1"
        assert '<meta charset="utf-8">' in response.content.decode("utf-8")
    for url in site.affected_urls("soft-404"):
        response = client.get(url)
        assert response.status_code == 200 and "页面不存在" in response.text
        assert "answer-title" not in response.text
    types = {client.get(url).headers["content-type"] for url in site.affected_urls("non-html")}
    assert types and types <= {"application/pdf", "application/json"}


def test_same_seed_same_bytes(site: RunningSampleSite, client: httpx.Client) -> None:
    first = SampleSite(pages=PAGES, seed=SEED, base_url=site.base_url)
    second = SampleSite(pages=PAGES, seed=SEED, base_url=site.base_url)
    other = SampleSite(pages=PAGES, seed=SEED + 1, base_url=site.base_url)
    for index in range(0, PAGES, 7):
        assert render_answer_page(first.content(index)) == render_answer_page(
            second.content(index))
    assert render_answer_page(first.content(0)) != render_answer_page(other.content(0))
    served = client.get(site.root_url).text
    assert served == render_answer_page(first.content(0))


def test_request_log(site: RunningSampleSite, client: httpx.Client) -> None:
    logged = len(site.request_log_entries())
    etag = client.get(site.root_url).headers["etag"]
    client.get(site.root_url, headers={"if-none-match": etag})
    entries = site.request_log_entries()[logged:]
    assert [e["status"] for e in entries] == [200, 304]
    last = entries[-1]
    assert last["path"] == urlsplit(site.root_url).path and last["method"] == "GET"
    assert last["user_agent"] == "qarchive-tests/1" and last["if_none_match"] == etag
    assert isinstance(last["time"], float) and last["time"] >= entries[-2]["time"]
    everything = site.request_log_entries()
    assert any(e["retry_after"] == "1" and e["status"] == 429 for e in everything)
    assert any(e["status"] is None and e["fault"] == "reset" for e in everything)


def test_fixture_takes_options(sample_site: RunningSampleSite, tmp_path: Path,
                               sample_site_factory: SampleSiteFactory) -> None:
    assert sample_site.pages == 200 and sample_site.faults == ()
    logged = sample_site_factory(pages=5, seed=9, epoch=1, request_log=tmp_path / "r.jsonl")
    assert logged.epoch == 1 and len(logged.answer_urls()) == 6
    httpx.get(logged.root_url).raise_for_status()
    assert len(logged.request_log_entries()) == 1


@pytest.mark.sample_site(pages=12, faults=["slow"])
def test_fixture_marker(sample_site: RunningSampleSite) -> None:
    assert sample_site.pages == 12 and sample_site.faults == ("slow",)


def test_command_line() -> None:
    runner = CliRunner()
    result = runner.invoke(sample_site_command, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output and "default 1000" in result.output
    result = runner.invoke(sample_site_command, ["--faults", "429,teapot"])
    assert result.exit_code == 2 and "unknown fault teapot" in result.output
    result = runner.invoke(sample_site_command, ["--pages", "0"])
    assert result.exit_code == 2 and "--pages" in result.output
    with running_sample_site(pages=3) as taken:
        port = urlsplit(taken.base_url).port
        result = runner.invoke(sample_site_command, ["--port", str(port)])
        assert result.exit_code == 1 and "pick another --port" in result.output
