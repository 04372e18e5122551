"""The CSDN site's URLs and HTML, as the site-neutral app (``app.py``) asks for them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from ..common import Document, Redirect
from ..history import EPOCH_LENGTH, EPOCH_ZERO_AT
from .content import SampleSite
from .pages import render_page
from .render import (
    render_gone_page,
    render_index_page,
    render_private_page,
    render_resource_page,
    render_soft_404_page,
)
from .render_evidence import TRUNCATE_BEFORE

__all__ = ["CsdnServing"]

_ID = r"[0-9a-z]{10}|[0-9a-z]{12}|[0-9a-f]{32}"
_RESOURCE_PATH = re.compile(r"/(doc|download|column)/[^?#]+")


class CsdnServing:
    """Answer pages at ``/answer/<id>``; placeholders for recommended resources."""

    name = "csdn"
    page_pattern = re.compile(rf"/answer/({_ID})")
    robots_disallow = ("/private/", "/*?print=1$", "/_admin/")
    too_many_requests = "请求过于频繁,请稍后再试\n"

    def __init__(self, site: SampleSite) -> None:
        self.site = site

    def page_path(self, index: int) -> str:
        return f"/answer/{self.site.page_id(index)}"

    def page_part(self, query: str) -> int | None:
        return 1  # any query string serves the plain page (?via=redirect, ?print=1)

    def render_page(self, index: int, epoch: int, *, part: int, charset: str) -> str | None:
        return render_page(self.site.content(index, epoch), charset=charset)

    def truncate_before(self, index: int, epoch: int) -> bytes:
        return TRUNCATE_BEFORE.get(self.site.layout(index, epoch), b'<div class="answer-wrap"')

    def other(self, path: str, query: str, epoch: int) -> Document | Redirect | None:
        site = self.site
        if path == "/":
            html = render_index_page(root_url=self.page_path(0), sitemap_url="/sitemap.xml")
            return Document(html, EPOCH_ZERO_AT + epoch * EPOCH_LENGTH)
        if match := _RESOURCE_PATH.fullmatch(path):
            html = render_resource_page(match.group(1), path, url=site.base_url + path)
            return Document(html, EPOCH_ZERO_AT - timedelta(days=30))
        if path.startswith("/private/"):
            return Document(render_private_page(path), EPOCH_ZERO_AT)
        return None

    def gone_page(self, status: int) -> str:
        return render_gone_page(status)

    def soft_404_page(self) -> str:
        return render_soft_404_page()

    def state(self, epoch: int) -> dict[str, Any]:
        return {
            **self.site.layout_plan.describe(),
            "layout_mix": self.site.layout_plan.mix_at(epoch),
        }
