"""qarchive's Datasette plugin: Chinese search, safe answers, the question page, a month facet.

Loaded through Datasette's ``plugins_dir`` by ``publish.make_datasette``.
Datasette registers plugins_dir modules in its process-wide plugin manager, so
every hook here acts only where metadata configures ``plugins: qarchive:``
(the archive database), and is a no-op for any other Datasette instance.

Scraped text is hostile: answers are rendered from Markdown with raw HTML
disabled and then cleaned by nh3 (ammonia) with an allow-list; every other
value stays autoescaped by Jinja.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import nh3
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
    tilde_encode,
    urlsafe_components,
)
from markdown_it import MarkdownIt
from markupsafe import Markup

from archive.search import fts_query, segment

PLUGIN = "qarchive"

# ---------------------------------------------------------------------------
# Markdown -> sanitised HTML

# CommonMark with raw HTML off: "<script>" in an answer is text, not a tag.
# markdown-it also refuses javascript:/vbscript:/file:/data: link targets.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code",
    "em", "strong", "del", "ul", "ol", "li", "a", "img", "table", "thead", "tbody",
    "tr", "th", "td",
}
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},  # language-python: kept for highlighters
    "ol": {"start"},
    "th": {"style"},
    "td": {"style"},
}


def render_markdown(text: str | None) -> Markup:
    """An answer's Markdown as HTML safe to put in a page (the only |safe we allow)."""
    if not text:
        return Markup("")
    html = _MARKDOWN.render(text)
    cleaned = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow ugc",
        filter_style_properties={"text-align"},
    )
    return Markup(cleaned)  # nh3's output: the one untrusted text marked safe


# ---------------------------------------------------------------------------
# Configuration


def _config(datasette: Any, database: str | None = None) -> dict[str, Any] | None:
    config = datasette.plugin_config(PLUGIN)
    if not config:
        return None
    if database is not None and database != config.get("database", "archive"):
        return None
    return dict(config)


# ---------------------------------------------------------------------------
# SQL functions for canned queries: ... MATCH qarchive_fts_query(:q)


@hookimpl(trylast=True)
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    """SQL functions for the archive's connections.

    ``escape_fts`` is Datasette's own function, which its table search wraps
    around ``?_search=`` (``MATCH escape_fts(:search)``). On the archive's
    connections it becomes ``fts_query``: the user's words, segmented like the
    index. trylast: registered after Datasette's version, so this one wins.
    """
    if _config(datasette, database) is None:
        return
    conn.create_function("qarchive_fts_query", 1, fts_query, deterministic=True)
    conn.create_function("qarchive_segment", 1, segment, deterministic=True)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)


# ---------------------------------------------------------------------------
# ?_search= on the table pages: best matches first


_TABLE_PATH = re.compile(r"^/(?P<database>[^/]+)/(?P<table>[^/.]+)(?P<ext>\.[a-z]+)?$")


def _search_target(config: dict[str, Any], path: str) -> tuple[str, str, str] | None:
    match = _TABLE_PATH.match(path)
    if not match or match["database"] != config.get("database", "archive"):
        return None
    query = (config.get("search") or {}).get(match["table"])
    if not query:
        return None
    return match["table"], query, match["ext"] or ""


