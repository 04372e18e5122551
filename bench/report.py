"""BENCHMARKS.md from the saved results (bench/results/*.json) and bench/notes.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from bench.common import load_result
from bench.e2e import MEMORY_SEEDS

__all__ = ["write_report"]

_NOTES = Path(__file__).resolve().parent / "notes.md"


def _met(ok: bool | None) -> str:
    return "n/a" if ok is None else ("**met**" if ok else "**not met**")


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return [*lines, ""]


def _stamp(result: dict[str, Any]) -> str:
    return (f"_Measured {result['measured_at']} ({result['mode']} sizes: {result['sizes']}), "
            f"{result['seconds']:.0f} s; load average then "
            f"{result['machine'].get('load_average')}._")


def _machine(results: list[dict[str, Any]]) -> list[str]:
    if not results:
        return ["No results yet: run `python -m bench`.", ""]
    machine = results[-1]["machine"]
    libraries = ", ".join(f"{name} {version}" for name, version in machine["libraries"].items())
    return [
        f"- CPU: {machine['cpu']}, {machine['cores']} cores (shared, noisy virtual machine), "
        f"memory {machine['memory']}",
        f"- OS: {machine['os']}; {machine['python']}; SQLite {machine['sqlite']}",
        f"- Libraries: {libraries}",
        "",
    ]


def _cpu_ratio(run: dict[str, Any], peer: str) -> float:
    """qarchive's speed over ``peer``'s by CPU time (medians): on a shared machine the
    wall clock also counts the time other jobs held the core."""
    figures = run["extractors"]
    return figures[peer]["cpu_ms_per_page"] / figures["qarchive (selectolax)"]["cpu_ms_per_page"]


def _parse(result: dict[str, Any]) -> list[str]:
    layouts = result.get("layouts") or {"reconstruction": result}
    lines = [
        "## 1. Parsing one page (one core)", "",
        f"{result['pages']} sample-site pages of each layout (the reconstruction of the "
        "reference page, and the layout the evidence about the real pages describes: "
        "`div.title`, `div.data`, the embedded state, `#recommend`, a quarter of the answers "
        "cut and whole only in the state's Markdown), "
        f"{result['rounds']} rounds, extractors interleaved; outputs of all three checked "
        "equal on every page first (title, time, views, answer text "
        "without whitespace, related ids/urls/titles/snippets, resources with section, "
        "position, title, description, file type and kind, sidebar links). qarchive's "
        "figure is its **whole** parse, Markdown included, which the peers do not produce; "
        "the peers select by class names, qarchive by visible labels. On the evidence "
        "layout every extractor renders a cut answer's Markdown with markdown-it-py.", "",
    ]
    if "compiled_parsers" in result:
        compiled = result["compiled_parsers"]
        lines += [(f"qarchive ran as `pip install .` builds it: {len(compiled)} parser modules "
                   "compiled to C by mypyc from their type annotations (pyproject.toml)."
                   if compiled else "qarchive's parsers ran as Python (not compiled)."), ""]
    comparisons = []
    for layout, run in layouts.items():
        rows = []
        for name, figures in run["extractors"].items():
            rows.append([name, _f(figures["pages_per_s"], 0), _f(figures["ms_per_page"], 3),
                         _f(figures["cpu_ms_per_page"], 3),
                         ", ".join(f"{x:,.0f}" for x in figures["rounds_pages_per_s"])])
        lines += [f"{layout.capitalize()} layout ({run['pages']} pages, mean "
                  f"{run['mean_page_bytes']:,} bytes, {run['checked_equal']} checked equal):", "",
                  *_table(["extractor", "pages/s (median)", "ms/page", "CPU ms/page",
                           "each round"], rows)]
        ratio_bs4, ratio_parsel = run["ratio_vs_bs4"], run["ratio_vs_parsel"]
        comparisons += [
            [f"qarchive ÷ BeautifulSoup(lxml), {layout}", f"{ratio_bs4:.1f}×",
             f"{_cpu_ratio(run, 'BeautifulSoup(lxml)'):.1f}×", "≥ 5×", _met(ratio_bs4 >= 5)],
            [f"qarchive ÷ parsel, {layout}", f"{ratio_parsel:.2f}×",
             f"{_cpu_ratio(run, 'parsel'):.2f}×", "≥ 2×", _met(ratio_parsel >= 2)],
        ]
    lines += [
        "The comparisons: pages per second (wall clock, as the targets are stated) and, "
        "beside them, CPU time per page.", "",
        *_table(["comparison", "measured (pages/s)", "by CPU time", "target", "result"],
                comparisons),
        _stamp(result), "",
    ]
    return lines


def _crawler_rows(result: dict[str, Any]) -> list[list[str]]:
    rows = []
    for name, figures in (("qarchive crawl", result["qarchive"]),
                          ("Scrapy spider", result["scrapy"])):
        runs = figures.get("runs", [])
        rows.append([
            name, _f(figures.get("pages"), 0), _f(figures.get("pages_per_s"), 0),
            _f(figures.get("cpu_ms_per_page"), 2), _f(figures.get("max_rss_mb"), 0),
            ", ".join(f"{run['pages_per_s']:,.0f}" for run in runs),
        ])
    return rows


_CRAWLER_HEADER = ["crawler", "pages", "pages/s", "CPU ms/page", "peak RSS MB",
                   "pages/s each round"]


def _e2e_qapage(result: dict[str, Any]) -> list[str]:
    """The same comparison on the QAPage site, when it was run."""
    qapage = result.get("qapage")
    if not qapage:
        return []
    ratio = qapage.get("ratio_pages_per_s")
    cpu = qapage["qarchive"].get("cpu_ms_per_page")
    return [
        "### On the QAPage site", "",
        f"The same crawl of the QAPage sample site (`site=\"qapage\"`: Stack Exchange-style "
        f"pages with schema.org markup): {qapage['site_questions']:,} questions, each with "
        "several answers, some over a second page (`?page=2`), every page counted. Both "
        "crawlers start from the root question and follow its related and linked questions "
        "and its further pages of answers, with the settings above. qarchive parses with "
        "its QAPage profile and stores questions, answers, tags and links; the Scrapy "
        "spider reads the schema.org Question with extruct (JSON-LD + microdata), tags "
        "with parsel, and stores questions, answers and tags with the compressed page. The "
        "targets are issue 7's, set for the CSDN site, applied here as a yardstick.", "",
        *_table(_CRAWLER_HEADER, _crawler_rows(qapage)),
        *_table(["comparison", "measured", "target", "result"], [
            ["qarchive ÷ Scrapy, pages/s", f"{ratio:.2f}×" if ratio else "–", "≥ 2×",
             _met(ratio >= 2 if ratio else None)],
            ["qarchive CPU per page", f"{_f(cpu, 2)} ms", "≤ 3 ms",
             _met(cpu <= 3 if cpu else None)],
        ]),
    ]


def _e2e(result: dict[str, Any]) -> list[str]:
    ours = result["qarchive"]
    ratio = result.get("ratio_pages_per_s")
    rows = _crawler_rows(result)
    cpu = ours.get("cpu_ms_per_page")
    return [
        "## 2. End to end: crawling the sample site", "",
        f"A {result['site_pages']:,}-page sample site served by uvicorn in its own process on "
        f"127.0.0.1 (pages rendered before the crawl); both crawlers crawl all of it from the "
        f"root answer page, concurrency {result['concurrency']} (qarchive `--per-host "
        f"{result['concurrency']}`, Scrapy `CONCURRENT_REQUESTS_PER_DOMAIN`), delay 0, "
        "robots.txt obeyed, answer text extracted and stored with the compressed raw page in "
        "SQLite in batches of 200. qarchive runs as `python -m qarchive.cli crawl` (CLI, "
        "subprocess); the Scrapy spider is `bench/scrapy_spider.py`. Time is the child's "
        "wall time, start-up included; CPU is the child's user+system time (`os.wait4`), "
        "which on Linux includes qarchive's writer process (a child the crawl reaps). "
        f"{result['rounds']} rounds, order alternating; medians.", "",
        "### On the CSDN site", "",
        *_table(_CRAWLER_HEADER, rows),
        *_table(["comparison", "measured", "target", "result"], [
            ["qarchive ÷ Scrapy, pages/s", f"{ratio:.2f}×" if ratio else "–", "≥ 2×",
             _met(ratio >= 2 if ratio else None)],
            ["qarchive CPU per page", f"{_f(cpu, 2)} ms", "≤ 3 ms",
             _met(cpu <= 3 if cpu else None)],
        ]),
        *_e2e_qapage(result),
        _stamp(result), "",
    ]


def _memory(result: dict[str, Any]) -> list[str]:
    crawls = result["crawls"]
    rows = [[f"{crawl['site_pages']:,}", MEMORY_SEEDS.get(crawl.get("seed", "page"), "?"),
             _f(crawl["pages"], 0), _f(crawl["pages_per_s"], 0), _f(crawl["max_rss_mb"], 1),
             str(crawl["returncode"])]
            for crawl in crawls]
    peak = max(crawl["max_rss_mb"] for crawl in crawls)
    growth = result.get("growth")
    if not isinstance(growth, dict):  # results from before seeds were compared
        growth = {"page": growth}
    sizes = " and ".join(dict.fromkeys(f"{crawl['site_pages']:,}" for crawl in crawls))
    comparisons = [["peak RSS, every crawl", f"{peak:.0f} MB", "≤ 200 MB", _met(peak <= 200)]]
    for seed_kind, ratio in growth.items():
        comparisons.append([f"largest ÷ smallest crawl, from the {MEMORY_SEEDS[seed_kind]}",
                            f"{ratio:.2f}×" if ratio else "–", "≤ 1.2×",
                            _met(ratio <= 1.2 if ratio else None)])
    return [
        "## 3. Memory: peak RSS of whole-site crawls", "",
        f"`qarchive crawl` of sample sites of {sizes} pages (delay 0, concurrency "
        f"{result['concurrency']}), each crawled twice: from its root answer page, finding "
        "the rest through related questions, and from the site root, whose sitemaps list "
        "every page at once. Peak RSS is the child's `ru_maxrss` from `os.wait4`, "
        "on Linux the larger of the crawl process and its writer process.", "",
        *_table(["site pages", "seed", "pages stored", "pages/s", "peak RSS MB", "exit"], rows),
        *_table(["comparison", "measured", "target", "result"], comparisons),
        _stamp(result), "",
    ]


def _datasette(result: dict[str, Any]) -> list[str]:
    rows = []
    worst = 0.0
    for name, figures in result["endpoints"].items():
        worst = max(worst, figures["p95_ms"])
        rows.append([name, f"`{figures['example']}`", _f(figures["p50_ms"], 1),
                     _f(figures["p95_ms"], 1), _met(figures["p95_ms"] < 100),
                     ",".join(map(str, figures["statuses"]))])
    return [
        "## 4. Datasette latency", "",
        f"An archive of {result['questions']:,} fetched questions "
        f"({result['archive_bytes'] / 1e6:,.0f} MB, built by `bench/synthetic.py` through "
        "qarchive's own writer, bodies and search index included), served by "
        "`publish.make_datasette` in-process; each endpoint requested "
        f"{result['samples']} times after a warm-up, ids and search words rotating. "
        f"Settings: {result['settings']}.", "",
        *_table(["endpoint", "example", "p50 ms", "p95 ms", "p95 < 100 ms", "status"], rows),
        f"Worst p95: {worst:.0f} ms (target < 100 ms: {_met(worst < 100)}).", "",
        _stamp(result), "",
    ]


def _raw_pages(result: dict[str, Any]) -> list[str]:
    """Table 5 from bench/storage.py: the raw-page store by codec, the archive by object."""
    codecs = [[codec["codec"], _f(codec["vs_html"], 3), _f(codec["compression_ratio"], 1),
               _f(codec["compress_ms_per_page"], 3), _f(codec["decompress_ms_per_page"], 3)]
              for codec in result["codecs"]]
    crawled, compacted = result["raw_store_crawled"], result["raw_store_compacted"]
    before, after = result["crawled"], result["compacted"]
    html = crawled["html_bytes"]
    store_rows = [
        ["as crawled", _f(crawled["body_bytes"] / 1e6, 2),
         _f(crawled["dictionary_bytes"] / 1e3, 0), _f(crawled["vs_html"], 3),
         ", ".join(f"{name}: {count}" for name, count in crawled["codecs"].items())],
        ["after `qarchive compact`", _f(compacted["body_bytes"] / 1e6, 2),
         _f(compacted["dictionary_bytes"] / 1e3, 0), _f(compacted["vs_html"], 3),
         ", ".join(f"{name}: {count}" for name, count in compacted["codecs"].items())],
    ]
    objects = sorted(after["bytes_per_page_by_object"].items(), key=lambda item: -item[1])
    object_rows = [[f"`{name}`", _f(before["bytes_per_page_by_object"].get(name, 0), 0),
                    _f(value, 0)] for name, value in objects[:14]]
    target = min(crawled["vs_html"], compacted["vs_html"]) <= 0.1
    return [
        "## 5. Storage per archived page", "",
        f"`python -m bench --only storage` (bench/storage.py): one qarchive crawl of a "
        f"{result['site_pages']:,}-page sample site ({crawled['pages']:,} stored bodies, "
        f"{html / 1e6:.1f} MB of HTML). The same pages, read back from the archive, "
        "compressed by each codec (one page at a time, as the archive stores them; the "
        "dictionary's own bytes counted in its row):", "",
        *_table(["codec", "stored ÷ HTML", "ratio", "compress ms/page",
                 "decompress ms/page"], codecs),
        "The raw-page store in the archive (`pages.body` plus `compression_dictionaries`); "
        "codec and dictionary id: bodies:", "",
        *_table(["archive", "bodies MB", "dictionaries KB", "store ÷ HTML", "bodies"],
                store_rows),
        f"Target raw-page store ≤ 0.1× the HTML: {_met(target)}. `compact` recompressed "
        f"{result['compact_recompressed']:,} bodies in {result['compact_seconds']:.1f} s.", "",
        f"The whole archive (database and WAL): {before['archive_vs_raw']:.2f}× the HTML as "
        f"crawled, {after['archive_vs_raw']:.2f}× after `compact --vacuum`. Largest objects "
        "(SQLite `dbstat`, bytes per page):", "",
        *_table(["table or index", "as crawled", "after compact --vacuum"], object_rows),
    ]


def _mb(value: float) -> str:
    return f"{value / 1e6:,.1f}"


def _size(result: dict[str, Any]) -> list[str]:
    """Issue 15's size target; ``before``: the same script run at an older commit."""
    before = load_result("size-before")
    runs = [("before", before), ("after", result)] if before else [("now", result)]
    target = 0.8

    def summary(label: str, run: dict[str, Any]) -> list[str]:
        return [
            f"{label} (commit {run.get('commit') or '?'}, schema {run['schema_version']})",
            f"{run['pages']:,}", _mb(run["html_bytes"]), _mb(run["db_bytes"]),
            _mb(run["wal_bytes"]), f"{run['archive_vs_html']:.2f}×",
            f"{run['bodies_vs_html']:.3f}×",
        ]

    # Ties broken by name: a set's order changes from one process to the next (string
    # hashing is randomised), which reordered equal rows on every --report-only.
    names = sorted({name for _, run in runs for name in run["bytes_by_object"]},
                   key=lambda name: (-max(run["bytes_by_object"].get(name, 0) for _, run in runs),
                                     name))
    objects = [[f"`{name}`", *(_mb(run["bytes_by_object"].get(name, 0)) for _, run in runs)]
               for name in names]
    after = runs[-1][1]
    return [
        "## 9. Archive size against the HTML it archived (issue 15)", "",
        f"`qarchive crawl` of a {after['site_pages']:,}-page sample site, whole; the archive as "
        "the crawl left it (database file + WAL) against the HTML it archived "
        "(`pages.body_size`), and the raw-page store (`pages.body`, zstd with the site's "
        "dictionary) against the same HTML. MB are 10⁶ bytes.", "",
        *_table(["archive", "pages", "HTML MB", "db MB", "WAL MB", "archive ÷ HTML",
                 "raw pages ÷ HTML"],
                [summary(label, run) for label, run in runs]),
        *_table(["comparison", "measured", "target", "result"], [
            ["archive ÷ HTML", f"{after['archive_vs_html']:.2f}×",
             f"≤ {target}×", _met(after["archive_vs_html"] <= target)],
            ["raw-page store ÷ HTML", f"{after['bodies_vs_html']:.3f}×", "≤ 0.1×",
             _met(after["bodies_vs_html"] <= 0.1)],
        ]),
        "Every table and index (SQLite `dbstat`, MB):", "",
        *_table(["table or index", *(label for label, _ in runs)], objects),
        _stamp(result), "",
    ]


