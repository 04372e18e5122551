"""qarchive's benchmarks against Scrapy, parsel and BeautifulSoup (issue 7).

``python -m bench`` runs every benchmark and writes ``BENCHMARKS.md``;
``python -m bench --quick`` does the same with smaller sizes. Each part keeps
its figures in ``bench/results/<part>.json``, so ``--only NAME`` re-runs one
part and the report still shows the others.

Scrapy, parsel, BeautifulSoup and lxml are benchmark-only dependencies (the
``bench`` extra in pyproject.toml); qarchive itself never imports them.
"""
