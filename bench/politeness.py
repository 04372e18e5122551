"""Benchmark 6: politeness accuracy, measured where it matters: in the sites' request logs.

Several sample sites, one per loopback address (127.0.0.2, .3, ...), each in
its own process, logging every request's start time. One ``qarchive crawl``
seeded with each site's root page, per-host delay ``d``, runs for a fixed
time. Per host: the smallest gap between request starts (must be ≥ d) and
the achieved rate; across hosts: the total rate against the ideal
``hosts / d``.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from bench.common import WORK_DIR
from bench.crawlers import fresh_db, qarchive_crawl_args, run_child, sample_sites

__all__ = ["run"]


def _starts(log: Path) -> list[float]:
    with log.open(encoding="utf-8") as lines:
        return sorted(json.loads(line)["time"] for line in lines if line.strip())


def run(*, delay: float = 0.2, hosts: int = 3, seconds: float = 8.0,
        concurrency: int = 8) -> dict[str, Any]:
    addresses = [f"127.0.0.{2 + number}" for number in range(hosts)]
    with sample_sites(addresses, pages=2_000, request_logs=True, port=8863,
                      name="politeness-site", max_seconds=seconds + 300) as sites:
        args = qarchive_crawl_args(
            [site.root_url for site in sites], db=fresh_db(WORK_DIR / "politeness.db"),
            concurrency=concurrency, per_host=1, delay=delay, max_pages=100_000,
            max_duration=seconds)
        crawl = run_child(args, log=WORK_DIR / "politeness-qarchive.log", timeout=seconds + 120)
    per_host = []
    all_starts: list[float] = []
    for site in sites:
        assert site.request_log is not None
        starts = _starts(site.request_log) if site.request_log.exists() else []
        all_starts.extend(starts)
        gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
        span = starts[-1] - starts[0] if len(starts) > 1 else 0.0
        per_host.append({
            "host": site.base_url,
            "requests": len(starts),
            "min_gap_s": min(gaps) if gaps else None,
            "median_gap_s": sorted(gaps)[len(gaps) // 2] if gaps else None,
            "rate_per_s": (len(starts) - 1) / span if span else None,
        })
    all_starts.sort()
    span = all_starts[-1] - all_starts[0] if len(all_starts) > 1 else 0.0
    min_gap = min((host["min_gap_s"] for host in per_host if host["min_gap_s"] is not None),
                  default=None)
    return {
        "delay_s": delay,
        "hosts": hosts,
        "crawl_seconds": seconds,
        "concurrency": concurrency,
        "crawl_returncode": crawl.returncode,
        "per_host": per_host,
        "min_gap_s": min_gap,
        "total_requests": len(all_starts),
        "achieved_rate_per_s": (len(all_starts) - hosts) / span if span else None,
        "ideal_rate_per_s": hosts / delay,
    }
