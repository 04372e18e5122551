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

import json
import sqlite3
import sys
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

import nh3
from datasette import Response, hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.plugins import pm
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
    tilde_encode,
    urlsafe_components,
)
from datasette.utils.asgi import NotFound
from markdown_it import MarkdownIt
from markupsafe import Markup

from archive.search import (
    QUESTION_COUNT_SQL,
    QUESTION_SEARCH_SQL,
    SearchSyntaxError,
    fts_query,
    segment,
)

PLUGIN = "qarchive"

# The longest string or blob an archive query may produce (SQLITE_LIMIT_LENGTH).
MAX_VALUE_BYTES = 32 * 1024 * 1024
# The most bytes one response may carry. Past it a response not yet started is
# refused (413, a short JSON error) and a streamed one is cut off.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
# Methods that only read. The archive is served read-only: anything else is refused
# before Datasette's write API (which answered 500 on a read-only database) sees it.
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

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
    # No value a query makes or reads may be longer than this: `select zeroblob(1e9)`
    # fails at once ("string or blob too big") instead of building a gigabyte the 3 s
    # time limit never saw. Stored values fit: a page body is at most 10 MiB compressed,
    # its text at most 1.5x that in UTF-8, and qarchive caps what a row keeps of it.
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.create_function("qarchive_fts_query", 1, fts_query, deterministic=True)
    conn.create_function("qarchive_segment", 1, segment, deterministic=True)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)


# ---------------------------------------------------------------------------
# Search: the table pages' ?_search= narrows rows as Datasette does (its JSON and
# CSV keep the table's columns); /archive/-/search ranks them for people.

# Questions a ranked search page shows at a time.
SEARCH_PAGE_SIZE = 50


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Callable[..., Any]]]:
    return [(r"^/(?P<database>[^/]+)/-/search$", _search_page)]


async def _search_page(datasette: Any, request: Any) -> Response:
    """The questions matching ``?q=``, ranked, a page at a time, with the total."""
    database = request.url_vars["database"]
    if _config(datasette, database) is None:
        raise NotFound(f"no search for {database}")
    words = request.args.get("q", "").strip()
    page_text = request.args.get("page", "1")
    # A page number is at most six ASCII digits: past that the offset is no page anyone
    # reads (and past 2**63 no SQLite integer).
    page = (max(1, int(page_text)) if page_text.isascii() and page_text.isdigit()
            and len(page_text) <= 6 else 1)
    context: dict[str, Any] = {"database": database, "q": words, "page": page, "rows": [],
                               "matches": 0, "error": None, "page_size": SEARCH_PAGE_SIZE}
    if words:
        try:
            fts = fts_query(words, strict=True)
        except SearchSyntaxError as error:
            context["error"] = str(error)
        else:
            db = datasette.get_database(database)
            result = await db.execute(QUESTION_SEARCH_SQL, {
                "fts": fts, "limit": SEARCH_PAGE_SIZE,
                "offset": (page - 1) * SEARCH_PAGE_SIZE})
            context["rows"] = [dict(row) for row in result.rows]
            if context["rows"]:
                context["matches"] = context["rows"][0]["matches"]
            elif page > 1:  # past the last page: say how many there are
                counted = await db.execute(QUESTION_COUNT_SQL, {"fts": fts})
                context["matches"] = counted.first()[0]
    context["pages"] = max(1, -(-context["matches"] // SEARCH_PAGE_SIZE))
    return Response.html(await datasette.render_template(
        "qarchive-search.html", context, request=request))


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    """Refuse writes (the archive is served read-only) and cap a response's size."""

    def wrap(app: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            config = _config(datasette) if scope.get("type") == "http" else None
            if config and scope.get("method", "GET").upper() not in _READ_METHODS:
                await _plain_error(send, 405, "this archive is served read-only",
                                   [(b"allow", b"GET, HEAD, OPTIONS")])
                return
            if config:
                send = _capped_send(send, MAX_RESPONSE_BYTES)
            await app(scope, receive, send)

        return wrapped

    return wrap


async def _plain_error(send: Any, status: int, message: str,
                       headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps({"ok": False, "error": message, "status": status}).encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode("ascii")), *(headers or [])],
    })
    await send({"type": "http.response.body", "body": body})


