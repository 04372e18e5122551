"""The bundled sample site: a deterministic stand-in for wenku.csdn.net answer pages.

Tests, the demo and benchmarks crawl it on 127.0.0.1 instead of the real site. It
serves answer pages in the real layout, with robots.txt, sitemaps, ETags, epochs
(the site changing between crawls) and fault profiles (the site misbehaving).

>>> from sample_sites import running_sample_site
>>> with running_sample_site(pages=300, seed=1) as site:   # doctest: +SKIP
...     site.base_url, site.expected_record(site.root_url)["title"]

See ``README.md`` in this folder for the routes, faults and measured speed.
"""

from .app import SITEMAP_URLS_PER_FILE, SampleSiteApp
from .csdn.content import (
    DEFAULT_BASE_URL,
    DEFAULT_PAGES,
    AnswerPageContent,
    EpochChanges,
    SampleSite,
    views_display,
)
from .csdn.layouts import LAYOUTS, LayoutPlan, format_mix, parse_layout_switch, parse_mix
from .csdn.pages import render_page
from .csdn.render import render_answer_page
from .faults import FAULTS, affected_urls, fault_assignments, gzip_bomb, parse_faults
from .testing import RunningSampleSite, SampleSiteFactory, running_sample_site

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_PAGES",
    "FAULTS",
    "LAYOUTS",
    "SITEMAP_URLS_PER_FILE",
    "AnswerPageContent",
    "EpochChanges",
    "LayoutPlan",
    "RunningSampleSite",
    "SampleSite",
    "SampleSiteApp",
    "SampleSiteFactory",
    "affected_urls",
    "fault_assignments",
    "format_mix",
    "gzip_bomb",
    "parse_faults",
    "parse_layout_switch",
    "parse_mix",
    "render_answer_page",
    "render_page",
    "running_sample_site",
    "views_display",
]
