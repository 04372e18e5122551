"""The peer crawler: a Scrapy spider doing qarchive's crawl, run as its own process.

    python -m bench.scrapy_spider START_URL --db peer.db --concurrency 8 --max-pages 5000

Same work as ``qarchive crawl``: obeys robots.txt, follows related-question and
sidebar links to answer pages, extracts the same fields (``bench.extractors``
over ``response.selector``, i.e. parsel) and stores questions, related links,
resources and the zlib-compressed raw body in SQLite, committing in batches
of 200 (qarchive's writer batch). Scrapy's own defaults are kept otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import sqlite3
import zlib
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess

from bench.extractors import extract_parsel_selector
from parsers.sites.csdn import answer_id_from_url

_SCHEMA = """
CREATE TABLE IF NOT EXISTS questions (id TEXT PRIMARY KEY, url TEXT, title TEXT, asked_at TEXT,
    view_count INTEGER, view_count_approximate INTEGER, answer_text TEXT);
CREATE TABLE IF NOT EXISTS related_questions (from_id TEXT, to_id TEXT, position INTEGER,
    title TEXT, answer_text TEXT, PRIMARY KEY (from_id, position));
CREATE TABLE IF NOT EXISTS resources (url TEXT PRIMARY KEY, kind TEXT, file_type TEXT,
    title TEXT, description TEXT);
CREATE TABLE IF NOT EXISTS question_resources (question_id TEXT, resource_url TEXT,
    section TEXT, position INTEGER, PRIMARY KEY (question_id, section, position));
CREATE TABLE IF NOT EXISTS pages (url TEXT PRIMARY KEY, status INTEGER, content_hash TEXT,
    body BLOB, body_size INTEGER, question_id TEXT);
"""
_BATCH = 200


class AnswerSpider(scrapy.Spider):
    name = "answers"

    def __init__(self, start_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_urls = [start_url]

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


class SQLitePipeline:
    """One writer, batched transactions: what qarchive's writer does."""

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
        self.conn.executescript(_SCHEMA)

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
            body = item["body"]
            conn.execute(
                "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?)",
                [item["url"], item["status"], hashlib.sha256(body).hexdigest(),
                 zlib.compress(body, 6), len(body), qid],
            )
        conn.execute("COMMIT")
        self.pending.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("start_url")
    parser.add_argument("--db", required=True)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-pages", type=int, default=5000)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    options = parser.parse_args()
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
        "ITEM_PIPELINES": {"bench.scrapy_spider.SQLitePipeline": 300},
        "BENCH_DB": options.db,
    })
    process.crawl(AnswerSpider, start_url=options.start_url)
    process.start()


if __name__ == "__main__":
    main()
