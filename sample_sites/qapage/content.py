"""What the QAPage site says: questions with several answers, their history, and the truth.

A pure function of ``(pages, seed, base_url)`` plus an epoch, like the CSDN site
(``csdn/content.py``), and built on the same history rules (``history.py``): page
``i`` is question ``i``; questions below ``pages // 2`` are internal (never removed,
never faulted); about 6% of the leaves disappear at epoch 1, 2 or 3; ``pages // 50``
questions appear at each epoch. Each question draws from its own
``random.Random(f"{seed}:q:{index}")``.

The link graph
--------------
The "Related" sidebar of question ``i`` lists questions ``2i+1`` and ``2i+2`` (while
they exist), the questions created later that hang off it, and now and then another
internal question: every question is reachable from question 0. The "Linked" sidebar
lists the question that links here (the heap parent), the duplicate's target, and now
and then another internal question. Bodies link to other questions and to answers'
``/a/<id>`` permalinks.

Ids
---
Question ``i`` has id ``10_000_000 + 100 i + r`` (``r`` drawn per question), answer
``k`` of it ``60_000_000 + 100 i + k``: numeric, unique, increasing with age, and
read back without a table.

Epochs
------
At each epoch K ≥ 1, per question: views grow (30%); an answer is edited, or the
question when it has none (5%, ``history.edited_at``): a sentence is appended and the
post shows "edited"; votes move on 15% of questions; an open question gets a new
answer (5%), which may push answers onto a new page. Anything a page shows changing
gives it a new ETag and Last-Modified; the rest keep theirs.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from typing import Any
from urllib.parse import quote, urlsplit

from .. import _texts as shared_texts
from .._words import Words, join_sentences, link_form
from ..history import EPOCH_LENGTH, EPOCH_ZERO_AT, SiteHistory
from . import _texts as texts

__all__ = [
    "ANSWERS_PER_PAGE",
    "DEFAULT_PAGES",
    "Answer",
    "Post",
    "QAPageSite",
    "Question",
    "QuestionLink",
    "tag_path",
    "views_display",
]

DEFAULT_PAGES = 300
ANSWERS_PER_PAGE = 10  # answers shown per page; the rest on ?page=2, ...
VOTE_CHANGE_RATE = 0.15  # share of questions whose votes move at each epoch >= 1
NEW_ANSWER_RATE = 0.05  # share of open questions answered again at each epoch >= 1
MAX_ANSWERS = 99  # answer ids leave room for 100 per question

_QUESTION_IDS = 10_000_000
_ANSWER_IDS = 60_000_000
_CHINA = timezone(timedelta(hours=8))
_FIRST_QUESTION_AT = datetime(2019, 1, 1, tzinfo=UTC)
_QUESTION_PATH = re.compile(r"/questions/(\d+)")


@dataclass(frozen=True, slots=True)
class Post:
    """A question's or an answer's body, in the forms the page and the truth need."""

    html: str  # inner HTML of the post's body
    text: str  # plain text, blocks separated by a blank line (what JSON-LD ``text`` holds)
    markdown: str
    phrases: tuple[str, ...]  # sentences a parser's text must contain
    code_blocks: tuple[tuple[str, str], ...]  # (language, code)


@dataclass(frozen=True, slots=True)
class User:
    id: int
    name: str

    @property
    def path(self) -> str:
        slug = _slug(self.name, fallback=f"user{self.id}")
        return f"/users/{self.id}/{slug}"


@dataclass(frozen=True, slots=True)
class Answer:
    id: str
    post: Post
    votes: int
    accepted: bool
    author: User
    created_at: datetime
    edited_at: datetime | None  # the last edit, if any


@dataclass(frozen=True, slots=True)
class QuestionLink:
    """An entry of the Related or Linked sidebar."""

    id: str
    url: str
    href: str  # as the HTML writes it: relative, protocol-relative or absolute
    title: str
    votes: int


@dataclass(frozen=True, slots=True)
class Question:
    """One question page at one epoch, with all its answers (every page of them)."""

    index: int
    id: str
    slug: str
    url: str
    title: str
    post: Post
    asked_at: datetime
    edited_at: datetime | None
    author: User
    votes: int
    views: int
    tags: tuple[str, ...]
    status: str  # open, closed or duplicate
    close_reason: str  # for closed questions
    closed_at: datetime | None
    duplicate_of: QuestionLink | None
    answers: tuple[Answer, ...]  # in page order: accepted first, then by votes, then by age
    related: tuple[QuestionLink, ...]
    linked: tuple[QuestionLink, ...]
    markup: str  # "json-ld" or "microdata"
    last_modified: datetime

    @property
    def answer_pages(self) -> int:
        return max(1, -(-len(self.answers) // ANSWERS_PER_PAGE))

    def answers_on(self, part: int) -> tuple[Answer, ...]:
        start = (part - 1) * ANSWERS_PER_PAGE
        return self.answers[start:start + ANSWERS_PER_PAGE]

    def part_of(self, answer_id: str) -> int:
        """The answers page (``?page=N``) that shows the answer."""
        for position, answer in enumerate(self.answers):
            if answer.id == answer_id:
                return position // ANSWERS_PER_PAGE + 1
        raise KeyError(answer_id)

    def page_url(self, part: int) -> str:
        return self.url if part == 1 else f"{self.url}?page={part}"


@dataclass(frozen=True, slots=True)
class _AnswerBase:
    post: Post
    votes: int
    author: User
    created_at: datetime


@dataclass(frozen=True, slots=True)
class _QuestionBase:
    """The epoch-independent part of a question, drawn once from its seed."""

    title: str
    post: Post
    asked_at: datetime
    author: User
    votes: int
    base_views: int
    tags: tuple[str, ...]
    status: str
    close_reason: str
    closed_at: datetime | None
    duplicate_of: int | None
    answers: tuple[_AnswerBase, ...]
    accepted: int | None  # which answer (by draw order) is accepted
    cross_related: tuple[int, ...]
    cross_linked: tuple[int, ...]
    markup: str
    first_modified: datetime


def views_display(views: int) -> str:
    """How the page shows a view count: Stack Exchange's rounded figure (the exact one is
    in the ``title`` attribute): 76, 4k, 12k, 1.2m."""
    if views < 1000:
        return str(views)
    if views < 1_000_000:
        return f"{views // 1000}k"
    return f"{views // 100_000 / 10:g}m"


class QAPageSite(SiteHistory):
    """The QAPage site's content model: which questions exist at an epoch, and what they say.

    >>> site = QAPageSite(pages=200, seed=1, base_url="http://127.0.0.1:8765")
    >>> site.expected_record(site.root_url)["answers"]  # doctest: +SKIP
    """

    name = "qapage"

    def __init__(
        self, *, pages: int = DEFAULT_PAGES, seed: int = 0, base_url: str = "http://127.0.0.1:8765"
    ) -> None:
        super().__init__(pages=pages, seed=seed, base_url=base_url)
        self._bases: dict[int, _QuestionBase] = {}
        self._questions: dict[tuple[int, int], Question] = {}

    # -- identity -----------------------------------------------------------------------

    @property
    def site_key(self) -> str:
        """The ``site`` a record names: the host that serves it, without its port (a
        question stays the same question when the site is served on another port)."""
        return urlsplit(self.base_url).hostname or ""

    def page_id(self, index: int) -> str:
        offset = random.Random(f"{self.seed}:q:{index}:id").randrange(100)
        return str(_QUESTION_IDS + 100 * index + offset)

    def slug(self, index: int) -> str:
        return _slug(self._base(index).title)

    def path_of(self, index: int) -> str:
        return f"/questions/{self.page_id(index)}/{self.slug(index)}"

    def url_of(self, index: int) -> str:
        return self.base_url + self.path_of(index)

    def index_of(self, page: int | str, *, epoch: int = 0) -> int | None:
        """The index of a question given as index, id or URL (any slug, any ``?page=``);
        None if unknown at ``epoch``."""
        if isinstance(page, int):
            return page if 0 <= page < self.page_count(epoch) else None
        match = _QUESTION_PATH.search(urlsplit(page).path) if "/" in page else None
        digits = match.group(1) if match else page
        if not digits.isdigit():
            return None
        index = (int(digits) - _QUESTION_IDS) // 100
        if not 0 <= index < self.page_count(epoch) or self.page_id(index) != digits:
            return None
        return index

    def answer_location(self, answer_id: str, *, epoch: int = 0) -> tuple[int, int] | None:
        """(question index, answers page) of an answer id, if the answer exists at ``epoch``."""
        if not answer_id.isdigit():
            return None
        number = int(answer_id) - _ANSWER_IDS
        index = number // 100
        if number < 0 or index >= self.page_count(epoch) or self.status(index, epoch) != 200:
            return None
        question = self.question(index, epoch)
        if not any(answer.id == answer_id for answer in question.answers):
            return None
        return index, question.part_of(answer_id)

    def page_urls(self, page: int | str, *, epoch: int = 0) -> list[str]:
        """Every URL the question's answers are shown at: the page, then ``?page=2``, ..."""
        question = self.question(page, epoch)
        return [question.page_url(part) for part in range(1, question.answer_pages + 1)]

    def tags(self, epoch: int = 0) -> dict[str, list[int]]:
        """Tag → the questions (indexes) carrying it at ``epoch``, in index order."""
        tagged: dict[str, list[int]] = {}
        for index in self.answer_indexes(epoch):
            for tag in self._base(index).tags:
                tagged.setdefault(tag, []).append(index)
        return dict(sorted(tagged.items()))

    # -- history ------------------------------------------------------------------------

    def views(self, index: int, epoch: int) -> int:
        return self.grown_views(index, self._base(index).base_views, epoch)

    def linked_targets(self, index: int) -> list[int]:
        """The questions ``index`` lists as Linked: its heap parent, its duplicate target,
        perhaps another internal question. Internal pages only, so never removed."""
        base = self._base(index)
        targets: list[int] = []
        if 0 < index < self.pages:
            targets.append((index - 1) // 2)
        elif index >= self.pages:
            targets.append((index - self.pages) % self.internal_pages)
        for target in (base.duplicate_of, *base.cross_linked):
            if target is not None and target != index and target not in targets:
                targets.append(target)
        return targets

    def answers_added(self, index: int, epoch: int) -> int:
        """Answers posted after the question's first epoch, up to ``epoch``."""
        return len(self._new_answer_epochs(index, epoch))

    def _new_answer_epochs(self, index: int, epoch: int) -> list[int]:
        base = self._base(index)
        if base.status != "open":
            return []
        room = MAX_ANSWERS - len(base.answers)
        epochs = [
            e for e in range(self.created_epoch(index) + 1, epoch + 1)
            if random.Random(f"{self.seed}:q:{index}:new-answer:{e}").random() < NEW_ANSWER_RATE
        ]
        return epochs[:room]

    def _vote_changes(self, index: int, epoch: int) -> list[tuple[int, int]]:
        """(answer number or -1 for the question, change) for each epoch's vote move."""
        moves = []
        for e in range(self.created_epoch(index) + 1, epoch + 1):
            rng = random.Random(f"{self.seed}:q:{index}:votes:{e}")
            if rng.random() < VOTE_CHANGE_RATE:
                answers = len(self._base(index).answers) + len(self._new_answer_epochs(index, e))
                target = rng.randrange(-1, answers)
                moves.append((target, rng.choice((-1, 1, 1, 2, 3))))
        return moves

    def _cross_links(self, index: int) -> tuple[int, ...]:
        return self._base(index).cross_related

    def _first_modified(self, index: int) -> datetime:
        return self._base(index).first_modified

    def _extra_changes(self, index: int, epoch: int) -> dict[str, bool]:
        """``answered``: a new answer; ``voted``: the question's or an answer's votes moved."""
        return {
            "answered": self.answers_added(index, epoch) != self.answers_added(index, epoch - 1),
            "voted": len(self._vote_changes(index, epoch)) != len(
                self._vote_changes(index, epoch - 1)),
        }

    def _signature(self, index: int, epoch: int) -> tuple[object, ...]:
        # Everything epoch-dependent the rendered page shows (the exact views are in a
        # title attribute, so every view counts).
        return (
            self.views(index, epoch), self.version(index, epoch),
            len(self._new_answer_epochs(index, epoch)), len(self._vote_changes(index, epoch)),
            tuple(self.related_targets(index, epoch)),
        )

    # -- content ------------------------------------------------------------------------

    def question(self, page: int | str, epoch: int = 0) -> Question:
        """The question as shown at ``epoch``; KeyError if it does not answer 200 then."""
        index = self.index_of(page, epoch=epoch)
        if index is None or self.status(index, epoch) != 200:
            raise KeyError(f"no question {page!r} at epoch {epoch}")
        cached = self._questions.get((index, epoch))
        if cached is None:
            cached = self._questions[(index, epoch)] = self._build(index, epoch)
        return cached

    def content(self, page: int | str, epoch: int = 0) -> Question:
        """The same as :meth:`question` (the name the CSDN site uses)."""
        return self.question(page, epoch)

    def _build(self, index: int, epoch: int) -> Question:
        base = self._base(index)
        tz = base.asked_at.tzinfo
        votes = [a.votes for a in base.answers]
        drafts = list(base.answers)
        for e in self._new_answer_epochs(index, epoch):
            drafts.append(self._new_answer(index, e, tz))
            votes.append(drafts[-1].votes)
        question_votes = base.votes
        for target, change in self._vote_changes(index, epoch):
            if target < 0 or target >= len(votes):
                question_votes += change
            else:
                votes[target] += change
        # Edits: the epoch's edit goes to one answer (or the question when it has none).
        edits: dict[int, list[int]] = {}
        first = self.created_epoch(index) + 1
        for e in range(first, epoch + 1):
            if self.edited_at(index, e):
                answers_then = len(base.answers) + len(self._new_answer_epochs(index, e))
                pick = random.Random(f"{self.seed}:q:{index}:edit-which:{e}")
                edits.setdefault(pick.randrange(answers_then) if answers_then else -1,
                                 []).append(e)
        answers = []
        for number, draft in enumerate(drafts):
            post, edited_at = self._edited(index, number, draft.post, edits.get(number, []), tz)
            answers.append(Answer(
                id=str(_ANSWER_IDS + 100 * index + number),
                post=post,
                votes=votes[number],
                accepted=number == base.accepted,
                author=draft.author,
                created_at=draft.created_at,
                edited_at=edited_at,
            ))
        answers.sort(key=lambda a: (not a.accepted, -a.votes, a.created_at))
        post, edited_at = self._edited(index, -1, base.post, edits.get(-1, []), tz)
        return Question(
            index=index,
            id=self.page_id(index),
            slug=self.slug(index),
            url=self.url_of(index),
            title=base.title,
            post=post,
            asked_at=base.asked_at,
            edited_at=edited_at,
            author=base.author,
            votes=question_votes,
            views=self.views(index, epoch),
            tags=base.tags,
            status=base.status,
            close_reason=base.close_reason,
            closed_at=base.closed_at,
            duplicate_of=(self._link(index, base.duplicate_of, "dup", epoch)
                          if base.duplicate_of is not None else None),
            answers=tuple(answers),
            related=tuple(self._link(index, t, "related", epoch)
                          for t in self.related_targets(index, epoch)),
            linked=tuple(self._link(index, t, "linked", epoch) for t in self.linked_targets(index)),
            markup=base.markup,
            last_modified=self.last_modified(index, epoch),
        )

    def _link(self, index: int, target: int, kind: str, epoch: int) -> QuestionLink:
        form = link_form(random.Random(f"{self.seed}:q:{index}:{kind}:{target}"))
        # The sidebar shows the target's votes at epoch 0: a sidebar is cached on real
        # sites too, and the page would otherwise change whenever its neighbours do.
        return QuestionLink(
            id=self.page_id(target),
            url=self.url_of(target),
            href=self._href(self.path_of(target), form),
            title=self._base(target).title,
            votes=self._base(target).votes,
        )

    def _edited(
        self, index: int, number: int, post: Post, epochs: list[int], tz: Any
    ) -> tuple[Post, datetime | None]:
        if not epochs:
            return post, None
        html, text, markdown, phrases = [post.html], [post.text], [post.markdown], list(
            post.phrases)
        for count, e in enumerate(epochs, start=1):
            rng = random.Random(f"{self.seed}:q:{index}:edit-text:{number}:{e}")
            words = Words(rng)
            addition = words.fill(rng.choice(texts.SENTENCES_EN))
            sentence = f"Edit {count} (第{count}次修改): {addition}"
            html.append(f"<p>{escape(sentence, quote=False)}</p>")
            text.append(sentence)
            markdown.append(sentence)
            phrases.append(sentence)
        edited_at = (EPOCH_ZERO_AT + epochs[-1] * EPOCH_LENGTH - timedelta(hours=5)).astimezone(tz)
        return Post("\n".join(html), "\n\n".join(text), "\n\n".join(markdown), tuple(phrases),
                    post.code_blocks), edited_at

    def _new_answer(self, index: int, epoch: int, tz: Any) -> _AnswerBase:
        rng = random.Random(f"{self.seed}:q:{index}:new-answer-text:{epoch}")
        words = Words(rng)
        moment = EPOCH_ZERO_AT + epoch * EPOCH_LENGTH - timedelta(
            seconds=rng.randrange(3600, 72 * 3600))
        return _AnswerBase(
            post=self._draw_post(rng, words, index, english=0.7),
            votes=rng.randint(0, 3),
            author=_user(rng),
            created_at=moment.astimezone(tz).replace(microsecond=0),
        )

    # -- the truth ----------------------------------------------------------------------

    def expected_record(self, page: int | str, *, epoch: int = 0) -> dict[str, Any]:
        """What a correct parser extracts from one page of a question at ``epoch``, in the
        shape of ``qarchive parse``'s record (issue #17).

        ``page`` is an index, an id or a URL; a URL's ``?page=N`` picks the answers page
        (default 1). ``answers`` are the answers *that page* shows, in page order
        (``position`` 1-based on the page); ``answer_count`` is the question's total.
        Texts are exact as the site writes them into JSON-LD (``question_text``, each
        answer's ``text``: blocks separated by a blank line; the page's HTML has the same
        words, and a parser's whitespace may differ); ``*_phrases`` are sentences the
        text must contain, ``*code_blocks`` the code the Markdown must hold in fences.
        ``question_text`` leaves out the closed/duplicate notice, which the page renders
        inside the question body's markup (and so inside microdata's ``text``).
        """
        part = 1
        if isinstance(page, str) and "?" in page:
            match = re.search(r"(?:^|&)page=(\d+)", urlsplit(page).query)
            part = int(match.group(1)) if match else 1
        question = self.question(page, epoch)
        if not 1 <= part <= question.answer_pages:
            raise KeyError(f"question {question.id} has no answers page {part}")
        record = self._record(question)
        record["url"] = question.page_url(part)
        record["answers_page"] = part
        record["answers"] = [
            {"position": position, **self._answer_record(question, answer)}
            for position, answer in enumerate(question.answers_on(part), start=1)
        ]
        return record

    def expected_question(self, page: int | str, *, epoch: int = 0) -> dict[str, Any]:
        """The whole question at ``epoch``: as :meth:`expected_record` for its first page,
        but ``answers`` holds every answer over all its pages, each with ``page``."""
        question = self.question(page, epoch)
        record = self._record(question)
        record["answers"] = [
            {"position": position, "page": position // ANSWERS_PER_PAGE + 1,
             **self._answer_record(question, answer)}
            for position, answer in enumerate(question.answers)
        ]
        for number, answer in enumerate(record["answers"], start=1):
            answer["position"] = number
        return record

    def _record(self, question: Question) -> dict[str, Any]:
        return {
            "url": question.url,
            "site": self.site_key,
            "id": question.id,
            "title": question.title,
            "asked_at": question.asked_at.isoformat(),
            "view_count": question.views,
            "view_count_approximate": False,  # the exact figure is in a title attribute
            "question_text": question.post.text,
            "question_phrases": list(question.post.phrases),
            "question_code_blocks": [
                {"language": language, "code": code} for language, code in question.post.code_blocks
            ],
            "question_votes": question.votes,
            "question_author": question.author.name,
            "tags": list(question.tags),
            "status": question.status,
            "duplicate_of": question.duplicate_of.url if question.duplicate_of else None,
            "answer_count": len(question.answers),
            "answer_pages": question.answer_pages,
            "accepted_answer": next((a.id for a in question.answers if a.accepted), None),
            "related_questions": _links_record(question.related),
            "linked_questions": _links_record(question.linked),
            "markup": question.markup,
            "layout": "qapage",
            "missing_fields": [],
        }

    def _answer_record(self, question: Question, answer: Answer) -> dict[str, Any]:
        return {
            "id": answer.id,
            "url": f"{self.base_url}/a/{answer.id}",
            "text": answer.post.text,
            "phrases": list(answer.post.phrases),
            "code_blocks": [
                {"language": language, "code": code} for language, code in answer.post.code_blocks
            ],
            "votes": answer.votes,
            "accepted": answer.accepted,
            "author": answer.author.name,
            "created_at": answer.created_at.isoformat(),
        }

    # -- generation ---------------------------------------------------------------------

    def _base(self, index: int) -> _QuestionBase:
        base = self._bases.get(index)
        if base is None:
            base = self._bases[index] = self._draw_base(index)
        return base

    def _answer_total(self, index: int) -> int:
        """How many answers question ``index`` is drawn with (its own seed: bodies that
        link to its answers need the number without drawing the whole question)."""
        rng = random.Random(f"{self.seed}:q:{index}:answers")
        draw = rng.random()
        if draw < 0.15:
            return 0
        if draw < 0.65:
            return rng.randint(1, 3)
        if draw < 0.9:
            return rng.randint(4, ANSWERS_PER_PAGE)
        return rng.randint(ANSWERS_PER_PAGE + 2, 3 * ANSWERS_PER_PAGE + 5)

    def _draw_base(self, index: int) -> _QuestionBase:
        # The order of draws below is part of the site's identity: append, never reorder.
        rng = random.Random(f"{self.seed}:q:{index}")
        words = Words(rng)
        english = rng.choice((0.2, 0.7, 0.9))  # how English the thread is
        if rng.random() < english:
            title = words.fill(rng.choice(texts.TITLE_TEMPLATES_EN))
        else:
            title = words.fill(rng.choice(shared_texts.TITLE_TEMPLATES_ZH))
        tz = _CHINA if rng.random() < 0.3 else UTC
        if index < self.pages:
            span = EPOCH_ZERO_AT - timedelta(days=30) - _FIRST_QUESTION_AT
            asked_at = _FIRST_QUESTION_AT + timedelta(seconds=rng.randrange(
                int(span.total_seconds())))
        else:
            created = EPOCH_ZERO_AT + self.created_epoch(index) * EPOCH_LENGTH
            asked_at = created - timedelta(seconds=rng.randrange(3 * 86400, 6 * 86400))
        asked_at = asked_at.astimezone(tz).replace(microsecond=0)
        post = self._draw_post(rng, words, index, english=english)
        author = _user(rng)
        votes = _votes(rng)
        magnitude = rng.random()
        if magnitude < 0.4:
            base_views = rng.randint(3, 999)
        elif magnitude < 0.75:
            base_views = rng.randint(1000, 99_999)
        elif magnitude < 0.95:
            base_views = rng.randint(100_000, 999_999)
        else:
            base_views = rng.randint(1_000_000, 3_000_000)
        tags = tuple(dict.fromkeys(rng.choice(texts.TAGS) for _ in range(rng.randint(1, 5))))
        status, close_reason, duplicate_of = "open", "", None
        draw = rng.random()
        if index > 0 and index < self.pages and draw < 0.08:
            status, close_reason = "closed", rng.choice(texts.CLOSE_REASONS)
        elif index > 0 and draw < 0.2:
            target = rng.randrange(self.internal_pages)
            if target != index:
                status, duplicate_of = "duplicate", target
        answers = []
        now = EPOCH_ZERO_AT - timedelta(days=1)
        for _ in range(self._answer_total(index)):
            latest = max(asked_at + timedelta(minutes=10), min(
                now, asked_at + timedelta(days=700)))
            created_at = asked_at + timedelta(seconds=rng.randrange(
                300, max(301, int((latest - asked_at).total_seconds()))))
            if index >= self.pages:
                created_at = asked_at + timedelta(seconds=rng.randrange(300, 86400))
            answers.append(_AnswerBase(
                post=self._draw_post(rng, words, index, english=english),
                votes=_votes(rng),
                author=_user(rng),
                created_at=created_at.astimezone(tz).replace(microsecond=0),
            ))
        accepted = rng.randrange(len(answers)) if answers and rng.random() < 0.65 else None
        closed_at = None
        if status != "open":
            closed_at = (asked_at + timedelta(hours=rng.randint(1, 200))).replace(microsecond=0)
        cross_related = tuple(dict.fromkeys(
            t for t in (rng.randrange(self.internal_pages) for _ in range(rng.choice((0, 0, 1, 2))))
            if t != index
        ))
        cross_linked = tuple(
            t for t in (rng.randrange(self.internal_pages) for _ in range(rng.choice((0, 0, 1))))
            if t != index
        )
        markup = "json-ld" if rng.random() < 0.5 else "microdata"
        last_post = max((a.created_at for a in answers), default=asked_at)
        first_modified = last_post + timedelta(minutes=rng.randrange(1, 59))
        return _QuestionBase(
            title=title, post=post, asked_at=asked_at, author=author, votes=votes,
            base_views=base_views, tags=tags, status=status, close_reason=close_reason,
            closed_at=closed_at, duplicate_of=duplicate_of, answers=tuple(answers),
            accepted=accepted, cross_related=cross_related, cross_linked=cross_linked,
            markup=markup, first_modified=first_modified,
        )

    def _draw_post(self, rng: random.Random, words: Words, index: int, *, english: float) -> Post:
        """A body of one to four blocks: paragraphs, now and then code, a list, a link to
        another question or to an answer's permalink."""
        html: list[str] = []
        text: list[str] = []
        markdown: list[str] = []
        phrases: list[str] = []
        code_blocks: list[tuple[str, str]] = []

        def sentence() -> str:
            if rng.random() < english:
                return words.fill(rng.choice(texts.SENTENCES_EN))
            return words.sentence(rng)

        def paragraph() -> None:
            sentences = [sentence() for _ in range(rng.randint(1, 3))]
            phrases.append(sentences[0])
            joined = join_sentences(sentences)
            html.append(f"<p>{escape(joined, quote=False)}</p>")
            text.append(joined)
            markdown.append(joined)

        paragraph()
        for _ in range(rng.randint(0, 3)):
            kind = rng.choice(("p", "code", "code", "ul", "link"))
            if kind == "p":
                paragraph()
            elif kind == "code":
                language, template = rng.choice(shared_texts.CODE_SNIPPETS)
                code = template.format(
                    name=rng.choice(("data", "report", "users", "filter_items", "demo")),
                    n=rng.randint(2, 500), port=rng.choice((80, 3306, 6379, 8080)),
                    cls=rng.choice(("Main", "Demo", "App")),
                )
                code_blocks.append((language, code))
                html.append(f'<pre><code class="language-{language}">'
                            f"{escape(code, quote=False)}</code></pre>")
                text.append(code)
                markdown.append(f"```{language}\n{code}\n```")
            elif kind == "ul":
                items = [words.fill(rng.choice(shared_texts.LIST_ITEMS))
                         for _ in range(rng.randint(2, 4))]
                phrases.append(items[0])
                html.append("<ul>" + "".join(f"<li>{escape(i, quote=False)}</li>"
                                             for i in items) + "</ul>")
                text.append("\n".join(items))
                markdown.append("\n".join(f"- {item}" for item in items))
            else:
                target = rng.randrange(self.internal_pages)
                if target == index:
                    target = (target + 1) % self.internal_pages
                answers = self._answer_total(target) if target != index else 0
                if answers and rng.random() < 0.5:
                    path = f"/a/{_ANSWER_IDS + 100 * target + rng.randrange(answers)}"
                    label = "this answer"
                else:
                    path = f"/questions/{self.page_id(target)}"  # the site adds the slug
                    label = "a related question"
                before = "See also"
                html.append(f'<p>{before} <a href="{path}">{label}</a>.</p>')
                text.append(f"{before} {label}.")
                markdown.append(f"{before} [{label}]({path}).")
        return Post("\n".join(html), "\n\n".join(text), "\n\n".join(markdown), tuple(phrases),
                    tuple(code_blocks))


def _links_record(links: tuple[QuestionLink, ...]) -> list[dict[str, Any]]:
    return [
        {"position": position, "id": link.id, "url": link.url, "title": link.title,
         "answer_text": ""}
        for position, link in enumerate(links, start=1)
    ]


def _votes(rng: random.Random) -> int:
    draw = rng.random()
    if draw < 0.1:
        return -rng.randint(1, 5)
    if draw < 0.5:
        return rng.randint(0, 5)
    if draw < 0.85:
        return rng.randint(6, 120)
    return rng.randint(121, 3000)


def _user(rng: random.Random) -> User:
    name = rng.choice(texts.USERS)
    return User(id=1000 + texts.USERS.index(name) * 7919 % 100_000, name=name)


def _slug(title: str, *, fallback: str = "question") -> str:
    """Stack Exchange-style slug: ASCII words, lowercase, hyphens, at most 80 characters."""
    words = re.findall(r"[a-z0-9]+", title.lower().replace("c++", "cpp"))
    slug = "-".join(words)[:80].rstrip("-")
    return slug or fallback


def tag_path(tag: str) -> str:
    return f"/questions/tagged/{quote(tag, safe='')}"
