"""Version 16: an answer and a question's body stored once, as Markdown (#15).

Before, each was stored twice: as plain text and as Markdown (``answers.text`` /
``markdown``, ``questions.question_text`` / ``question_markdown``,
``answer_versions.answer_text`` / ``answer_markdown``), two forms of one walk of
the page's HTML that were equal for 20 of 3,000 sample answers. Markdown is the
one kept: the question page renders it, and search indexes it.

- ``answers.text``, ``questions.question_text`` and ``answer_versions.answer_text``
  go. A row with a text but no Markdown (none in an archive a parser of schema 11
  or later wrote) keeps its text as its Markdown first.
- The views lose their plain-text column: ``questions_with_answer`` is
  ``questions`` plus ``answer_markdown`` (no ``answer_text``), ``answer_history``
  gives ``answer_markdown`` (no ``answer_text``). A current version that kept a
  Markdown of its own equal to its answers row's (0014 kept it when only the text
  differed) is cleared: the row's is the same.
- ``questions_fts`` indexes the Markdown: the title, then the question's body and
  its answers, as the Markdown's words (SEARCHABLE_QUESTIONS_SQL and markdown_words
  below), rebuilt from the rows. A link is its text (no URL); a code fence's line and
  a numbered item's number go; FTS5's unicode61 tokenizer drops the rest of the
  markup (``**``, ``#``, ``>``, backticks).

Lossless but for the plain text. A current answer's follows from the raw page the
archive keeps: parsing it again (as ``qarchive reparse`` does: ``parsers.parse_page``
over ``Archive.stored_body(url)``) gives both forms. A superseded version's plain text
is gone (only the page's last body is kept); its Markdown stays. The health checks read
both forms from the
parsed page. ``answer_versions.content_hash`` is unchanged (sha256 of the title, text
and Markdown as parsed). Dropped columns leave free pages: the upgrade notice says to
run ``qarchive compact --vacuum`` once. Migrations import no qarchive code: the
segmentation is a copy of archive.search's at this version.
"""

from __future__ import annotations

import re

import sqlite_utils

# --- the search index: a copy of archive.search's segmentation at this version -----------
SEARCH_MAX_CHARS = 50_000
_CJK = (
    "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
    "\U00020000-\U0003134f"
)
_TOKEN_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


def segment(text: str | None) -> str:
    """CJK runs as overlapping bigrams and then their last character; other words whole."""
    tokens: list[str] = []
    for cjk, word in _TOKEN_RUNS.findall((text or "")[:SEARCH_MAX_CHARS].casefold()):
        if not cjk:
            tokens.append(word)
        elif len(cjk) == 1:
            tokens.append(cjk)
        else:
            tokens.extend([*map(str.__add__, cjk[:-1], cjk[1:]), cjk[-1]])
    return " ".join(tokens)


# A Markdown's words (archive.search.markdown_words): a link is its text; a code fence's
# line and an ordered list item's number go.
_MARKDOWN_LINKS = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MARKDOWN_NOT_WORDS = re.compile(
    r"^[ \t>]*(?:```|~~~).*$|^[ \t>]*\d{1,9}[.)](?=[ \t])", re.MULTILINE)


def markdown_words(markdown: str | None) -> str | None:
    if not markdown:
        return markdown
    plain = _MARKDOWN_LINKS.sub(r"\1", markdown)  # twice where a link holds an image
    plain = _MARKDOWN_LINKS.sub(r"\1", plain) if "](" in plain else plain
    return _MARKDOWN_NOT_WORDS.sub("", plain)


# What a question is found by besides its title (archive.search.SEARCHABLE_QUESTIONS_SQL):
# its body's Markdown, then every answer's in page order, a blank line between (indexed
# as its words: markdown_words).
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

# A text with no Markdown becomes its Markdown before the text goes.
KEEP_TEXT_AS_MARKDOWN = (
    "UPDATE answers SET markdown = text "
    "WHERE coalesce(markdown, '') = '' AND coalesce(text, '') <> ''",
    "UPDATE questions SET question_markdown = question_text "
    "WHERE coalesce(question_markdown, '') = '' AND coalesce(question_text, '') <> ''",
    "UPDATE answer_versions SET answer_markdown = answer_text "
    "WHERE coalesce(answer_markdown, '') = '' AND coalesce(answer_text, '') <> ''",
)

# --- the views, without their plain-text columns ---------------------------------------------
VIEWS = (
    """CREATE VIEW questions_with_answer AS
    SELECT q.*,
      CASE WHEN a.rowid IS NOT NULL THEN a.markdown WHEN q.is_fetched = 1 THEN '' END
        AS answer_markdown
    FROM questions q
    LEFT JOIN answers a ON a.rowid = (
      SELECT c.rowid FROM answers c WHERE c.site = q.site AND c.question_id = q.id
      ORDER BY +c.accepted DESC, c.position LIMIT 1)""",
    """CREATE VIEW answer_history AS
    SELECT v.id, v.site, v.question_id, v.answer_id, v.version, v.content_hash, v.title,
      CASE WHEN v.superseded_at IS NULL AND v.answer_markdown IS NULL THEN a.markdown
        ELSE v.answer_markdown END AS answer_markdown,
      v.first_seen_at, v.superseded_at, v.run_id
    FROM answer_versions v
    LEFT JOIN answers a ON v.superseded_at IS NULL AND a.site = v.site
      AND a.question_id = v.question_id AND a.id = v.answer_id""",
)


def migrate(db: sqlite_utils.Database) -> None:
    for statement in KEEP_TEXT_AS_MARKDOWN:
        db.execute(statement)
    # The current version's Markdown is its answers row's: cleared where they are equal.
    db.execute(
        """update answer_versions set answer_markdown = null
        where superseded_at is null and answer_markdown is not null and exists (
          select 1 from answers a where a.site = answer_versions.site
            and a.question_id = answer_versions.question_id and a.id = answer_versions.answer_id
            and a.markdown is answer_versions.answer_markdown)""")
    # The views name the columns that go: SQLite refuses to drop a column a view reads.
    db.execute("DROP VIEW questions_with_answer")
    db.execute("DROP VIEW answer_history")
    db.execute("ALTER TABLE answers DROP COLUMN text")
    db.execute("ALTER TABLE questions DROP COLUMN question_text")
    db.execute("ALTER TABLE answer_versions DROP COLUMN answer_text")
    for statement in VIEWS:
        db.execute(statement)
    db.execute("INSERT INTO questions_fts (questions_fts) VALUES ('delete-all')")
    # Row by row from the cursor, not fetchall(): every answer of a large archive at once
    # would be its whole text in memory.
    db.conn.executemany(
        "INSERT INTO questions_fts (rowid, title, answer) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(markdown_words(answer))) for rowid, title, answer in
         db.execute(SEARCHABLE_QUESTIONS_SQL)),
    )
