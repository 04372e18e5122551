"""The peer crawler: a Scrapy spider doing qarchive's crawl, run as its own process.

    python -m bench.scrapy_spider START_URL --db peer.db --concurrency 8 --max-pages 5000
        [--site qapage]

Same work as ``qarchive crawl``: obeys robots.txt, follows links to question pages,
extracts the same fields and stores them with the zlib-compressed raw body in SQLite,
committing in batches of 200 (qarchive's writer batch). Scrapy's own defaults are kept
otherwise. One spider and one store per sample site:

* ``csdn``: related-question and sidebar links to answer pages; fields by
  ``bench.extractors`` over ``response.selector`` (parsel); questions, related links
  and resources.
* ``qapage``: related and linked questions and the answers' ``?page=N`` pages; the
  schema.org Question by extruct (JSON-LD + microdata, ``bench.qapage_extruct``), tags
  by parsel; questions, answers and tags.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sqlite3
import zlib
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess

from bench.extractors import extract_parsel_selector
from bench.qapage_extruct import extruct_question
from parsers.sites.csdn import answer_id_from_url

_CSDN_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (id TEXT PRIMARY KEY, url TEXT, title TEXT, asked_at TEXT,
    view_count INTEGER, view_count_approximate INTEGER, answer_text TEXT);
CREATE TABLE IF NOT EXISTS related_questions (from_id TEXT, to_id TEXT, position INTEGER,
    title TEXT, answer_text TEXT, PRIMARY KEY (from_id, position));
CREATE TABLE IF NOT EXISTS resources (url TEXT PRIMARY KEY, kind TEXT, file_type TEXT,
    title TEXT, description TEXT);
CREATE TABLE IF NOT EXISTS question_resources (question_id TEXT, resource_url TEXT,
    section TEXT, position INTEGER, PRIMARY KEY (question_id, section, position));
"""
_QAPAGE_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (id TEXT PRIMARY KEY, url TEXT, title TEXT, asked_at TEXT,
    question_text TEXT, question_votes INTEGER, answer_count INTEGER, author TEXT);
CREATE TABLE IF NOT EXISTS answers (question_id TEXT, id TEXT, page INTEGER, position INTEGER,
    text TEXT, votes INTEGER, accepted INTEGER, author TEXT, created_at TEXT,
    PRIMARY KEY (question_id, id));
CREATE TABLE IF NOT EXISTS tags (name TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS question_tags (question_id TEXT, tag TEXT, position INTEGER,
    PRIMARY KEY (question_id, tag));
"""
_PAGES_SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, status INTEGER, content_hash TEXT,
    body BLOB, body_size INTEGER, question_id TEXT);
"""
_BATCH = 200
# A question page on the QAPage site, as qarchive's QAPage profile follows them:
# /questions/<id>/<slug>, and ?page=N (N >= 2) for its further answers.
_QUESTION_PATH = re.compile(r"/questions/(\d+)/[^/]+")
_ANSWERS_PAGE = re.compile(r"page=(\d+)")
_ANSWER_ID = re.compile(r"/a/(\d+)")


class _SeededSpider(scrapy.Spider):
    """A spider that starts from one URL, as ``qarchive crawl`` does from its seed."""

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]


class AnswerSpider(_SeededSpider):
    name = "answers"

    def parse(self, response: Any) -> Any:
        if answer_id_from_url(response.url) is None:
            return
        record = extract_parsel_selector(response.selector, response.url)
        record["url"] = response.url
        record["status"] = response.status
        record["body"] = response.body
        yield record
        for _, link, _, _ in record["related"]:
            yield response.follow(link, callback=self.parse)
        for link in record["sidebar_links"]:
            yield response.follow(link, callback=self.parse)


def _question_page(url: str) -> tuple[str, int] | None:
    """(question id, answers page) of a QAPage question URL; None for any other URL."""
    parts = urlsplit(url)
    match = _QUESTION_PATH.fullmatch(parts.path)
    if match is None:
        return None
    if not parts.query:
        return match.group(1), 1
    page = _ANSWERS_PAGE.fullmatch(parts.query)
    return (match.group(1), int(page.group(1))) if page else None


class QuestionSpider(_SeededSpider):
    name = "questions"

    def parse(self, response: Any) -> Any:
        found = _question_page(response.url)
        if found is None:
            return
        question = extruct_question(response.body, response.url, keep_space=True)
        if question is None:
            return
        yield {
            "id": found[0], "page": found[1], "url": response.url, "status": response.status,
            "body": response.body, "question": question,
            "tags": response.css("a.post-tag::text").getall(),
        }
        host = urlsplit(response.url).netloc
        for href in response.css("a::attr(href)").getall():
            link = response.urljoin(href)
            target = _question_page(link)
            # ?page=1 is the question's own URL: qarchive's canonical form drops it.
            if target is None or (target[1] == 1 and urlsplit(link).query):
                continue
            if urlsplit(link).netloc == host:
                yield response.follow(link, callback=self.parse)


