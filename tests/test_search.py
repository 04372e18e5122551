"""Search over unsegmented Chinese: segmentation, queries, and the writer keeping the index."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import sqlite_utils
from hypothesis import given
from hypothesis import strategies as st
from tests_support import FIXTURES

from archive import apply_migrations, open_archive
from archive.search import (
    ANSWER_START_CHARS,
    SEARCH_MAX_CHARS,
    SearchSyntaxError,
    _query_tokens,
    answer_start,
    fts_query,
    markdown_words,
    rebuild_search_index,
    search_questions,
    segment,
)
from crawler.importer import import_files
from parsers import Answer, AnswerPage, RecommendedResource, RelatedQuestion


def _page(id_: str, title: str, answer: str, **fields: object) -> AnswerPage:
    return AnswerPage(
        site="wenku.csdn.net", url=f"https://wenku.csdn.net/answer/{id_}", id=id_, title=title,
        asked_at="2023-07-01T09:00:00+08:00", view_count=10, answer_text=answer,
        answer_markdown=answer, profile="csdn-answer", parser_version=1, **fields,  # type: ignore[arg-type]
    )


def _search(db: sqlite_utils.Database, table: str, words: str) -> list[str]:
    key = "id" if table == "questions" else "url"
    return [row[0] for row in db.execute(
        f"SELECT t.{key} FROM {table}_fts JOIN {table} t ON t.rowid = {table}_fts.rowid "
        f"WHERE {table}_fts MATCH ? ORDER BY bm25({table}_fts, 5.0, 1.0)", [fts_query(words)]
    ).fetchall()]


@pytest.mark.parametrize(("text", "expected"), [
    # Bigrams, then the run's last character: no bigram starts with it.
    ("预训练模型", "预训 训练 练模 模型 型"),
    ("BERT预训练, GPT-4!", "bert 预训 训练 练 gpt 4"),
    ("大 模型", "大 模型 型"),  # a one-character run stays one token
    ("日本語のテキスト", "日本 本語 語の のテ テキ キス スト ト"),
    ("", ""),
    (None, ""),
    ("<script>alert(1)</script>", "script alert 1 script"),
])
def test_segment(text: str | None, expected: str) -> None:
    assert segment(text) == expected


# Han, kana, Hangul and an astral Han character, Latin, digits, underscores, punctuation
# and spaces: every kind of run the segmentation tells apart.
_MIXED = st.text(st.sampled_from("预训练模型のテ한국𠀀aBcÉ9_-, .!\n\t"), max_size=60)


@given(_MIXED)
def test_the_index_segments_text_as_a_query_does(text: str) -> None:
    # The writer's segment() is written for speed, the query side (fts_query) keeps the
    # token groups: both must give the same tokens, or a search misses what is indexed.
    assert segment(text) == " ".join(_query_tokens(text[:SEARCH_MAX_CHARS]))


@pytest.mark.parametrize(("words", "expected"), [
    # A word ending in one Chinese character is a prefix: it may start a bigram. A
    # longer one ends in its last bigram, which the run's last character always follows.
    ("模型", '"模型"'),
    ("预训练模型", '"预训 训练 练模 模型"'),
    ("模型*", '"模型"*'),
    ("BERT", '"bert"'),
    ("bert 预训练", '"bert" "预训 训练"'),
    ("模", '"模"*'),
    ("BERT模", '"bert 模"*'),
    # FTS5's operators work, for Chinese as for Latin words; a column filter or
    # NEAR( is not syntax here (only OR, AND, NOT, quotes, * and parentheses).
    ("kubernetes OR docker", '"kubernetes" OR "docker"'),
    ("模型 NOT 训练", '"模型" NOT "训练"'),
    ('"pip install" (conda OR 虚拟环境)', '"pip install" ( "conda" OR "虚拟 拟环 环境" )'),
    # Quoted, the words end as a bare word does: a phrase is found anywhere in a run
    # (before #15's follow-up, '"模型 型"': only where the run ended at 型).
    ('"模型"', '"模型"'),
    ('"预训练模型"', '"预训 训练 练模 模型"'),
    ('"模"', '"模"*'),
    ('"BERT模"', '"bert 模"*'),
    ('"模型 训练"', '"模型 型 训练"'),  # apart in the phrase: apart in the text
    ('"pip install"', '"pip install"'),
    # A dash in the kana range is no token character to FTS5: the prefix stays, wherever
    # the dash is in the last pair.
    ("ア゠", '"ア゠ ゠"*'),
    ("゠ア", '"゠ア ア"*'),
    ("kube*", '"kube"*'),
    ("", '""'),
    ("。，！", '""'),
])
def test_fts_query(words: str, expected: str) -> None:
    assert fts_query(words, strict=True) == expected


def test_other_fts5_syntax_is_plain_words() -> None:
    """A column filter or NEAR( typed by a user is words, never FTS5 syntax."""
    assert fts_query("title:x NEAR a") == '"title x" "near" "a"'


@pytest.mark.parametrize(("words", "message"), [
    ("kubernetes OR", "OR needs words after it"),
    ("NOT docker", "NOT needs words before it (a NOT b)"),
    ("a OR OR b", "two operators in a row (OR after another)"),
    ('"pip install', 'a quoted phrase is not closed: add the closing "'),
    ("(a OR b", "a ( is not closed: add the )"),
    ("a OR b)", "a ) has no ( before it"),
    ("a () b", "nothing to search between ( and )"),
])
def test_bad_syntax_is_named_and_the_lenient_query_keeps_the_words(words: str,
                                                                   message: str) -> None:
    with pytest.raises(SearchSyntaxError) as raised:
        fts_query(words, strict=True)
    assert str(raised.value) == message
    # Datasette's table search box: the plain words, never an SQL error.
    lenient = fts_query(words)
    assert "OR OR" not in lenient and lenient.count("(") == lenient.count(")")


@pytest.fixture
def archive(tmp_path: Path) -> sqlite_utils.Database:
    db = open_archive(tmp_path / "archive.db")
    import_files(db, [FIXTURES / "answer-2kxyq3m7vd.html"])
    return db


def test_chinese_words_are_found_inside_sentences(archive: sqlite_utils.Database) -> None:
    # 模型 is in all three titles; 预训练模型 only as a phrase in one (the
    # reference page has 预训练 and 模型, never together); BERT only in a resource.
    assert set(_search(archive, "questions", "模型")) == {
        "2kxyq3m7vd", "8d3jq0w5pe", "5tn1yh6c2a"}
    assert _search(archive, "questions", "预训练模型") == ["5tn1yh6c2a"]
    assert _search(archive, "questions", "BERT") == []
    assert _search(archive, "resources", "BERT") == [
        "https://download.csdn.net/download/weixin_38595689/11962533"]
    assert _search(archive, "resources", "bert") == _search(archive, "resources", "BERT")
    assert _search(archive, "questions", "不存在的词") == []


def test_a_word_ending_in_a_bigram_finds_what_its_prefix_phrase_found(
        archive: sqlite_utils.Database) -> None:
    """``模型`` -> ``"模型"`` (not ``"模型 型"*``, 9x slower on a common word): the same rows
    with the same bm25 scores, wherever the word stands in a run."""
    pages = [
        _page("r1", "模型", "大模型训练。模型型号"),  # alone, inside a run, before 型
        _page("r2", "训练一个模型", "预训练模型和BERT模型"),  # at a run's end, before Latin
        _page("r3", "模 型", "型模"),  # the characters apart: no bigram 模型
        _page("r4", "预训练", "练模型"),
    ]
    with archive.atomic():
        for page in pages:
            archive.store_answer_page(page)

    def rows(expression: str) -> list[tuple]:
        return archive.execute(
            "SELECT rowid, round(bm25(questions_fts, 5.0, 1.0), 9) FROM questions_fts "
            "WHERE questions_fts MATCH ? ORDER BY rowid", [expression]).fetchall()

    for word in ("模型", "预训练模型", "训练", "BERT模型", "练模型", "型号"):
        assert not fts_query(word).endswith("*")
        found = rows(fts_query(word))
        assert found == rows('"' + segment(word) + '"*'), word
    assert len(rows(fts_query("模型"))) >= 4


# One word of Han, kana, Hangul, Latin and digits: no space, quote, parenthesis or *.
_WORD = st.text(st.sampled_from("预训练模型のテ한국𠀀aBc9・゠"), min_size=1, max_size=12)


@given(_WORD)
def test_a_quoted_word_is_matched_as_the_bare_word(word: str) -> None:
    assert fts_query(f'"{word}"', strict=True) == fts_query(word, strict=True)


def test_a_quoted_phrase_finds_its_words_anywhere_in_a_run(
        archive: sqlite_utils.Database) -> None:
    """``"模型"`` finds 模型训练: a phrase's words together, in order, wherever the run of
    Chinese around them starts or ends (before, it had to end the run)."""
    pages = [
        _page("p1", "模型训练指南", "无"),  # the phrase starts the run
        _page("p2", "预训练模型的应用", "无"),  # inside the run
        _page("p3", "大模型", "无"),  # ends it
        _page("p4", "模 型", "型模"),  # the characters apart, or out of order
        _page("p5", "预训练和模型", "无"),  # 预训练 and 模型, not together
    ]
    with archive.atomic():
        for page in pages:
            archive.store_answer_page(page)

    def found(query: str) -> set[str]:
        return set(_search(archive, "questions", query)) & {page.id for page in pages}

    assert found('"模型"') == {"p1", "p2", "p3", "p5"}
    assert found('"预训练模型"') == {"p2"}
    assert found('"模"') == {"p1", "p2", "p3", "p4", "p5"}
    assert found('"型模"') == {"p4"}
    assert found('"模型训练"') == {"p1"}
    for query in ('"模型"', '"预训练模型"', '"模"'):
        # The ranked search (search page, qarchive search) reads the same expression.
        hits = search_questions(archive, query, limit=50).hits
        assert {hit.id for hit in hits} & {page.id for page in pages} == found(query), query


def test_writer_keeps_the_index_current(archive: sqlite_utils.Database) -> None:
    page = _page("a1b2c3d4e5", "如何微调BERT", "先加载预训练权重。", related_questions=[
        RelatedQuestion(1, "f6g7h8i9j0", "https://wenku.csdn.net/answer/f6g7h8i9j0",
                        "量化感知训练", "..."),
    ], recommended_resources=[
        RecommendedResource("related", 1, "https://wenku.csdn.net/doc/x1", "剪枝工具",
                            "模型剪枝", "pdf", "doc"),
    ])
    with archive.atomic():
        archive.store_answer_page(page)
    assert _search(archive, "questions", "BERT") == ["a1b2c3d4e5"]
    assert _search(archive, "questions", "量化") == ["f6g7h8i9j0"]  # a stub, by its title
    assert _search(archive, "resources", "剪枝") == ["https://wenku.csdn.net/doc/x1"]
    # 模型 is in its description only: resources are searched by title (schema 17).
    assert "https://wenku.csdn.net/doc/x1" not in _search(archive, "resources", "模型")

    changed = replace(page, title="如何微调GPT", recommended_resources=[
        replace(page.recommended_resources[0], title="蒸馏工具", description="知识蒸馏")])
    with archive.atomic():
        assert archive.store_answer_page(changed) == "updated"
    assert _search(archive, "questions", "BERT") == []
    assert _search(archive, "questions", "GPT") == ["a1b2c3d4e5"]
    assert _search(archive, "resources", "剪枝") == []
    assert _search(archive, "resources", "蒸馏") == ["https://wenku.csdn.net/doc/x1"]
    assert _search(archive, "resources", "知识") == []

    # Storing the same page again writes nothing, and the index is what a
    # rebuild from scratch would make.
    index = sorted(archive.execute("SELECT rowid, * FROM questions_fts").fetchall())
    with archive.atomic():
        assert archive.store_answer_page(changed) == "unchanged"
        rebuild_search_index(archive)
    assert sorted(archive.execute("SELECT rowid, * FROM questions_fts").fetchall()) == index


@pytest.mark.parametrize(("fts_table", "values", "old"), [
    ("resources_fts", ("标题", "描述"), None),  # a title only (schema 17)
    ("resources_fts", ("标题",), ("旧标题", "旧描述")),
    ("questions_fts", ("标题",), None),
    ("questions_fts", ("标题", "答案"), ("旧标题",)),
])
def test_an_index_write_with_the_wrong_number_of_values_is_refused(
        fts_table: str, values: tuple[str, ...], old: tuple[str, ...] | None) -> None:
    """Refused when gathered, not when the batch is flushed (SQLite's binding error,
    pages later)."""
    from archive.search import PendingIndex

    pending = PendingIndex()
    with pytest.raises(ValueError, match=f"{fts_table} indexes"):
        pending.add(fts_table, 1, *values, old=old)
    assert pending.mark() == (0, 0)


def test_migration_indexes_an_older_archive(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = open_archive(path, migrate=False)
    apply_migrations(db, target=2)
    assert "questions_fts" not in db.table_names()
    db.execute("INSERT INTO questions (id, url, title, answer_text, is_fetched) VALUES "
               "('k1', 'https://wenku.csdn.net/answer/k1', '卷积神经网络', '池化层的作用', 1)")
    db.execute("INSERT INTO resources (url, title, description) VALUES "
               "('https://wenku.csdn.net/doc/r1', 'PyTorch教程', '从零开始')")
    db.conn.close()

    db = open_archive(path)
    assert {"questions_fts", "resources_fts"} <= set(db.table_names())
    assert _search(db, "questions", "池化") == ["k1"]
    assert _search(db, "questions", "神经网络") == ["k1"]
    assert _search(db, "resources", "pytorch") == ["https://wenku.csdn.net/doc/r1"]


def _index_entries(db: sqlite_utils.Database, table: str) -> list[tuple]:
    """The (term, rowid, column, offset) entries an FTS5 index holds (fts5vocab reads the
    index itself: a contentless table has nothing else to read)."""
    db.execute(f"CREATE VIRTUAL TABLE temp.entries USING fts5vocab(main, {table}, 'instance')")
    try:
        return db.execute("SELECT term, doc, col, offset FROM temp.entries "
                          "ORDER BY doc, col, offset, term").fetchall()
    finally:
        db.execute("DROP TABLE temp.entries")


def test_the_contentless_index_equals_one_rebuilt_from_the_rows(
        archive: sqlite_utils.Database) -> None:
    """The writer deletes an entry with the values it indexed, recomputed from the rows:
    after new pages, edits, stubs completed, a page stored twice in one batch and one
    rolled back, the index holds exactly what a rebuild from the rows holds."""
    from archive.search import PendingIndex, rebuild_search_index

    base = AnswerPage(url="https://wenku.csdn.net/answer/a1", id="a1", title="模型训练",
                      asked_at=None, view_count=1, answer_text="第一版 答案 BERT plainonly",
                      answer_markdown="第一版 **答案** BERT", profile="csdn-answer",
                      parser_version=1, site="wenku.csdn.net",
                      related_questions=[RelatedQuestion(position=1, id="b2", title="预训练",
                                                         url="https://wenku.csdn.net/answer/b2",
                                                         answer_text="")],
                      recommended_resources=[RecommendedResource(
                          section="related", position=1, url="https://wenku.csdn.net/doc/r1",
                          title="资源 一", description="描述 一", kind="doc", file_type="pdf")])
    stub_completed = replace(base, id="b2", url="https://wenku.csdn.net/answer/b2",
                                         title="预训练 完整", answer_text="第二个 问题 的 答案",
                                         answer_markdown="第二个 问题 的 答案",
                                         related_questions=[])
    edited = replace(base, title="模型训练 改", answer_text="第二版 答案 GPT",
                                 answer_markdown="第二版 答案 `GPT`",
                                 recommended_resources=[replace(
                                     base.recommended_resources[0], title="资源 改",
                                     description="新的 描述")])
    with archive.atomic():
        archive.store_answer_page(base, observed_at="2024-01-01T00:00:00+00:00")
    pending = PendingIndex()
    with archive.atomic():
        archive.store_answer_page(stub_completed, observed_at="2024-01-02T00:00:00+00:00",
                                  pending=pending)
        archive.store_answer_page(edited, observed_at="2024-01-02T00:00:00+00:00",
                                  pending=pending)
        mark = pending.mark()
        try:
            with archive.atomic():
                archive.store_answer_page(replace(edited, answer_text="回滚",
                                                  answer_markdown="回滚"),
                                          observed_at="2024-01-02T00:00:01+00:00",
                                          pending=pending)
                raise RuntimeError("the page fails after its rows")
        except RuntimeError:
            pending.rollback(mark)
        archive.store_answer_page(replace(edited, answer_text="第三版 答案",
                                          answer_markdown="第三版 答案"),
                                  observed_at="2024-01-02T00:00:02+00:00", pending=pending)
        pending.flush(archive)
    live = {table: _index_entries(archive, table) for table in ("questions_fts", "resources_fts")}
    with archive.atomic():
        rebuild_search_index(archive)
    assert {table: _index_entries(archive, table)
            for table in ("questions_fts", "resources_fts")} == live
    r1 = archive.execute("SELECT rowid FROM resources WHERE url = ?",
                         ["https://wenku.csdn.net/doc/r1"]).fetchone()[0]
    assert {term for term, rowid, *_ in live["resources_fts"] if rowid == r1} == {
        "资源", "源", "改"}  # its title's: "新的 描述" is not indexed
    assert {term for term, *_ in live["questions_fts"]} >= {"第三", "完整"}
    # The index is the Markdown's (schema 16): a word only in the plain text is not in it.
    assert not {"第一", "gpt", "回滚", "plainonly"} & {term for term, *_ in live["questions_fts"]}


def _stack_exchange_page(answers: list[Answer], **fields: object) -> AnswerPage:
    return AnswerPage(
        site="stackoverflow.com", url="https://stackoverflow.com/questions/77", id="77",
        title="Reading files", asked_at=None, view_count=5, answer_text="",
        answer_markdown="", question_text="How do I read it all?",
        question_markdown="How do I read it **all**?", answers=answers,
        answer_count=len(answers), profile="stackexchange", parser_version=1,
        **fields)  # type: ignore[arg-type]


def test_an_answer_is_found_by_its_markdown_and_a_changed_one_by_its_new_words(
        archive: sqlite_utils.Database) -> None:
    """Schema 16: the index holds the stored Markdown of the question's body and answers.
    A changed answer's old words are gone and its new ones found; a word only the plain
    text has (the parser's other form, not stored) is not in the index."""
    page = _stack_exchange_page([
        Answer(position=1, id="a1", text="Use pathlib plaintextonly.",
               markdown="Use `pathlib`, see [its docs](https://docs.example/pathlib)."),
        Answer(position=2, id="a2", text="Try mmap.", markdown="Try *mmap*."),
    ])
    with archive.atomic():
        archive.store_answer_page(page, observed_at="2024-01-01T00:00:00+00:00")
    assert "text" not in archive["answers"].columns_dict
    assert archive.execute("SELECT id, markdown FROM answers WHERE question_id = '77' "
                           "ORDER BY position").fetchall() == [
        ("a1", "Use `pathlib`, see [its docs](https://docs.example/pathlib)."),
        ("a2", "Try *mmap*.")]
    for word in ("pathlib", "mmap", "all", "docs"):
        assert _search(archive, "questions", word) == ["77"], word
    assert _search(archive, "questions", "plaintextonly") == []
    (hit,) = search_questions(archive, "mmap").hits
    assert hit.answer_start == "How do I read it all?"  # the body, its markup dropped

    changed = _stack_exchange_page([
        Answer(position=1, id="a1", text="Use io.open.", markdown="Use `io.open`."),
        Answer(position=2, id="a2", text="Try mmap.", markdown="Try *mmap*."),
    ])
    with archive.atomic():
        assert archive.store_answer_page(
            changed, observed_at="2024-01-02T00:00:00+00:00") == "updated"
    assert _search(archive, "questions", "pathlib") == []
    assert _search(archive, "questions", "docs") == []
    assert _search(archive, "questions", "io") == ["77"]
    assert _search(archive, "questions", "mmap") == ["77"]
    assert archive.execute("SELECT answer_markdown FROM answer_history WHERE answer_id = 'a1' "
                           "ORDER BY version").fetchall() == [
        ("Use `pathlib`, see [its docs](https://docs.example/pathlib).",), ("Use `io.open`.",)]
    live = _index_entries(archive, "questions_fts")
    with archive.atomic():
        rebuild_search_index(archive)
    assert _index_entries(archive, "questions_fts") == live


def test_the_index_holds_a_markdowns_words_not_its_markup(
        archive: sqlite_utils.Database) -> None:
    """markdown_words: a link or an image is its text, its target is no word; a code
    fence's language and a numbered item's number are no words; the code and the items
    are. Nothing stands in a link's brackets' place: the words around it are one run, as
    the page shows them (a phrase across them is found)."""
    page = _stack_exchange_page([
        Answer(position=1, id="a1", text="", markdown=(
            "先看模型[训练](https://docs.example/zebrafish)方法\n\n"
            "![运行结果图](https://img.example/quagga.png)\n\n"
            "```haskell\nprint(okapi)\n```\n\n"
            "1. first step\n2) second 4217 step")),
    ])
    with archive.atomic():
        archive.store_answer_page(page, observed_at="2024-01-01T00:00:00+00:00")
    for word in ("先看模型训练方法", "运行结果图", "okapi", "print", "first", "4217"):
        assert "77" in _search(archive, "questions", word), word
    for word in ("zebrafish", "docs", "quagga", "png", "haskell", "1", "2"):
        assert "77" not in _search(archive, "questions", word), word
    live = _index_entries(archive, "questions_fts")
    with archive.atomic():
        rebuild_search_index(archive)
    assert _index_entries(archive, "questions_fts") == live


@pytest.mark.parametrize(("markdown", "words"), [
    ("[a](http://x/y) b", "a b"),
    ("x[a](u)y", "xay"),
    ("![alt](u.png)", "alt"),
    # A linked image, as the parser writes it (Stack Exchange links every image).
    ("[![alt](https://i.example/a.png)](https://i.example/a.png) b", "alt b"),
    ("> 12. item", " item"),
    ("1.5 is a number", "1.5 is a number"),  # not an item: no space after the dot
    ("```python\ncode\n```", "\ncode\n"),
    ("  ~~~ js\n", "\n"),
    ("a](not a link", "a](not a link"),
])
def test_markdown_words(markdown: str, words: str) -> None:
    assert markdown_words(markdown) == words


def test_a_later_page_of_answers_keeps_the_index_a_rebuilds(
        archive: sqlite_utils.Database) -> None:
    """A ?page=2 page reads the stored row without its URL: the values the index holds
    (title, body) are read by their own names (before, by the row's: the column after
    each, so the entry deleted was not the one indexed and stale words stayed)."""
    first = replace(_stack_exchange_page([
        Answer(position=1, id="a1", text="First", markdown="First page answer")]),
        answer_count=2)
    second = replace(first, url="https://stackoverflow.com/questions/77?page=2",
                     answers_page=2, answers_before=1, title="Slurping one",
                     answers=[Answer(position=1, id="a2", text="Second",
                                     markdown="Second page answer")])
    with archive.atomic():
        archive.store_answer_page(first)
        archive.store_answer_page(second)
    assert _search(archive, "questions", "slurping") == ["77"]
    assert _search(archive, "questions", "second") == ["77"]
    assert _search(archive, "questions", "reading") == []  # the title it had
    live = _index_entries(archive, "questions_fts")
    with archive.atomic():
        rebuild_search_index(archive)
    assert _index_entries(archive, "questions_fts") == live


@pytest.mark.parametrize(("markdown", "start"), [
    ("## Use **`pathlib`**\n\n1. See [the docs](https://docs.example/x) ![a chart](c.png)",
     "Use pathlib See the docs a chart"),
    ("> Quoted\n> - item\n```python\nprint(1)\n```\n  2) next", "Quoted item print(1) next"),
    # Escapes keep their character; one underscore (snake_case), a star inside a word
    # once escaped, a minus that is no list mark and a # with no space stay.
    ("a\\*b\\_c snake_case *em* __strong__ -1 #tag", "a*b_c snake_case em strong -1 #tag"),
    ("[![a chart](https://i.example/c.png)](https://i.example/c.png) then", "a chart then"),
    ("", ""),
    (None, None),
])
def test_answer_start_drops_the_markdown_markup(markdown: str | None, start: str | None) -> None:
    assert answer_start(markdown) == start


def test_answer_start_is_cut_after_the_markup_goes() -> None:
    assert answer_start("**" + "字" * 300 + "**") == "字" * ANSWER_START_CHARS
