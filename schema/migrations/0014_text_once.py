"""Version 14: every text stored once, a search index without a copy of it (#15).

Before, a CSDN answer's text (and its Markdown) was stored three times: in
``answers``, in ``questions.answer_text`` and in its current ``answer_versions``
row; and each search index kept a second, segmented copy of the text it indexed.

- ``answers`` is the one home of an answer's current text. ``answer_versions``
  keeps a row for every version (its number, hash, title, when and which run)
  but the text only of superseded versions: the current version's
  ``answer_text`` / ``answer_markdown`` are NULL, its text being the answers
  row's. The view ``answer_history`` shows every version with its text.
  Why this way round: the question page, search and the writer read current
  answers (``answers``, one row each, no join); only history reads old texts.
- ``questions.answer_text`` / ``answer_markdown`` go; the view
  ``questions_with_answer`` gives them back (the accepted, else the first answer,
  as the writer chose them), so ``SELECT answer_text FROM questions_with_answer``
  reads what ``... FROM questions`` read.
- ``questions_fts`` / ``resources_fts`` become contentless (``content=''``): FTS5
  keeps only its index. The writer deletes an entry with FTS5's ``'delete'``
  command and the values it indexed, recomputed from the rows
  (archive/search.py).
- Indexes no shipped query uses are dropped (schema/README.md lists each).

Lossless: a current version's text is cleared only where it equals its answers
row; a question's ``answer_text`` that no answer or version of it holds (none
in an archive qarchive wrote) becomes a superseded version before the column
goes. Migrations import no qarchive code: the segmentation is a copy of
archive.search's at this version.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

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


# What a question is found by besides its title (archive.search.SEARCHABLE_QUESTIONS_SQL):
# its body, then every answer in page order, a blank line between.
SEARCHABLE_QUESTIONS_SQL = """
select q.rowid, q.title, (
  select group_concat(part, char(10, 10)) from (
    select 0 as position, '' as id, q.question_text as part where q.question_text is not null
    union all
    select position, id, text from answers a
    where a.site = q.site and a.question_id = q.id and a.text is not null
    order by position, id))
from questions q
"""

FTS_TABLES = (
    "CREATE VIRTUAL TABLE questions_fts USING fts5("
    "title, answer, tokenize = 'unicode61', content = '')",
    "CREATE VIRTUAL TABLE resources_fts USING fts5("
    "title, description, tokenize = 'unicode61', content = '')",
)

# --- the answer a question showed: the accepted one, else the first ------------------------
VIEWS = (
    """CREATE VIEW questions_with_answer AS
    SELECT q.*,
      CASE WHEN a.rowid IS NOT NULL THEN a.text WHEN q.is_fetched = 1 THEN '' END
        AS answer_text,
      CASE WHEN a.rowid IS NOT NULL THEN a.markdown WHEN q.is_fetched = 1 THEN '' END
        AS answer_markdown
    FROM questions q
    LEFT JOIN answers a ON a.rowid = (
      SELECT c.rowid FROM answers c WHERE c.site = q.site AND c.question_id = q.id
      ORDER BY +c.accepted DESC, c.position LIMIT 1)""",
    """CREATE VIEW answer_history AS
    SELECT v.id, v.site, v.question_id, v.answer_id, v.version, v.content_hash, v.title,
      CASE WHEN v.superseded_at IS NULL AND v.answer_text IS NULL THEN a.text
        ELSE v.answer_text END AS answer_text,
      CASE WHEN v.superseded_at IS NULL AND v.answer_markdown IS NULL THEN a.markdown
        ELSE v.answer_markdown END AS answer_markdown,
      v.first_seen_at, v.superseded_at, v.run_id
    FROM answer_versions v
    LEFT JOIN answers a ON v.superseded_at IS NULL AND a.site = v.site
      AND a.question_id = v.question_id AND a.id = v.answer_id""",
)

# Indexes no shipped query uses (schema/README.md, "Indexes": why each goes).
UNUSED_INDEXES = (
    "idx_questions_asked_at",
    "idx_questions_unfetched",
    "idx_view_counts_run_id",
    "idx_answer_versions_run_id",
    "idx_pages_question_id",
    "idx_frontier_last_run",
    "idx_frontier_first_seen_run",
)


def answer_hash(title: str | None, answer_text: str | None, answer_markdown: str | None) -> str:
    # A copy of archive.answer_hash as of this version.
    text = "\x00".join(part or "" for part in (title, answer_text, answer_markdown))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _keep_question_answers(db: sqlite_utils.Database, now: str) -> None:
    """A question's answer_text / answer_markdown that no answer or version of the
    question holds becomes a superseded version (of the question's chosen answer, or
    of the question's id), so no text is lost. (Where an answer holds it, the view
    gives it back, or it is another answer's: a paged question's second page.)"""
    orphans = db.execute(
        """select q.site, q.id, q.title, q.answer_text, q.answer_markdown,
             coalesce((select c.id from answers c where c.site = q.site
                       and c.question_id = q.id order by +c.accepted desc, c.position
                       limit 1), q.id)
           from questions q
           where (coalesce(q.answer_text, '') <> '' or coalesce(q.answer_markdown, '') <> '')
             and not exists (select 1 from answers a where a.site = q.site
                   and a.question_id = q.id and a.text is q.answer_text
                   and a.markdown is q.answer_markdown)
             and not exists (select 1 from answer_versions v where v.site = q.site
                   and v.question_id = q.id and v.answer_text is q.answer_text
                   and v.answer_markdown is q.answer_markdown)""").fetchall()
    for site, question_id, title, text, markdown, answer_id in orphans:
        version = db.execute(
            "select coalesce(max(version), 0) + 1 from answer_versions where site = ? "
            "and question_id = ? and answer_id = ?", [site, question_id, answer_id]).fetchone()[0]
        db.execute(
            "insert into answer_versions (site, question_id, answer_id, version, content_hash, "
            "title, answer_text, answer_markdown, first_seen_at, superseded_at) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [site, question_id, answer_id, version, answer_hash(title, text, markdown), title,
             text, markdown, now, now])


def migrate(db: sqlite_utils.Database) -> None:
    now = datetime.now(UTC).isoformat(timespec="seconds")
    _keep_question_answers(db, now)
    db.execute("ALTER TABLE questions DROP COLUMN answer_text")
    db.execute("ALTER TABLE questions DROP COLUMN answer_markdown")
    for statement in VIEWS:  # after: questions_with_answer reads questions.*
        db.execute(statement)
    # The current version's text is its answers row's: cleared where they are equal.
    db.execute(
        """update answer_versions set answer_text = null, answer_markdown = null
        where superseded_at is null and exists (
          select 1 from answers a where a.site = answer_versions.site
            and a.question_id = answer_versions.question_id and a.id = answer_versions.answer_id
            and a.text is answer_versions.answer_text
            and a.markdown is answer_versions.answer_markdown)""")
    for name in UNUSED_INDEXES:
        db.execute(f"DROP INDEX IF EXISTS {name}")
    db.execute("DROP TABLE questions_fts")
    db.execute("DROP TABLE resources_fts")
    for statement in FTS_TABLES:
        db.execute(statement)
    db.conn.executemany(
        "INSERT INTO questions_fts (rowid, title, answer) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(answer)) for rowid, title, answer in
         db.execute(SEARCHABLE_QUESTIONS_SQL).fetchall()),
    )
    db.conn.executemany(
        "INSERT INTO resources_fts (rowid, title, description) VALUES (?, ?, ?)",
        ((rowid, segment(title), segment(description)) for rowid, title, description in
         db.execute("SELECT rowid, title, description FROM resources").fetchall()),
    )
