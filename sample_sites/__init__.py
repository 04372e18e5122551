"""The bundled sample sites: deterministic stand-ins for real Q&A sites.

Tests, the demo and benchmarks crawl them on 127.0.0.1 instead of the real sites.
Two sites, one server: ``csdn`` (the default) serves wenku.csdn.net answer pages in
their real layouts (``csdn/``); ``qapage`` a Stack Exchange-style site whose questions
carry schema.org QAPage markup, several answers, votes, tags, closed and duplicate
questions and paged answers (``qapage/``). Both have robots.txt, sitemaps, ETags,
epochs (the site changing between crawls) and fault profiles (the site misbehaving).

>>> from sample_sites import running_sample_site
>>> with running_sample_site(pages=300, seed=1) as site:   # doctest: +SKIP
...     site.base_url, site.expected_record(site.root_url)["title"]
>>> with running_sample_site(site="qapage", pages=100) as site:   # doctest: +SKIP
...     site.expected_record(site.root_url)["answers"]

See ``README.md`` in this folder for the routes, faults and measured speed.
"""

from .app import SITEMAP_URLS_PER_FILE, SampleSiteApp
from .csdn.content import (
    DEFAULT_BASE_URL,
    DEFAULT_PAGES,
    AnswerPageContent,
    SampleSite,
    views_display,
)
from .csdn.layouts import LAYOUTS, LayoutPlan, format_mix, parse_layout_switch, parse_mix
from .csdn.pages import render_page
from .csdn.render import render_answer_page
from .faults import FAULTS, affected_urls, fault_assignments, gzip_bomb, parse_faults
from .history import EpochChanges, SiteHistory
from .qapage.content import QAPageSite
from .sites import DEFAULT_PAGES_BY_SITE, DEFAULT_SITE, SITES, build_site
from .testing import RunningSampleSite, SampleSiteFactory, running_sample_site

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_PAGES",
    "DEFAULT_PAGES_BY_SITE",
    "DEFAULT_SITE",
    "FAULTS",
    "LAYOUTS",
    "SITEMAP_URLS_PER_FILE",
    "SITES",
    "AnswerPageContent",
    "EpochChanges",
    "LayoutPlan",
    "QAPageSite",
    "RunningSampleSite",
    "SampleSite",
    "SampleSiteApp",
    "SampleSiteFactory",
    "SiteHistory",
    "affected_urls",
    "build_site",
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
