"""An answer page in whichever layout its content says (``AnswerPageContent.layout``)."""

from __future__ import annotations

from .content import AnswerPageContent
from .render import render_answer_page
from .render_evidence import render_evidence_page, render_redesign_page

__all__ = ["render_page"]


def render_page(page: AnswerPageContent, *, charset: str = "utf-8") -> str:
    """The page's HTML in its layout: reconstruction, evidence or redesign."""
    if page.layout == "evidence":
        return render_evidence_page(page, charset=charset)
    if page.layout == "redesign":
        return render_redesign_page(page, charset=charset)
    return render_answer_page(page, charset=charset)
