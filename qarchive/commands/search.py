"""`qarchive search`: the archive's search, without Datasette."""

from __future__ import annotations

import json

import click

from archive.search import SearchResults, SearchSyntaxError, search_questions
from qarchive.options import archive_errors, db_option, open_archive_or_exit

__all__ = ["search_command"]

# Columns of a title on a terminal: wide enough to tell questions apart.
_TITLE_WIDTH = 60


@click.command(name="search", short_help="Search the archive's questions.")
@click.argument("query")
@db_option("Archive to search, default {default}.")
@click.option("--limit", default=20, type=click.IntRange(min=1, max=1000),
              help="How many questions, best first, default 20.")
@click.option("--page", default=1, type=click.IntRange(min=1, max=1_000_000),
              help="Which page of --limit questions, default 1.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object (matches in all, and the questions) instead of a table.")
def search_command(query: str, db_path: str, limit: int, page: int, as_json: bool) -> None:
    """Search the archive's questions (titles and answers), best matches first.

    Chinese needs no spaces (预训练模型 finds those characters in a row); words
    are ANDed; OR, AND, NOT (upper case), "quoted phrases", prefix* and
    parentheses work as in SQLite's FTS5. Equally relevant questions come
    fetched first, then most viewed. Past 10,000 matches, results are ordered
    by views without relevance (fetched first), to keep every search fast.
    Read-only: safe while a crawl runs.

    \b
    Example:
        qarchive search 预训练模型 --db archive.db
        qarchive search 'kubernetes OR docker' --limit 5
        qarchive search '"pip install" NOT conda' --json | jq '.matches'
    """
    db = open_archive_or_exit(db_path, create=False, readonly=True)
    try:
        with archive_errors(db_path):
            results = search_questions(db, query, limit=limit, offset=(page - 1) * limit)
    except SearchSyntaxError as error:  # click's usage error: exit status 2
        raise click.BadParameter(str(error), param_hint="QUERY") from None
    finally:
        db.close()
    if as_json:
        click.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(_table(results, first=(page - 1) * limit + 1))


def _table(results: SearchResults, *, first: int) -> str:
    if not results.hits:
        return (f"no question matches {results.query!r}" if not results.matches else
                f"{results.matches} questions match {results.query!r}; none on this page")
    lines = [f"{'rank':>4}  {'relevance':>9}  {'views':>8}  {'id':<12}  title"]
    for rank, hit in enumerate(results.hits, start=first):
        title = (hit.title or "") + ("" if hit.is_fetched else " (not fetched)")
        if len(title) > _TITLE_WIDTH:
            title = title[:_TITLE_WIDTH - 1] + "…"
        views = "" if hit.view_count is None else f"{hit.view_count:,}"
        # No relevance past RANKED_MATCHES matches: ordered by views.
        relevance = "" if hit.relevance is None else hit.relevance
        lines.append(f"{rank:>4}  {relevance:>9}  {views:>8}  {hit.id:<12}  {title}")
    last = first + len(results.hits) - 1
    lines.append(f"{first}–{last} of {results.matches} matching questions")
    return "\n".join(lines)