class SQLitePipeline:
    """One writer, batched transactions: what qarchive's writer does."""

    schema = _CSDN_SCHEMA

    def __init__(self, path: str) -> None:
        self.path = path
        self.pending: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> SQLitePipeline:
        return cls(crawler.settings.get("BENCH_DB"))

    def open_spider(self, spider: Any = None) -> None:
        self.conn = sqlite3.connect(self.path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.executescript(self.schema + _PAGES_SCHEMA)

    def close_spider(self, spider: Any = None) -> None:
        self._flush()
        self.conn.close()

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        self.pending.append(item)
        if len(self.pending) >= _BATCH:
            self._flush()
        return item

    def _flush(self) -> None:
        if not self.pending:
            return
        conn = self.conn
        conn.execute("BEGIN")
        for item in self.pending:
            self.store(item)
            body = item["body"]
            conn.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)",
                [item["url"], item["status"], hashlib.sha256(body).hexdigest(),
                 zlib.compress(body, 6), len(body), item["id"]],
            )
        conn.execute("COMMIT")
        self.pending.clear()

    def store(self, item: dict[str, Any]) -> None:
        """A CSDN answer page: its question, related links and resources."""
        conn = self.conn
        qid = item["id"]
        conn.execute(
            "INSERT OR REPLACE INTO questions VALUES (?, ?, ?, ?, ?, ?, ?)",
            [qid, item["url"], item["title"], item["asked_at"], item["view_count"],
             int(item["view_count_approximate"]), item["answer_text"]],
        )
        conn.execute("DELETE FROM related_questions WHERE from_id = ?", [qid])
        conn.executemany(
            "INSERT INTO related_questions VALUES (?, ?, ?, ?, ?)",
            [(qid, to_id, position, title, text)
             for position, (to_id, _, title, text) in enumerate(item["related"], start=1)],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO resources VALUES (?, ?, ?, ?, ?)",
            [(url, kind, file_type, title, description)
             for _, _, url, title, description, file_type, kind in item["resources"]],
        )
        conn.execute("DELETE FROM question_resources WHERE question_id = ?", [qid])
        conn.executemany(
            "INSERT INTO question_resources VALUES (?, ?, ?, ?)",
            [(qid, url, section, position)
             for section, position, url, *_ in item["resources"]],
        )


class QAPagePipeline(SQLitePipeline):
    """A QAPage question page: its question (from its first page), answers and tags."""

    schema = _QAPAGE_SCHEMA

    def store(self, item: dict[str, Any]) -> None:
        conn, qid, question = self.conn, item["id"], item["question"]
        conn.execute(
            # A later page of answers repeats the question: the first page's row stays.
            f"INSERT OR {'REPLACE' if item['page'] == 1 else 'IGNORE'} INTO questions "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [qid, item["url"], question["name"], question["date_created"], question["text"],
             question["upvote_count"], question["answer_count"], question["author"]],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(qid, _answer_id(answer["url"]), item["page"], position, answer["text"],
              answer["upvote_count"], int(answer["accepted"]), answer["author"],
              answer["date_created"])
             for position, answer in enumerate(question["answers"], start=1)],
        )
        conn.executemany("INSERT OR IGNORE INTO tags VALUES (?)",
                         [(tag,) for tag in item["tags"]])
        conn.execute("DELETE FROM question_tags WHERE question_id = ?", [qid])
        conn.executemany(
            "INSERT OR IGNORE INTO question_tags VALUES (?, ?, ?)",
            [(qid, tag, position) for position, tag in enumerate(item["tags"], start=1)],
        )


def _answer_id(url: Any) -> str | None:
    match = _ANSWER_ID.search(url) if isinstance(url, str) else None
    return match.group(1) if match else None


# Per sample site: the spider, and the pipeline that stores what it yields.
SITES: dict[str, tuple[type[scrapy.Spider], str]] = {
    "csdn": (AnswerSpider, "bench.scrapy_spider.SQLitePipeline"),
    "qapage": (QuestionSpider, "bench.scrapy_spider.QAPagePipeline"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("start_url")
    parser.add_argument("--db", required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-pages", type=int, default=5000)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--site", choices=sorted(SITES), default="csdn")
    options = parser.parse_args()
    spider, pipeline = SITES[options.site]
    process = CrawlerProcess(settings={
        "BOT_NAME": "bench",
        "USER_AGENT": "qarchive-bench-scrapy/1.0",
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": options.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrency,
        "DOWNLOAD_DELAY": 0,
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "CLOSESPIDER_PAGECOUNT": options.max_pages,
        "CLOSESPIDER_TIMEOUT": options.max_seconds,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "ITEM_PIPELINES": {pipeline: 300},
        "BENCH_DB": options.db,
    })
    process.crawl(spider, start_url=options.start_url)
    process.start()


if __name__ == "__main__":
    main()