def _politeness(result: dict[str, Any]) -> list[str]:
    rows = [[host["host"], str(host["requests"]), _f(host["min_gap_s"], 3),
             _f(host["median_gap_s"], 3), _f(host["rate_per_s"], 2)]
            for host in result["per_host"]]
    delay = result["delay_s"]
    min_gap = result["min_gap_s"]
    rate, ideal = result["achieved_rate_per_s"], result["ideal_rate_per_s"]
    return [
        "## 6. Politeness accuracy", "",
        f"{result['hosts']} sample sites on different loopback addresses, each in its own "
        f"process logging every request's start (server side); one `qarchive crawl` seeded "
        f"with all three, `--delay {delay}`, `--per-host 1`, concurrency "
        f"{result['concurrency']}, for {result['crawl_seconds']:.0f} s.", "",
        *_table(["host", "requests", "min gap s", "median gap s", "rate /s"], rows),
        *_table(["comparison", "measured", "target", "result"], [
            ["smallest gap between request starts to one host", f"{_f(min_gap, 3)} s",
             f"≥ {delay} s", _met(min_gap >= delay if min_gap is not None else None)],
            ["achieved rate across hosts", f"{_f(rate, 2)} /s",
             f"ideal {ideal:.1f} /s", f"{rate / ideal:.0%} of ideal" if rate else "–"],
        ]),
        _stamp(result), "",
    ]


