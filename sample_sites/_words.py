"""Small text helpers both sample sites draw their sentences with (word pools: ``_texts.py``)."""

from __future__ import annotations

import random

from . import _texts as texts

__all__ = ["Words", "clip", "join_sentences", "link_form"]


class Words:
    """The handful of topic words one page is about, drawn once so its text hangs together."""

    def __init__(self, rng: random.Random) -> None:
        self.a, self.b = rng.sample(texts.TOPICS_ZH, 2)
        self.a_en, self.b_en = rng.sample(texts.TOPICS_EN, 2)
        self.task = rng.choice(texts.TASKS_ZH)
        self.task_en = rng.choice(texts.TASKS_EN)
        self.err = rng.choice(texts.ERRORS)

    def fill(self, template: str) -> str:
        return template.format(
            a=self.a, b=self.b, a_en=self.a_en, b_en=self.b_en,
            task=self.task, task_en=self.task_en, err=self.err,
        )

    def sentence(self, rng: random.Random) -> str:
        pool = texts.SENTENCES_EN if rng.random() < 0.2 else texts.SENTENCES_ZH
        return self.fill(rng.choice(pool))


def link_form(rng: random.Random) -> str:
    """How a page writes a link to another page: relative, protocol-relative or absolute."""
    draw = rng.random()
    if draw < 0.5:
        return "relative"
    if draw < 0.7:
        return "protocol-relative"
    return "absolute"


def join_sentences(sentences: list[str]) -> str:
    # Chinese sentences run on without spaces; English ones are separated by one.
    joined = sentences[0] if sentences else ""
    for sentence in sentences[1:]:
        english = joined[-1:].isascii() or sentence[:1].isascii()
        joined += (" " if english else "") + sentence
    return joined


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + "..."
