"""The sites the sample site can serve, by name: ``csdn`` (the default) and ``qapage``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .common import ServedSite, SiteServing
from .csdn.content import DEFAULT_PAGES as CSDN_DEFAULT_PAGES
from .csdn.content import SampleSite
from .csdn.serving import CsdnServing
from .qapage.content import DEFAULT_PAGES as QAPAGE_DEFAULT_PAGES
from .qapage.content import QAPageSite
from .qapage.serving import QAPageServing

__all__ = ["DEFAULT_PAGES_BY_SITE", "DEFAULT_SITE", "SITES", "build_site", "serving_for",
           "site_name"]

SITES = ("csdn", "qapage")
DEFAULT_SITE = "csdn"
DEFAULT_PAGES_BY_SITE = {"csdn": CSDN_DEFAULT_PAGES, "qapage": QAPAGE_DEFAULT_PAGES}


def build_site(
    name: str = DEFAULT_SITE,
    *,
    pages: int | None = None,
    seed: int = 0,
    base_url: str,
    layouts: Mapping[str, float] | None = None,
    layout_switch: tuple[int, Mapping[str, float]] | None = None,
) -> ServedSite:
    """The content model of site ``name`` (``pages`` None: the site's default size).

    Layouts are the CSDN site's; asking the QAPage site for them is a ValueError.
    """
    if name == "qapage":
        if layouts or layout_switch:
            raise ValueError("layouts and layout switches are the csdn site's; "
                             "the qapage site has one layout")
        options: dict[str, Any] = {} if pages is None else {"pages": pages}
        return QAPageSite(seed=seed, base_url=base_url, **options)
    if name != "csdn":
        raise ValueError(f"unknown site {name!r}; choose from {', '.join(SITES)}")
    options = {} if pages is None else {"pages": pages}
    return SampleSite(seed=seed, base_url=base_url, layouts=layouts,
                      layout_switch=layout_switch, **options)


def site_name(site: ServedSite) -> str:
    return "qapage" if isinstance(site, QAPageSite) else "csdn"


def serving_for(site: ServedSite) -> SiteServing:
    """The URLs and HTML of ``site``, for the app."""
    if isinstance(site, QAPageSite):
        return QAPageServing(site)
    assert isinstance(site, SampleSite)
    return CsdnServing(site)