def _short(function: str) -> str:
    """Standard-library paths without their prefix: ``(urllib/parse.py:452)``."""
    return re.sub(r"\((?:/[^()]*?/lib/python3\.\d+/)", "(", function)


def _hotspots(result: dict[str, Any]) -> list[str]:
    lines = ["## Hot spots (profiles)", ""]
    if result.get("crawl"):
        lines += [f"py-spy over `qarchive crawl` of {result['crawl_pages']:,} pages, self time "
                  "by area (start-up included):", ""]
        lines += _table(["area", "share of samples"],
                        [[row["area"], f"{row['share']:.0%}"] for row in result["crawl"]])
    for key, title in (("parse", "the parse"), ("store", "`Archive.record_fetched_page`")):
        lines += [f"cProfile over {title}, {result['parse_pages']} pages, by self time:", ""]
        lines += _table(["function", "calls", "self share"],
                        [[f"`{_short(row['function'])}`", f"{row['calls']:,}",
                          f"{row['self_share']:.0%}"] for row in result[key][:10]])
    return [*lines, _stamp(result), ""]


def _qapage(result: dict[str, Any]) -> list[str]:
    rows = [[row["page"], f"{row['bytes']:,}", _f(row["qarchive_ms"], 2),
             _f(row["extruct_ms"], 2), f"{row['ratio']:.2f}×"] for row in result["pages"]]
    ratio, target = result["ratio"], result["target_ratio"]
    return [
        "## 7. Real Q&A pages: qarchive's parse vs extruct (issue 17)", "",
        f"The real pages of `tests/fixtures/qapage/` of 150–900 KB, {result['rounds']} "
        f"rounds of {result['repeat']} parses per page, the two interleaved page by page; "
        "medians. qarchive's figure is its **whole** parse (`parse_page`: schema.org, the "
        "site adapter's visible-page fields, Markdown of every body, links); extruct's is "
        "`extruct.extract` (JSON-LD and microdata) and the Question found in its output "
        "(`bench/qapage_extruct.py`), fewer fields than qarchive gives.", "",
        *_table(["page", "bytes", "qarchive ms", "extruct ms", "extruct ÷ qarchive"], rows),
        *_table(["comparison", "measured", "target", "result"], [
            # Each row judged on its own figure ("met" in the results needs both).
            ["all pages: extruct ÷ qarchive", f"{ratio:.2f}×", f"≥ {target:.0f}×",
             _met(ratio >= target)],
            ["slowest page", f"{result['min_page_ratio']:.2f}×", f"≥ {target:.0f}×",
             _met(result["min_page_ratio"] >= target)],
        ]),
        _stamp(result), "",
    ]


