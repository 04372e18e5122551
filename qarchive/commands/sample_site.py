"""`qarchive sample-site`: serve the bundled sample site until Ctrl+C.

The site (sample_sites/) and uvicorn are loaded only when the command runs or
its help is shown, never when the command line is imported.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import click

from qarchive.options import Seconds

__all__ = ["SITES", "layout_switch_option", "layouts_option", "sample_site_command",
           "site_option"]

# The sites sample_sites can serve (sample_sites.SITES, which a test compares with this):
# named here so that the command line's help loads no sample site.
SITES = ("csdn", "qapage")


class _LazyHelpOption(click.Option):
    """An option whose help text is built when shown (it names sample-site data)."""

    def __init__(self, *args: Any, lazy_help: Callable[[], str], **attrs: Any) -> None:
        self._lazy_help = lazy_help
        super().__init__(*args, **attrs)

    @property
    def help(self) -> str | None:
        return self._lazy_help()

    @help.setter
    def help(self, value: str | None) -> None:
        pass  # click.Option.__init__ sets it; the text comes from lazy_help


def _pages_help() -> str:
    from sample_sites import DEFAULT_PAGES_BY_SITE

    return (f"Pages at epoch 0, default {DEFAULT_PAGES_BY_SITE['csdn']} answer pages "
            f"(csdn) or {DEFAULT_PAGES_BY_SITE['qapage']} questions (qapage).")


def _faults_help() -> str:
    from sample_sites import FAULTS

    return (f"Fault profiles to switch on, or 'all'; default none. "
            f"Names: {', '.join(FAULTS)}.")


def _read_by(parser: str, *, keep_none: bool = True) -> Callable[..., Any]:
    """A click callback: the value as ``sample_sites.<parser>`` reads it (the sample site
    is imported only when its commands run); its ValueError is click's bad-parameter
    error. ``keep_none``: an option left out stays None rather than being read."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
        if value is None and keep_none:
            return None
        import sample_sites

        try:
            return getattr(sample_sites, parser)(value)
        except ValueError as error:
            raise click.BadParameter(str(error), ctx=ctx, param=param) from None

    return callback


_faults = _read_by("parse_faults", keep_none=False)  # no option: no fault
_layouts = _read_by("parse_mix")
_layout_switch = _read_by("parse_layout_switch")


def layouts_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--layouts MIX``: the share of pages per layout; shared with `qarchive demo`."""
    return click.option(
        "--layouts", callback=_layouts, metavar="MIX",
        help=f"Share of {what} pages per layout, e.g. evidence=0.5 (the rest stay "
             "reconstruction). Layouts: reconstruction (default, all pages), evidence "
             "(the real pages' markup as far as it is known), redesign (a layout no parser "
             "knows: no views, no question time).")


def site_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """``--site NAME``: which site to serve; shared with `qarchive demo`."""
    return click.option(
        "--site", "site_name", type=click.Choice(SITES), default="csdn", show_default=False,
        help="Which site: csdn (wenku.csdn.net answer pages, the default) or qapage (a "
             "Stack Exchange-style Q&A site with schema.org QAPage markup: several answers, "
             "votes, tags, closed and duplicate questions, paged answers).")


def layout_switch_option() -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--layout-switch", callback=_layout_switch, metavar="EPOCH:MIX",
        help="From EPOCH on, serve MIX instead, e.g. 1:redesign=1; default no switch.")


@click.command(name="sample-site", short_help="Serve the bundled sample site on 127.0.0.1.")
@click.option("--host", default="127.0.0.1", show_default=False,
              help="Address to listen on, default 127.0.0.1.")
@click.option("--port", type=click.IntRange(0, 65535), default=8765,
              help="Port to listen on (0: any free port), default 8765.")
@site_option()
@click.option("--pages", type=click.IntRange(min=1), default=None,
              cls=_LazyHelpOption, lazy_help=_pages_help)
@click.option("--seed", type=int, default=0, help="Seed the whole site is drawn from, default 0.")
@click.option("--faults", callback=_faults, metavar="NAME,...",
              cls=_LazyHelpOption, lazy_help=_faults_help)
@click.option("--epoch", type=click.IntRange(min=0), default=0,
              help="How far the site has moved on (views, edits, votes, new answers, removed "
                   "and new pages), default 0.")
@click.option("--crawl-delay", type=Seconds(), default=None,
              help="Seconds to put in robots.txt as Crawl-delay, default none (no line).")
@click.option("--request-log", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append one JSON line per request to this file, default no log.")
@layouts_option("the")
@layout_switch_option()
def sample_site_command(
    site_name: str,
    host: str,
    port: int,
    pages: int | None,
    seed: int,
    faults: tuple[str, ...],
    epoch: int,
    crawl_delay: float | None,
    request_log: Path | None,
    layouts: dict[str, float] | None,
    layout_switch: tuple[int, dict[str, float]] | None,
) -> None:
    """Serve a deterministic Q&A site on 127.0.0.1 to crawl and test against.

    Pages, links, robots.txt and sitemaps are the same for the same --site, --pages and
    --seed; move the running site to another epoch with
    `curl -X POST <url>/_admin/epoch/2`. --layouts and --layout-switch are the csdn
    site's.

    \b
    Example:
        qarchive sample-site --pages 300 --seed 1
        qarchive sample-site --site qapage --pages 200
        qarchive sample-site --faults 429,slow --request-log requests.jsonl
        qarchive sample-site --layouts evidence=0.5 --layout-switch 2:redesign=1
    """
    import uvicorn

    from sample_sites import SampleSiteApp, build_site
    from sample_sites.server import base_url_for, bind_socket, uvicorn_config

    if site_name != "csdn" and (layouts or layout_switch):
        raise click.UsageError("--layouts and --layout-switch are the csdn site's; "
                               f"the {site_name} site has one layout")

    try:
        sock = bind_socket(host, port)
    except OSError as error:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({error.strerror}); pick another --port or --host"
        ) from None
    with contextlib.ExitStack() as stack:
        stack.callback(sock.close)
        log: TextIO | None = None
        if request_log is not None:
            try:
                log = stack.enter_context(request_log.open("a", encoding="utf-8"))
            except OSError as error:
                raise click.ClickException(
                    f"cannot write the request log {request_log}: {error.strerror}"
                ) from None
        base_url = base_url_for(host, sock.getsockname()[1])
        site = build_site(site_name, pages=pages, seed=seed, base_url=base_url,
                          layouts=layouts, layout_switch=layout_switch)
        app = SampleSiteApp(site, faults=faults, epoch=epoch, crawl_delay=crawl_delay,
                            request_log=log)
        count = len(site.answer_indexes(epoch))
        if site_name == "csdn":
            what = f"{count} answer pages"
            shown = f", layouts: {_describe_layouts(app.serving.state(epoch)['layout_mix'])}"
        else:
            what, shown = f"{count} questions ({site_name})", ""
        click.echo(
            f"Serving {what} at {base_url}/ "
            f"(seed {seed}, epoch {epoch}, faults: {', '.join(faults) or 'none'}{shown}); "
            f"start crawling at {site.root_url} . Ctrl+C stops."
        )
        try:
            uvicorn.Server(uvicorn_config(app, log_level="warning")).run(sockets=[sock])
        except KeyboardInterrupt:
            # uvicorn re-raises the Ctrl+C it shut down on; that is the normal way out.
            click.echo("Stopped.")


def _describe_layouts(mix: dict[str, float]) -> str:
    return ", ".join(f"{name} {share:.0%}" for name, share in mix.items() if share)
