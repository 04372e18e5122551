"""A user's search, with FTS5's operators, as an FTS5 expression over the segmented index.

The index holds segmented text (archive/search.py: CJK bigrams, Latin words), so a
user's words cannot go to ``MATCH`` as typed. The query language is FTS5's own,
for Latin and Chinese words alike:

- words are ANDed: ``预训练 模型``;
- ``OR``, ``AND`` and ``NOT`` (upper case, as FTS5 has them; ``a NOT b``);
- ``"quoted words"`` must stand together, in order (anywhere: ``"模型"`` finds 模型训练);
- ``word*`` is a prefix; a word or phrase ending in one Chinese character is always
  one (``模`` finds 模型);
- parentheses group.

Each word or quoted phrase becomes one FTS5 phrase of its segmented tokens; the
operators and parentheses are kept. A query that breaks these rules raises
:class:`SearchSyntaxError` with a message for the user.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["SearchSyntaxError", "to_fts5"]

_OPERATORS = ("OR", "AND", "NOT")
# A quoted phrase (its closing quote optional, so a missing one can be named),
# a parenthesis, or a run of anything else up to a space, quote or parenthesis.
_LEXEME = re.compile(r'"(?P<phrase>[^"]*)(?P<closed>"?)|(?P<paren>[()])|(?P<word>[^\s"()]+)')


class SearchSyntaxError(ValueError):
    """The query breaks the search syntax; the message says how, for the user."""


def to_fts5(query: str, word_tokens: Callable[[str], tuple[list[str], bool]]) -> str:
    """The FTS5 expression for ``query``; ``""`` (matches nothing) for an empty one.

    ``word_tokens(text)``: the index tokens a word or a quoted phrase is matched by, in
    order, and whether the last one is a prefix (text ending in Chinese may end inside
    a longer run of it). A phrase and a word end by the same rule, so ``"模型"`` finds
    模型训练 as ``模型`` does: the words together, in order, anywhere.
    """
    parts: list[str] = []  # FTS5 phrases, operators and parentheses
    for match in _LEXEME.finditer(query):
        if match["paren"]:
            parts.append(match["paren"])
            continue
        if match["word"] is None:  # a quoted phrase
            if not match["closed"]:
                raise SearchSyntaxError('a quoted phrase is not closed: add the closing "')
            text, prefix = match["phrase"], False
        else:
            word = match["word"]
            if word in _OPERATORS:
                parts.append(word)
                continue
            text, prefix = word.rstrip("*"), word.endswith("*")
        tokens, ends_open = word_tokens(text)
        if not tokens:
            continue  # nothing searchable in it (punctuation alone)
        phrase = '"' + " ".join(tokens) + '"'
        parts.append(phrase + "*" if prefix or ends_open else phrase)
    _check(parts)
    return " ".join(parts) if parts else '""'


def _check(parts: list[str]) -> None:
    """FTS5's grammar: operands and groups joined by operators, which need both sides."""
    depth = 0
    previous = None  # "operand", "operator", "(" or None at the start
    for part in parts:
        if part == "(":
            depth += 1
            previous = "("
        elif part == ")":
            if depth == 0:
                raise SearchSyntaxError("a ) has no ( before it")
            if previous in ("(", "operator"):
                raise SearchSyntaxError(
                    "nothing to search between ( and )" if previous == "("
                    else f"{_last_operator(parts)} needs words after it")
            depth -= 1
            previous = "operand"
        elif part in _OPERATORS:
            if previous in (None, "(", "operator"):
                raise SearchSyntaxError(
                    f"{part} needs words before it (a {part} b)" if previous != "operator"
                    else f"two operators in a row ({part} after another)")
            previous = "operator"
        else:
            previous = "operand"
    if depth:
        raise SearchSyntaxError("a ( is not closed: add the )")
    if previous == "operator":
        raise SearchSyntaxError(f"{_last_operator(parts)} needs words after it")


def _last_operator(parts: list[str]) -> str:
    operators = [part for part in parts if part in _OPERATORS]
    return operators[-1] if operators else "an operator"