def _warc(result: dict[str, Any]) -> list[str]:
    rates, ms = result["pages_per_second_per_core"], result["ms_per_page"]
    target = result["target_pages_per_second"]
    rows = [[name, _f(rates[name], 0) if name in rates else "", _f(value, 3)]
            for name, value in ms.items()]
    return [
        "## 8. WARC import vs parsing alone (issue 15)", "",
        f"A WARC of {result['pages']:,} sample-site pages ({result['warc_bytes']:,} bytes), "
        "crawled by qarchive and written by `export-warc`, imported with `qarchive import`'s "
        "code into a fresh archive file (reading with fastwarc, digests checked; parsing; "
        "storing 200 pages a transaction until the site's compression dictionary is "
        "trained, 2,000 after), next to parsing the same pages alone and reading "
        "alone, interleaved, in one process: CPU seconds, so pages/s **per core**; medians "
        "of the rounds.", "",
        *_table(["step", "pages/s per core", "ms per page"], rows),
        *_table(["comparison", "measured", "target", "result"], [
            ["import, storing included", f"{rates['import']:,.0f} pages/s",
             f"≥ {target:,} pages/s", _met(rates["import"] >= target)],
            ["import ÷ parsing alone", f"{result['import_vs_parse']:.2f}×", "", ""],
        ]),
        _stamp(result), "",
    ]


