"""Full-text search that works for unsegmented Chinese.

SQLite's FTS5 tokenizers split on spaces and punctuation, so a Chinese
sentence is one long token and ``模型`` finds nothing inside it. We index a
*segmented copy* instead: every run of CJK characters becomes its overlapping
bigrams (``预训练模型`` -> ``预训 训练 练模 模型``; a one-character run stays
one token), Latin words and numbers stay whole, everything is lowercased. A
query goes through the same segmentation and becomes an FTS5 phrase per term,
so ``预训练模型`` matches exactly the rows holding those five characters in
order, ``模型`` is the one-token phrase ``"模型"``, and ``BERT`` is ``"bert"``.
Bigrams are what CJK search engines without a dictionary use (Lucene's
CJKAnalyzer); they need no word list and never miss a substring of two or more
characters. See schema/README.md for the tables.

The writer keeps the index current: ``store_answer_page`` adds each row it
changes to a ``PendingIndex``, written in two ``executemany`` calls per batch;
migration 0003 indexes the rows an older archive already holds.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import sqlite_utils

from archive.search_syntax import SearchSyntaxError, to_fts5

__all__ = [
    "QUESTION_FTS",
    "RANKED_MATCHES",
    "RESOURCE_FTS",
    "SEARCH_MAX_CHARS",
    "PendingIndex",
    "QuestionHit",
    "SearchResults",
    "SearchSyntaxError",
    "answer_start",
    "fts_query",
    "markdown_words",
    "rebuild_search_index",
    "search_questions",
    "searchable_text",
    "segment",
]

QUESTION_FTS = "questions_fts"
RESOURCE_FTS = "resources_fts"

# The most characters of one column (a title, a question's answers) the search index
# segments. Segmenting turns each CJK character into a two-character token: a 10 MB
# hostile answer became ~10 million tokens, 390 MB of Python strings at once and 57 MB of
# index for one page (tests/test_hostile_storage.py). A real answer is a few thousand
# characters; words past this cut are not searchable (the text itself is kept).
SEARCH_MAX_CHARS = 50_000

# Han (with extensions A and B..), kana and Hangul: scripts written without spaces.
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\U00020000-\U0003134f"
)
# A run of CJK characters, or a run of other word characters (no underscore). The
# second class names CJK explicitly instead of a per-character lookahead: 1.4x faster.
_TOKEN_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")
# Every two characters in a row, overlapping (a run's bigrams in one C call: ~10% of
# segmenting an import's texts faster than pairing slices).
_BIGRAMS = re.compile(r"(?=(..))", re.DOTALL)


def _tokens(text: str) -> list[list[str]]:
    """Token groups: one group per CJK run (its bigrams, then its last character alone)
    or per Latin word.

    The run's last character gets a token of its own: no bigram starts with it,
    so without it a one-character search (型) would miss the runs it ends (模型).
    """
    groups: list[list[str]] = []
    for cjk, word in _TOKEN_RUNS.findall(text.casefold()):
        if not cjk:
            groups.append([word])
        elif len(cjk) == 1:
            groups.append([cjk])
        else:  # overlapping bigrams, and the last character
            groups.append([*_BIGRAMS.findall(cjk), cjk[-1]])
    return groups


def segment(text: str | None) -> str:
    """The text as FTS5 should index it: bigrams for CJK runs, words for the rest.

    >>> segment("BERT预训练模型, v2")
    'bert 预训 训练 练模 模型 型 v2'
    """
    if not text:
        return ""
    # _tokens' groups, flattened as they are made: the writer segments every title and
    # answer it stores (and until schema 17 every resource's description: ~20 texts a
    # sample page), and the group lists and the generator that flattened them were a
    # quarter of the time.
    tokens: list[str] = []
    append, extend = tokens.append, tokens.extend
    for cjk, word in _TOKEN_RUNS.findall(text[:SEARCH_MAX_CHARS].casefold()):
        if word:
            append(word)
        elif len(cjk) == 1:
            append(cjk)
        else:  # overlapping bigrams, and the last character
            extend(_BIGRAMS.findall(cjk))
            append(cjk[-1])
    return " ".join(tokens)


def fts_query(user_query: str | None, *, strict: bool = False) -> str:
    """A user's search as an FTS5 expression over segmented text (archive/search_syntax.py).

    Words are ANDed; ``OR``, ``AND``, ``NOT``, ``"phrases"``, ``prefix*`` and
    parentheses work as in FTS5, for Chinese and Latin words alike. A word or
    quoted phrase ending in one Chinese character is matched as a prefix, so ``模``,
    ``BERT模`` and ``"模"`` find 模型 (a longer one ends in a whole bigram:
    ``_word_tokens``), and ``"模型"`` finds 模型训练 as ``模型`` does.
    A query with no searchable characters becomes ``""``, which matches
    nothing. A query that breaks the syntax raises SearchSyntaxError when
    ``strict``; otherwise its plain words are searched (Datasette's table
    search box must never fail on a stray quote).

    >>> fts_query("预训练模型 BERT")
    '"预训 训练 练模 模型" "bert"'
    >>> fts_query("模 kubernetes OR docker")
    '"模"* "kubernetes" OR "docker"'
    """
    try:
        return to_fts5(user_query or "", _word_tokens)
    except SearchSyntaxError:
        if strict:
            raise
        return to_fts5(_plain_words(user_query or ""), _word_tokens)


def _query_tokens(text: str) -> list[str]:
    return [token for group in _tokens(text) for token in group]


def _word_tokens(word: str) -> tuple[list[str], bool]:
    """The tokens a word or quoted phrase is matched by, and whether the last one is a
    prefix. A phrase ends by the word's rule: its words together, in order, anywhere in
    a run (``"模型"`` finds 模型训练, as before #15 when it was ``"模型 型"*``).

    A word ending in one Chinese character is a prefix (``模`` -> ``"模"*``: 模 may
    start a bigram). A word ending in two or more ends in a bigram, and drops the run's
    last character: ``模型`` -> ``"模型"``, not ``"模型 型"*``. Both match the same rows
    with the same bm25 scores (in the index every bigram XY is followed by a token that
    starts with Y: the bigram YZ, or Y where the run ends), but a prefix phrase makes
    FTS5 merge the lists of every token starting with 型 first: 27 ms against 3 for a
    word in 92 % of 100k questions (bench/notes.md).
    """
    runs = _TOKEN_RUNS.findall(word.casefold())
    tokens = _query_tokens(word)
    if not runs or not runs[-1][0]:
        return tokens, False  # nothing searchable, or a Latin word or a number last
    run = runs[-1][0]
    # The rule needs both characters to be token characters to FTS5's unicode61 (letters
    # or digits): a mark or a dash inside the CJK ranges would split the bigram there.
    if len(run) > 1 and run[-2:].isalnum():
        return tokens[:-1], False
    return tokens, True


def _plain_words(query: str) -> str:
    """The query without its syntax: no quotes, parentheses or operators."""
    words = re.sub(r'["()]', " ", query).split()
    return " ".join(word for word in words if word not in ("OR", "AND", "NOT"))



# The FTS rowid is the content row's rowid: Datasette's table search compares
# ``rowid IN (SELECT rowid FROM <fts_table> WHERE ... MATCH ...)``.
# A resource is searched by its title alone (schema 17, #15): its description was 5 of
# the index's 6 MB on 3,000 pages, and most of the text segmented a page.
_FTS_COLUMNS = {QUESTION_FTS: ("title", "answer"), RESOURCE_FTS: ("title",)}


def searchable_text(question_markdown: str | None, answer_markdown: list[str | None]) -> str:
    """What search finds a question by besides its title: its body, then each answer in
    page order (``answers`` by position, then id), a blank line between, all as the stored
    Markdown's words (``markdown_words``); the parts that are NULL left out. The same as
    ``markdown_words`` of SEARCHABLE_QUESTIONS_SQL, to the character: the index keeps no
    copy, so deleting an entry means recomputing what was indexed."""
    parts = [question_markdown] if question_markdown is not None else []
    return markdown_words(
        "\n\n".join([*parts, *(part for part in answer_markdown if part is not None)]))


# What of a Markdown is not its words: a link's or an image's target (``](https://…)``),
# a code fence's line (its language), an ordered list item's number. FTS5's tokenizer
# drops the rest of the markup (punctuation). Indexed, they were 5 % more tokens on the
# sample pages (an image URL's six words, "1", "2", "python" for every answer with a
# Python block); the plain text indexed before schema 16 had none of them. A link is its
# text, with nothing in place of its brackets, so the words around it stay one run
# (模型[训练](…)方法 is 模型训练方法, as the page shows it).
_MARKDOWN_NOT_WORDS = re.compile(
    r"^[ \t>]*(?:```|~~~).*$|^[ \t>]*\d{1,9}[.)](?=[ \t])", re.MULTILINE)


def markdown_words(markdown: str) -> str:
    """``markdown`` without what is not its words, for the search index.

    >>> markdown_words("1. See [the docs](https://docs.python.org)\n```python\nprint()\n```")
    ' See the docs\n\nprint()\n'
    """
    return _MARKDOWN_NOT_WORDS.sub("", _link_texts(markdown))


def _link_texts(markdown: str) -> str:
    """Each link and image as its text. Twice where a link holds an image (``[![A](S)](U)``,
    as the parser writes a linked image and Stack Exchange links every image): the first
    pass leaves ``![A](U)``."""
    plain = _MARKDOWN_LINKS.sub(r"\1", markdown)
    return _MARKDOWN_LINKS.sub(r"\1", plain) if "](" in plain else plain


# The index entry of a row, by rowid: what it holds (its segmented values, one a column of
# the FTS table), or None when the row is not indexed yet.
IndexedValues = tuple[str, ...] | None


class PendingIndex:
    """Search-index writes gathered while pages are stored, written together by ``flush``.

    Interleaving FTS5 writes with the row writes cost ~4x: an FTS5 delete reads
    the index, which flushes FTS5's pending terms page by page. Gathered, the
    deletes and inserts each run as one ``executemany``.

    The index is contentless (migration 0014): an entry is deleted with FTS5's
    ``'delete'`` command and the values it was indexed with, which the caller
    passes as ``old`` (read from the rows before it changed them). A row stored twice
    in one batch is deleted with its values from before the batch (the first ``add``)
    and indexed with its last.
    """

    __slots__ = ("_adds",)

    def __init__(self) -> None:
        # Per FTS table, in order: (rowid, old segmented values or None, new segmented values).
        self._adds: dict[str, list[tuple[int, IndexedValues, tuple[str, ...]]]] = {
            QUESTION_FTS: [], RESOURCE_FTS: []}

    def add(self, fts_table: str, rowid: int, *values: str | None,
            old: tuple[str | None, ...] | None) -> None:
        """Index ``rowid`` with ``values``, one a column of ``fts_table`` (a question's
        title and searchable text, a resource's title); ``old``: the values it was indexed
        with, None for a row not indexed yet (a new row)."""
        columns = len(_FTS_COLUMNS[fts_table])
        if len(values) != columns or (old is not None and len(old) != columns):
            raise ValueError(f"{fts_table} indexes {columns} value(s) a row")
        indexed = tuple(map(segment, old)) if old is not None else None
        self._adds[fts_table].append((rowid, indexed, tuple(map(segment, values))))

    def mark(self) -> tuple[int, ...]:
        """Where the gathered writes stand: :meth:`rollback` drops what came after."""
        return tuple(len(rows) for rows in self._adds.values())

    def rollback(self, mark: tuple[int, ...]) -> None:
        """Drop the writes gathered since ``mark`` (a page whose rows were rolled back)."""
        for rows, length in zip(self._adds.values(), mark, strict=True):
            del rows[length:]

    def flush(self, db: sqlite_utils.Database) -> None:
        for fts_table, adds in self._adds.items():
            if not adds:
                continue
            before: dict[int, IndexedValues] = {}
            latest: dict[int, tuple[str, ...]] = {}
            for rowid, indexed, values in adds:
                before.setdefault(rowid, indexed)  # as the index holds it: the first add's
                latest[rowid] = values
            deletes = [(rowid, *indexed) for rowid, indexed in before.items()
                       if indexed is not None]
            columns = ", ".join(_FTS_COLUMNS[fts_table])
            placeholders = ", ".join("?" * len(_FTS_COLUMNS[fts_table]))
            if deletes:
                db.conn.executemany(
                    f"INSERT INTO {fts_table} ({fts_table}, rowid, {columns}) "
                    f"VALUES ('delete', ?, {placeholders})", deletes)
            db.conn.executemany(
                f"INSERT INTO {fts_table} (rowid, {columns}) VALUES (?, {placeholders})",
                [(rowid, *values) for rowid, values in latest.items()])
            adds.clear()


# What search finds a question by besides its title: ``searchable_text`` in SQL, but for
# ``markdown_words``, which the caller applies.
SEARCHABLE_QUESTIONS_SQL = """
select q.rowid, q.title, (
  select group_concat(part, char(10, 10)) from (
    select 0 as position, '' as id, q.question_markdown as part
    where q.question_markdown is not null
    union all
    select position, id, markdown from answers a
    where a.site = q.site and a.question_id = q.id and a.markdown is not null
    order by position, id))
from questions q
"""


def rebuild_search_index(db: sqlite_utils.Database) -> None:
    """Index every question and resource from scratch (after a VACUUM,
    which may renumber the rowids the index refers to)."""
    db.execute(f"INSERT INTO {QUESTION_FTS} ({QUESTION_FTS}) VALUES ('delete-all')")
    db.execute(f"INSERT INTO {RESOURCE_FTS} ({RESOURCE_FTS}) VALUES ('delete-all')")
    # Row by row from the cursors, not fetchall(): every answer of a large archive at once
    # would be its whole text in memory.
    db.conn.executemany(
        f"INSERT INTO {QUESTION_FTS} (rowid, title, answer) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(markdown_words(answer) if answer else answer))
         for rowid, title, answer in db.execute(SEARCHABLE_QUESTIONS_SQL)),
    )
    db.conn.executemany(  # a resource by its title alone (_FTS_COLUMNS)
        f"INSERT INTO {RESOURCE_FTS} (rowid, title) VALUES (?, ?)",
        ((rowid, segment(title)) for rowid, title in
         db.execute("SELECT rowid, title FROM resources")),
    )


# Questions matching a search, ranked: questions with an answer (fetched) before
# those only seen as related links (a title, nothing else: bm25's length
# normalisation would rank these bare titles first), then by relevance, then the
# most viewed. Relevance is bm25 (the title weighted 5x) as a share of the best
# match's score: a word found in nearly every question has all scores near 0
# (bm25 ~ 1e-6), where raw scores read "0.0" everywhere and told nothing.
# ``matches``: how many questions match in all, for paging. The page's rows are chosen
# first and only they read their text: the answer's start is a lookup in ``answers``
# (schema 14), 3 s for a word in 92 % of 100k questions if done for every hit. It is
# Markdown (schema 16), read long enough for ``answer_start`` to drop its markup.
#
# Ranking costs a bm25 score and a row read per match (~1.2 ms per 1,000): 100 ms for a
# word in 92 % of 100k questions. So past RANKED_MATCHES matches nothing is scored, to
# keep every search fast whatever the archive's size (a fixed number, not a share of the
# questions: it bounds the cost and says nothing of the words). The most viewed come
# first, read from idx_questions_view_count down to the page's last row (INDEXED BY: with
# no statistics SQLite would read every match by rowid and sort them); relevance is NULL.
# :ranked_matches is RANKED_MATCHES (tests pass less). The canned query search_questions
# (schema/metadata.yaml) is this SQL with the limit 1000, no offset, :q for :fts,
# RANKED_MATCHES written out and the answer's start through qarchive_answer_start (the
# plugin's SQL function for ``answer_start``).
RANKED_MATCHES = 10_000
QUESTION_SEARCH_SQL = """
with hits as materialized (
  select rowid from questions_fts where questions_fts match :fts
),
counted as materialized (select count(*) as matches from hits),
scored as (
  select rowid, bm25(questions_fts, 5.0, 1.0) as score
  from questions_fts
  where questions_fts match :fts and (select matches from counted) <= :ranked_matches
),
best as (select min(score) as top from scored),
ranked as (
  select q.rowid as question_rowid, q.site, q.id, q.is_fetched, q.view_count,
    coalesce(cast(round(100.0 * s.score / nullif(best.top, 0)) as integer), 100)
      as relevance
  from scored s join questions q on q.rowid = s.rowid, best
  order by q.is_fetched desc, relevance desc, q.view_count desc nulls last, q.site, q.id
  limit :limit offset :offset
),
fetched_by_views as materialized (
  select q.rowid as question_rowid, q.site, q.id, q.is_fetched, q.view_count,
    null as relevance
  from questions q indexed by idx_questions_view_count
  where (select matches from counted) > :ranked_matches and +q.is_fetched = 1
    and q.rowid in hits
  order by q.view_count desc nulls last, q.site, q.id
  limit :limit + :offset
),
stubs_by_views as (
  select q.rowid as question_rowid, q.site, q.id, q.is_fetched, q.view_count,
    null as relevance
  from questions q indexed by idx_questions_view_count
  where (select matches from counted) > :ranked_matches and +q.is_fetched <> 1
    and q.rowid in hits
  order by q.view_count desc nulls last, q.site, q.id
  limit :limit + :offset - (select count(*) from fetched_by_views)
),
by_views as (
  select * from fetched_by_views union all select * from stubs_by_views
  order by is_fetched desc, view_count desc nulls last, site, id
  limit :limit offset :offset
),
page as materialized (select * from ranked union all select * from by_views)
select q.id, q.site, q.title, q.asked_at, q.view_count, q.is_fetched,
  substr(coalesce(q.question_markdown, (select a.markdown from answers a
    where a.site = q.site and a.question_id = q.id
    order by +a.accepted desc, a.position limit 1)), 1, 480) as answer_start,
  page.relevance, (select matches from counted) as matches
from page join questions q on q.rowid = page.question_rowid
order by page.is_fetched desc, page.relevance desc, page.view_count desc nulls last,
  page.site, page.id
"""


# A search hit shows the start of its question's body, or of its answer (CSDN), as one
# line. Both are stored as Markdown (migration 0016), whose markup reads as noise there:
# a link or an image keeps its words, and code fences, headings, quote and list marks,
# emphasis, backticks and backslash escapes go. Not a renderer (a rarer construct
# keeps its characters, no harm in a snippet): three regular expressions on the 480
# characters QUESTION_SEARCH_SQL reads, for the 20-50 hits of a page.
ANSWER_START_CHARS = 160
_MARKDOWN_LINKS = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MARKDOWN_LINE_MARKS = re.compile(
    r"^[ \t]*(?:>[ \t]?)*[ \t]*"  # quote marks, then a fence, a heading's or a list item's
    r"(?:(?:```|~~~).*|#{1,6}(?=[ \t])|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t]))?",
    re.MULTILINE)
# An escaped character stays (``\*`` is a star); emphasis stars, ``__`` and backticks go
# (one ``_`` stays: snake_case).
_MARKDOWN_INLINE_MARKS = re.compile(r"\\([!-/:-@\[-`{-~])|\*+|__|`+")


def answer_start(markdown: str | None) -> str | None:
    r"""The first ANSWER_START_CHARS characters of ``markdown`` as plain words on one line:
    ``## Use **`pathlib`**\n\n1. See [the docs](https://…)`` -> ``Use pathlib See the docs``."""
    if markdown is None:
        return None
    plain = _MARKDOWN_LINE_MARKS.sub("", _link_texts(markdown))
    plain = _MARKDOWN_INLINE_MARKS.sub(r"\1", plain)
    return " ".join(plain.split())[:ANSWER_START_CHARS]


# How many questions match (:fts): a page past the last has no row to say so.
QUESTION_COUNT_SQL = f"SELECT count(*) FROM {QUESTION_FTS} WHERE {QUESTION_FTS} MATCH :fts"


@dataclass(frozen=True, slots=True)
class QuestionHit:
    """One question a search found."""

    id: str
    site: str
    title: str | None
    asked_at: str | None
    view_count: int | None
    is_fetched: bool
    # The first 160 characters of the question's body, or of its answer (CSDN), read
    # from its Markdown without the markup (``answer_start``).
    answer_start: str | None
    # Percent of the best match's score; None past RANKED_MATCHES matches (by views).
    relevance: int | None


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    matches: int  # in all, not only these
    hits: list[QuestionHit]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def search_questions(db: sqlite_utils.Database, query: str, *, limit: int = 20,
                     offset: int = 0, ranked_matches: int = RANKED_MATCHES) -> SearchResults:
    """Questions matching ``query`` (search syntax: fts_query), best first; past
    ``ranked_matches`` matches, most viewed first (QUESTION_SEARCH_SQL).

    Raises SearchSyntaxError for a query that breaks the syntax.
    """
    rows = db.execute(QUESTION_SEARCH_SQL, {
        "fts": fts_query(query, strict=True), "limit": limit, "offset": offset,
        "ranked_matches": ranked_matches}).fetchall()
    # No row: past the last page, or a page of no rows (limit 0); either way the count
    # needs its own query. At offset 0 with a limit, no row means no match.
    matches = rows[0][-1] if rows else _count_matches(db, query) if offset or not limit else 0
    hits = [QuestionHit(id=row[0], site=row[1], title=row[2], asked_at=row[3],
                        view_count=row[4], is_fetched=bool(row[5]),
                        answer_start=answer_start(row[6]),
                        relevance=row[7])
            for row in rows]
    return SearchResults(query=query, matches=matches, hits=hits)


def _count_matches(db: sqlite_utils.Database, query: str) -> int:
    """How many questions match (a page past the last has no row to say so)."""
    return int(db.execute(QUESTION_COUNT_SQL,
                          {"fts": fts_query(query, strict=True)}).fetchone()[0])