def _capped_send(send: Any, limit: int) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """``send`` that lets at most ``limit`` body bytes through.

    The start is held back until the first body chunk: a response whose body is
    already too big then becomes a 413 with a one-line JSON error. A streamed
    response (CSV) that grows past the limit after it started is ended there.
    """
    held: dict[str, Any] | None = None
    sent = 0
    done = False

    async def capped(message: dict[str, Any]) -> None:
        nonlocal held, sent, done
        if done:
            return
        if message["type"] == "http.response.start":
            held = message
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunk = message.get("body", b"")
        if held is not None:
            start, held = held, None
            if len(chunk) > limit:
                done = True
                await _plain_error(send, 413, f"the response would be larger than "
                                   f"{limit // (1024 * 1024)} MB; ask for fewer rows or "
                                   "smaller values")
                return
            await send(start)
        sent += len(chunk)
        if sent > limit:
            done = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        await send(message)

    return capped


# ---------------------------------------------------------------------------
# Errors: as cheap as a normal page


# Datasette awaits every handle_exception hook, its own last: returning a response
# first does not stop its default from printing. So this module's handler replaces
# it (for every Datasette in the process: same pages, same JSON, without the print).
_DEFAULT_HANDLER = "datasette.handle_exception"
if pm.get_plugin(_DEFAULT_HANDLER) is not None:
    pm.unregister(name=_DEFAULT_HANDLER)


@hookimpl(trylast=True)
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """Error pages without Datasette's rich traceback.

    With rich installed, Datasette's own handler prints every error's traceback
    with its local variables (~20 KB, 0.4-0.8 s each, and twenty 404s made a normal
    request wait 9 s). A 4xx is the client's and prints nothing; a 500 prints one
    line. The page is Datasette's error page or JSON, as before.
    """
    from datasette.utils import add_cors_headers
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    async def inner() -> Response:
        title = None
        info: dict[str, Any] = {}
        if isinstance(exception, Base400):
            status, message = exception.status, str(exception.args[0] if exception.args else "")
        elif isinstance(exception, DatasetteError):
            status, message, title = exception.status, exception.message, exception.title
            info = dict(exception.error_dict or {})
            if exception.message_is_html:
                message = Markup(message)
        else:
            status, message = 500, str(exception)
            line = " ".join(f"{type(exception).__name__}: {exception}".split())[:300]
            print(f"qarchive: {request.method} {request.path}: {line}", file=sys.stderr)
        info.update({"ok": False, "error": message, "status": status, "title": title})
        headers: dict[str, str] = {}
        if datasette.cors:
            add_cors_headers(headers)
        if request.path.split("?")[0].endswith(".json"):
            return Response.json(info, status=status, headers=headers)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        return Response.html(
            await template.render_async(dict(
                info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(),
                menu_links=lambda: [],
            )),
            status=status,
            headers=headers,
        )

    return inner


# ---------------------------------------------------------------------------
# Cells


# Columns whose cells show a preview in tables and query results.
_LONG_TEXT_COLUMNS = frozenset({"answer_text", "answer_markdown", "description"})
PREVIEW_CHARS = 160


def _preview(text: str) -> Markup:
    flat = " ".join(text.split())
    if len(flat) <= PREVIEW_CHARS:
        return Markup("{}").format(flat)
    return Markup('<span class="qa-preview" title="{} characters">{}…</span>').format(
        len(flat), flat[:PREVIEW_CHARS])


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if _config(datasette, database) is None:
        return None
    if column in _LONG_TEXT_COLUMNS and isinstance(value, str):
        # A table row stays one scannable line or two: the whole answer, rendered,
        # is on the question page (row-archive-questions.html), not in every row.
        return _preview(value)
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
