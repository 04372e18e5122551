"""Which layout each answer page is served in, at each epoch.

Three layouts, one content model (``content.py``):

``reconstruction``
    ``render.py``: the reconstructed reference page (``h1``, ``answer-wrap``,
    ``markdown-body``, tabbed recommend-box). The default: every page, every epoch.
``evidence``
    ``render_evidence.py``: the markup that code written for the real pages relies on
    (``#chatgpt-article-detail``, ``div.title.forbid``, ``div.data``,
    ``div.cont.first-show.forbid``, ``window.__INITIAL_STATE__``, ``#recommend``).
``redesign``
    ``render_evidence.py``: a future redesign no parser knows yet. The views figure is
    an icon and a number with no label and appears in no structured data; the time is
    labelled ``更新于``. A correct parser finds no ``view_count`` and no ``asked_at`` there.

A *mix* maps layout names to shares of pages; what the shares leave over goes to
``reconstruction``. ``{"evidence": 0.5}`` serves half the pages in each layout.
Pages get their layout from a low-discrepancy sequence over the page index
(``frac(offset + index * 0.618…)``, the offset drawn from the seed), so the share is
honoured closely in every run of consecutive pages, which is the order a crawl from
page 0 meets them in, not just over the whole site.

A *switch* ``(epoch, mix)`` replaces the mix from that epoch on; the pages' places
in the sequence stay, so the new shares are honoured just as closely.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "DEFAULT_LAYOUT",
    "LAYOUTS",
    "LayoutPlan",
    "format_mix",
    "parse_layout_switch",
    "parse_mix",
]

LAYOUTS = ("reconstruction", "evidence", "redesign")
DEFAULT_LAYOUT = "reconstruction"
_GOLDEN = (math.sqrt(5) - 1) / 2  # 0.618…: the most evenly spread Weyl sequence


def _normalise(mix: Mapping[str, float] | None) -> tuple[tuple[str, float], ...]:
    """A mix as ((layout, share), ...) in LAYOUTS order, reconstruction taking the rest."""
    mix = dict(mix or {})
    for name, share in mix.items():
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout {name!r}; choose from {', '.join(LAYOUTS)}")
        if not 0.0 <= float(share) <= 1.0:
            raise ValueError(f"the share of layout {name!r} must be between 0 and 1, got {share}")
    others = sum(float(share) for name, share in mix.items() if name != DEFAULT_LAYOUT)
    if others > 1.0 + 1e-9:
        raise ValueError(f"layout shares add up to more than 1: {format_mix(mix)}")
    if DEFAULT_LAYOUT in mix and abs(others + float(mix[DEFAULT_LAYOUT]) - 1.0) > 1e-6:
        raise ValueError(f"layout shares must add up to 1: {format_mix(mix)}")
    shares = {name: float(mix.get(name, 0.0)) for name in LAYOUTS if name != DEFAULT_LAYOUT}
    shares[DEFAULT_LAYOUT] = max(0.0, 1.0 - sum(shares.values()))
    return tuple((name, shares[name]) for name in LAYOUTS if shares[name] > 0.0)


def format_mix(mix: Mapping[str, float]) -> str:
    """``{"evidence": 0.5, "reconstruction": 0.5}`` → ``evidence=0.5,reconstruction=0.5``."""
    return ",".join(f"{name}={float(share):g}" for name, share in mix.items())


def parse_mix(text: str) -> dict[str, float]:
    """``evidence=0.5,redesign=0.1`` (or a bare ``evidence``, meaning 1.0) → a mix."""
    mix: dict[str, float] = {}
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        name, _, share = part.partition("=")
        name = name.strip()
        try:
            mix[name] = float(share) if share.strip() else 1.0
        except ValueError:
            raise ValueError(f"a layout share must be a number: {part!r}") from None
    if not mix:
        raise ValueError("give at least one layout, e.g. evidence=0.5")
    _normalise(mix)  # validates
    return mix


def parse_layout_switch(text: str) -> tuple[int, dict[str, float]]:
    """``2:redesign=1`` → ``(2, {"redesign": 1.0})``: from epoch 2 on, that mix."""
    epoch, colon, mix = text.partition(":")
    if not colon or not epoch.strip().isdigit():
        raise ValueError(f"a layout switch looks like EPOCH:MIX, e.g. 1:redesign=1; got {text!r}")
    return int(epoch), parse_mix(mix)


@dataclass(frozen=True, slots=True)
class LayoutPlan:
    """The layout mix of a site, and the epoch (if any) from which another mix applies."""

    mix: tuple[tuple[str, float], ...]
    switch_epoch: int | None
    switch_mix: tuple[tuple[str, float], ...]
    offset: float

    @classmethod
    def of(
        cls,
        layouts: Mapping[str, float] | None = None,
        layout_switch: tuple[int, Mapping[str, float]] | None = None,
        *,
        seed: int = 0,
    ) -> LayoutPlan:
        switch_epoch: int | None = None
        switch_mix: tuple[tuple[str, float], ...] = ()
        if layout_switch is not None:
            epoch, mix = layout_switch
            if epoch < 0:
                raise ValueError("a layout switch's epoch must be 0 or more")
            switch_epoch, switch_mix = int(epoch), _normalise(mix)
        offset = random.Random(f"{seed}:layout-offset").random()
        return cls(_normalise(layouts), switch_epoch, switch_mix, offset)

    @property
    def is_default(self) -> bool:
        """Every page in the reconstruction layout at every epoch (today's site)."""
        only = ((DEFAULT_LAYOUT, 1.0),)
        return self.mix == only and (self.switch_epoch is None or self.switch_mix == only)

    def mix_at(self, epoch: int) -> dict[str, float]:
        """The shares that apply at ``epoch``, every layout named (0.0 when unused)."""
        mix = self.mix
        if self.switch_epoch is not None and epoch >= self.switch_epoch:
            mix = self.switch_mix
        shares = dict.fromkeys(LAYOUTS, 0.0)
        shares.update(mix)
        return shares

    def layout_of(self, index: int, epoch: int) -> str:
        """The layout page ``index`` is served in at ``epoch``."""
        mix = self.mix
        if self.switch_epoch is not None and epoch >= self.switch_epoch:
            mix = self.switch_mix
        place = (self.offset + index * _GOLDEN) % 1.0
        total = 0.0
        for name, share in mix:
            total += share
            if place < total:
                return name
        return mix[-1][0]

    def describe(self) -> dict[str, object]:
        """JSON-ready: ``{"layouts": {...}, "layout_switch": [epoch, {...}] | None}``."""
        switch = None
        if self.switch_epoch is not None:
            switch = [self.switch_epoch, dict(self.switch_mix)]
        return {"layouts": dict(self.mix), "layout_switch": switch}