def _ranked_search_url(
    database: str, table: str, query: str, ext: str, pairs: list[tuple[str, str]]
) -> str | None:
    """The ranked canned search to send a plain table search to, or None to stay.

    Datasette's table view orders by the chosen sort (default: the primary key)
    and cannot order by relevance. A search that asks for nothing else (no
    filter, no facet, no sort other than the meaningless primary-key order the
    search form submits) goes to the canned query, which orders by bm25.
    """
    primary_keys = {"questions": "id", "resources": "url"}
    words = ""
    kept: list[tuple[str, str]] = []
    for key, value in pairs:
        if key == "_search":
            words = value
        elif key == "_sort" and value in ("", primary_keys.get(table)):
            continue
        elif key in ("_shape", "_nl", "_json"):
            kept.append((key, value))
        else:
            return None
    if not words.strip():
        return None
    return f"/{database}/{query}{ext}?" + urllib.parse.urlencode([("q", words), *kept])


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    """Send a plain ``?_search=`` on a searchable table to its ranked canned search.

    Datasette's table view orders matches by the chosen sort (by default the
    primary key, meaningless for ids and URLs) and cannot order by relevance;
    the canned queries order by bm25. A search with a filter, a facet or a
    chosen sort stays on the table page, where it narrows the rows as usual.
    """

    def wrap(app: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            config = _config(datasette) if scope.get("type") == "http" else None
            target = _search_target(config, scope.get("path", "")) if config else None
            if config and target:
                table, query, ext = target
                pairs = urllib.parse.parse_qsl(
                    scope.get("query_string", b"").decode("utf-8", "replace"),
                    keep_blank_values=True,
                )
                database = config.get("database", "archive")
                location = _ranked_search_url(database, table, query, ext, pairs)
                if location is not None:
                    await _redirect(send, datasette.urls.path(location))
                    return
            await app(scope, receive, send)

        return wrapped

    return wrap


async def _redirect(send: Any, location: str) -> None:
    await send({
        "type": "http.response.start",
        "status": 302,
        "headers": [(b"location", location.encode("ascii")), (b"content-length", b"0")],
    })
    await send({"type": "http.response.body", "body": b""})


# ---------------------------------------------------------------------------
# Cells


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if _config(datasette, database) is None:
        return None
    if column == "answer_markdown" and isinstance(value, str):
        return render_markdown(value)
    if table is None and column == "question_id" and isinstance(value, str):
        # Canned queries name a question's id question_id: link it to its page.
        href = datasette.urls.row(database, "questions", tilde_encode(value))
        return Markup('<a href="{}">{}</a>').format(href, value)
    return None


# ---------------------------------------------------------------------------
# The question page: row-archive-questions.html


@hookimpl
def extra_template_vars(
    template: str, database: str, table: str, view_name: str, request: Any, datasette: Any
) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    if view_name != "row" or table != "questions" or request is None:
        return None
    if _config(datasette, database) is None:
        return None

    async def question_vars() -> dict[str, Any]:
        components = urlsafe_components(request.url_vars["pks"])
        if len(components) != 1:
            return {}
        return await _question_context(datasette, database, components[0])

    return question_vars


async def _question_context(datasette: Any, database: str, question_id: str) -> dict[str, Any]:
    db = datasette.get_database(database)
    found = await db.execute(
        "SELECT id, url, title, asked_at, view_count, view_count_approximate, answer_text, "
        "answer_markdown, is_fetched FROM questions WHERE id = ?", [question_id]
    )
    if not found.rows:
        return {}
    question = dict(found.rows[0])
    related = await db.execute(
        "SELECT r.position, r.to_id AS id, COALESCE(q.title, r.title) AS title, "
        "r.answer_text, q.is_fetched FROM related_questions r "
        "LEFT JOIN questions q ON q.id = r.to_id WHERE r.from_id = ? ORDER BY r.position",
        [question_id],
    )
    linked_from = await db.execute(
        "SELECT r.from_id AS id, q.title FROM related_questions r "
        "JOIN questions q ON q.id = r.from_id WHERE r.to_id = ? ORDER BY q.title, r.from_id",
        [question_id],
    )
    resources = await db.execute(
        "SELECT qr.section, qr.position, r.url, r.kind, r.file_type, r.title, r.description "
        "FROM question_resources qr JOIN resources r ON r.url = qr.resource_url "
        "WHERE qr.question_id = ? ORDER BY qr.section = 'latest', qr.section, qr.position",
        [question_id],
    )
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in resources.rows:
        sections.setdefault(row["section"], []).append({**dict(row), "href": _web_url(row["url"])})
    question["href"] = _web_url(question["url"])

    def question_url(other_id: str) -> str:
        return str(datasette.urls.row(database, "questions", tilde_encode(other_id)))

    return {
        "question": question,
        "answer_html": render_markdown(question["answer_markdown"] or ""),
        "related_questions": [
            {**dict(row), "href": question_url(row["id"])} for row in related.rows
        ],
        "linked_from": [{**dict(row), "href": question_url(row["id"])} for row in linked_from.rows],
        "resource_sections": [
            {"key": key, "label": SECTION_LABELS.get(key, key), "items": items}
            for key, items in sections.items()
        ],
    }


SECTION_LABELS = {"related": "相关推荐", "latest": "最新推荐"}


def _web_url(url: str | None) -> str | None:
    """The URL if it is http(s), else None: autoescaping does not stop javascript: links."""
    if url and urllib.parse.urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return None


# ---------------------------------------------------------------------------
# ?_facet_month=asked_at


def month_facet_sql(column: str, table_sql: str, *, limit: int) -> str:
    """Months of ``column`` in the rows ``table_sql`` selects, with their counts, newest first.

    On the questions table SQLite answers it from idx_questions_month
    (migration 0007) without touching the rows.
    """
    return (
        f"SELECT substr({escape_sqlite(column)}, 1, 7) AS value, count(*) AS count "
        f"FROM ({table_sql}) "
        f"WHERE {escape_sqlite(column)} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]*' "
        f"GROUP BY value ORDER BY value DESC LIMIT {limit:d}"
    )


class MonthFacet(Facet):
    """Facet an ISO 8601 text column by its month (``2023-06``), newest first.

    Datasette's date facet applies date(), which turns ``...T03:00:00+08:00``
    into the previous UTC day; the month as written on the page is its first
    seven characters. Selecting a month filters with ``column__startswith``.
    """

    type = "month"

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        args = dict(self.get_querystring_pairs())
        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            sql = month_facet_sql(column, self.sql, limit=facet_size + 1)
            try:
                rows = await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            lookup = f"{column}__startswith"
            values = []
            for row in rows.rows[:facet_size]:
                selected = args.get(lookup) == row["value"]
                toggle = (
                    path_with_removed_args(self.request, {lookup: row["value"]})
                    if selected
                    else path_with_added_args(self.request, {lookup: row["value"]})
                )
                values.append({
                    "value": row["value"],
                    "label": row["value"],
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, toggle),
                    "selected": selected,
                })
            results.append({
                "name": column,
                "type": self.type,
                "results": values,
                "hideable": source_and_config["source"] != "metadata",
                "toggle_url": path_with_removed_args(self.request, {"_facet_month": column}),
                "truncated": len(rows.rows) > facet_size,
            })
        return results, timed_out


@hookimpl
def register_facet_classes() -> list[type]:
    return [MonthFacet]
