"""Running crawlers and sample sites as child processes, and measuring each child.

A child's CPU time and peak RSS come from ``os.wait4`` on that child alone
(``ru_utime + ru_stime``, ``ru_maxrss``): the same numbers as
``getrusage(RUSAGE_CHILDREN)``, without mixing in other children (the sites).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.common import PYTHON, REPO, WORK_DIR, child_env, wait_for_port
from sample_sites.csdn.layouts import format_mix
from sample_sites.sites import DEFAULT_SITE, build_site

__all__ = ["ChildRun", "qarchive_crawl_args", "run_child", "sample_sites", "scrapy_crawl_args"]


@dataclass(slots=True)
class ChildRun:
    returncode: int
    wall_s: float
    cpu_s: float
    max_rss_mb: float
    log: Path


def run_child(args: list[str], *, log: Path, timeout: float) -> ChildRun:
    """Run ``args`` to completion (killed after ``timeout`` seconds) and measure it."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                                   env={**os.environ, **child_env()})
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    return ChildRun(
        returncode=process.returncode,
        wall_s=wall,
        cpu_s=usage.ru_utime + usage.ru_stime,
        max_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
        log=log,
    )


def _crawl_cli() -> list[str]:
    """``python -m qarchive.cli crawl`` once the command is registered there."""
    from qarchive.cli import cli

    if "crawl" in getattr(cli, "commands", {}):
        return [PYTHON, "-m", "qarchive.cli", "crawl"]
    return [PYTHON, "-c", "from qarchive.commands.crawl import crawl_command; "
            "crawl_command(prog_name='qarchive crawl')"]


def qarchive_crawl_args(seeds: list[str], *, db: Path, concurrency: int, per_host: int,
                        delay: float, max_pages: int, max_duration: float) -> list[str]:
    return [
        *_crawl_cli(), *seeds, "--db", str(db), "--delay", f"{delay:g}",
        "--concurrency", str(concurrency), "--per-host", str(per_host),
        "--max-pages", str(max_pages), "--max-duration", f"{max_duration:g}s",
    ]


def scrapy_crawl_args(seed: str, *, db: Path, concurrency: int, max_pages: int,
                      max_duration: float, site: str = DEFAULT_SITE) -> list[str]:
    return [
        PYTHON, "-m", "bench.scrapy_spider", seed, "--db", str(db),
        "--concurrency", str(concurrency), "--max-pages", str(max_pages),
        "--max-seconds", f"{max_duration:g}", "--site", site,
    ]


def fresh_db(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def count_rows(db: Path, sql: str) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute(sql).fetchone()[0])


@dataclass(slots=True)
class RunningSite:
    base_url: str
    root_url: str
    request_log: Path | None
    process: subprocess.Popen[bytes]


@contextlib.contextmanager
def sample_sites(hosts: list[str], *, pages: int, prewarm: bool = True, request_logs: bool = False,
                 max_seconds: float = 1800.0, port: int = 8870, name: str = "site",
                 layouts: Mapping[str, float] | None = None,
                 site: str = DEFAULT_SITE) -> Iterator[list[RunningSite]]:
    """One sample-site process per host (all on ``port``), stopped when the block ends.

    ``site``: ``csdn`` (the default) or ``qapage``. ``layouts``: the CSDN site's share of
    pages per layout, e.g. ``{"evidence": 0.5}``; default reconstruction only
    (``sample_sites/csdn/layouts.py``).
    """
    sites: list[RunningSite] = []
    stack = contextlib.ExitStack()
    try:
        for number, host in enumerate(hosts):
            log = WORK_DIR / f"{name}-{number}.log"
            request_log = WORK_DIR / f"{name}-{number}-requests.jsonl" if request_logs else None
            if request_log is not None:
                request_log.unlink(missing_ok=True)
            args = [PYTHON, "-m", "bench.serve_site", "--host", host, "--port", str(port),
                    "--pages", str(pages), "--max-seconds", f"{max_seconds:g}", "--site", site]
            if prewarm:
                args.append("--prewarm")
            if request_log is not None:
                args += ["--request-log", str(request_log)]
            if layouts:
                args += ["--layouts", format_mix(layouts)]
            out = stack.enter_context(log.open("wb"))
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=REPO,
                                       env={**os.environ, **child_env()})
            stack.callback(_stop, process)
            base_url = f"http://{host}:{port}"
            model = build_site(site, pages=pages, base_url=base_url, layouts=layouts)
            sites.append(RunningSite(base_url, model.root_url, request_log, process))
        for running, host in zip(sites, hosts, strict=True):
            wait_for_port(host, port, timeout=max(60.0, pages / 200),
                          alive=lambda p=running.process: p.poll() is None)
            _wait_ready(WORK_DIR / f"{name}-{hosts.index(host)}.log", running.process,
                        timeout=max(60.0, pages / 100))
        yield sites
    finally:
        stack.close()


def _wait_ready(log: Path, process: subprocess.Popen[bytes], *, timeout: float) -> None:
    """The site prints ``ready`` after prewarming; a listening socket alone is not enough."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if b"ready" in log.read_bytes():
            return
        if process.poll() is not None:
            raise RuntimeError(f"sample site exited: {log.read_text(errors='replace')[-500:]}")
        time.sleep(0.1)
    raise RuntimeError(f"sample site not ready after {timeout:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
