"""``python -m bench [--quick] [--only PARTS] [--report-only]``: benchmarks to BENCHMARKS.md.

Parts: parse, datasette, e2e (end to end + storage), memory, politeness, hotspots,
qapage (real Q&A pages: qarchive's parse vs extruct), storage (the raw-page store:
zlib vs zstd vs zstd with a dictionary, the archive before and after compact), warc (WARC
import vs parsing alone), size (the archive
against the HTML it archived, issue 15).
Each part saves bench/results/<part>.json; the report is built from whatever
results exist, so one part can be re-run alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from bench.common import REPO, machine_details, save_result

PARTS = ("parse", "datasette", "e2e", "memory", "politeness", "hotspots", "qapage",
         "storage", "warc", "size")

# Sizes per mode. The full sizes are the issue's; --quick keeps every part
# under a minute or two so the whole harness can be checked in ~5 minutes.
SIZES = {
    "full": {
        "parse": {"pages": 600, "rounds": 5},
        "datasette": {"questions": 100_000, "samples": 40},
        "e2e": {"pages": 5_000, "rounds": 3, "qapage_questions": 3_000},
        "memory": {"sizes": [10_000, 100_000]},
        "politeness": {"delay": 0.2, "hosts": 3, "seconds": 10.0},
        "hotspots": {"pages": 300, "crawl_pages": 3_000},
        "qapage": {"rounds": 15, "repeat": 10},
        "storage": {"pages": 3_000},
        "warc": {"pages": 3_000, "rounds": 5},
        "size": {"pages": 3_000},
    },
    "quick": {
        "parse": {"pages": 200, "rounds": 3},
        "datasette": {"questions": 20_000, "samples": 15},
        "e2e": {"pages": 1_000, "rounds": 2, "qapage_questions": 600},
        "memory": {"sizes": [2_000, 10_000]},
        "politeness": {"delay": 0.2, "hosts": 3, "seconds": 5.0},
        "hotspots": {"pages": 200, "crawl_pages": 1_000},
        "qapage": {"rounds": 5, "repeat": 5},
        "storage": {"pages": 1_000},
        "warc": {"pages": 1_000, "rounds": 3},
        "size": {"pages": 1_000},
    },
}


def _run_part(part: str, sizes: dict[str, object]) -> dict[str, object]:
    if part == "parse":
        from bench.parse import run as run_parse

        return run_parse(**sizes)  # type: ignore[arg-type]
    if part == "datasette":
        from bench.datasette_latency import run as run_datasette

        return run_datasette(**sizes)  # type: ignore[arg-type]
    if part == "e2e":
        from bench.e2e import run_end_to_end

        return run_end_to_end(**sizes)  # type: ignore[arg-type]
    if part == "memory":
        from bench.e2e import run_memory

        return run_memory(**sizes)  # type: ignore[arg-type]
    if part == "politeness":
        from bench.politeness import run as run_politeness

        return run_politeness(**sizes)  # type: ignore[arg-type]
    if part == "storage":
        from bench.storage import run as run_storage

        return run_storage(**sizes)  # type: ignore[arg-type]
    if part == "qapage":
        from bench.qapage import run as run_qapage

        return run_qapage(**sizes)  # type: ignore[arg-type]
    if part == "warc":
        from bench.warc import run as run_warc

        return run_warc(**sizes)  # type: ignore[arg-type]
    if part == "size":
        from bench.archive_size import run as run_size

        return run_size(**sizes)  # type: ignore[arg-type]
    from bench.hotspots import run as run_hotspots

    return run_hotspots(**sizes)  # type: ignore[arg-type]


@click.command()
@click.option("--quick", is_flag=True, help="Smaller sizes (minutes, not tens of minutes).")
@click.option("--only", default=",".join(PARTS), show_default=True,
              help="Comma-separated parts to run.")
@click.option("--memory-sizes", help="Crawl sizes for the memory part, e.g. 10000,100000.")
@click.option("--site-layouts", metavar="MIX",
              help="Serve the e2e and memory sites in a mix of layouts, e.g. evidence=0.5 "
                   "(default: reconstruction only; see sample_sites/csdn/layouts.py).")
@click.option("--report-only", is_flag=True, help="Write BENCHMARKS.md from saved results.")
@click.option("--out", default=str(REPO / "BENCHMARKS.md"), show_default=True,
              type=click.Path(dir_okay=False, path_type=Path))
def main(quick: bool, only: str, memory_sizes: str | None, site_layouts: str | None,
         report_only: bool, out: Path) -> None:
    """Benchmark qarchive against Scrapy, parsel, BeautifulSoup and extruct; write BENCHMARKS.md.

    \b
    Example:
        python -m bench --quick
        python -m bench --only parse,datasette
    """
    mode = "quick" if quick else "full"
    parts = [part.strip() for part in only.split(",") if part.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise click.BadParameter(f"unknown part(s) {unknown}; choose from {list(PARTS)}",
                                 param_hint="--only")
    if not report_only:
        for part in parts:
            sizes = dict(SIZES[mode][part])
            if part == "memory" and memory_sizes:
                sizes["sizes"] = [int(size) for size in memory_sizes.split(",")]
            if part in ("e2e", "memory") and site_layouts:
                from sample_sites.csdn.layouts import parse_mix

                sizes["layouts"] = parse_mix(site_layouts)
            click.echo(f"{time.strftime('%H:%M:%S')} {part} {sizes} ...", err=True)
            started = time.perf_counter()
            result = _run_part(part, sizes)
            save_result(part, {"mode": mode, "sizes": sizes, "machine": machine_details(),
                               "seconds": time.perf_counter() - started, **result})
            click.echo(f"{time.strftime('%H:%M:%S')} {part} done in "
                       f"{time.perf_counter() - started:.0f} s", err=True)
    from bench.report import write_report

    write_report(out)
    click.echo(f"wrote {out}", err=True)


if __name__ == "__main__":
    main()