def write_report(out: Path) -> None:
    found = {part: load_result(part) for part in
             ("parse", "e2e", "memory", "datasette", "politeness", "hotspots", "qapage",
              "storage", "warc", "size")}
    present = [result for result in found.values() if result is not None]
    lines = [
        "# Benchmarks", "",
        "qarchive against BeautifulSoup, parsel and Scrapy (issue 7). Written by",
        "", "```bash",
        "pip install -e '.[bench]'",
        "python -m bench            # everything, the issue's sizes (~30 min on 2 cores)",
        "python -m bench --quick    # smaller sizes (~5 min)",
        "python -m bench --only parse,datasette   # some parts; the report keeps the others",
        "```", "",
        "Every figure is a median of several runs with the peer measured in the same run; "
        "ratios compare those medians. Nothing here is asserted by the test suite. The "
        "machine is a shared 2-core VM: expect ±10–20 % between runs.", "",
        "## Machine", "", *_machine(present),
    ]
    builders = (("parse", _parse), ("e2e", _e2e), ("memory", _memory),
                ("datasette", _datasette), ("storage", _raw_pages), ("politeness", _politeness),
                ("hotspots", _hotspots), ("qapage", _qapage), ("warc", _warc), ("size", _size))
    for part, build in builders:
        result = found[part]
        if result is None:
            lines += [f"## {part}", "", f"Not run yet: `python -m bench --only {part}`.", ""]
            continue
        lines += build(result)
    if _NOTES.exists():
        lines += [_NOTES.read_text(encoding="utf-8").rstrip(), ""]
    out.write_text("\n".join(lines), encoding="utf-8")
