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

import functools
import json
import re
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
    path_from_row_pks,
    path_with_added_args,
    path_with_removed_args,
    tilde_decode,
    tilde_encode,
    urlsafe_components,
)
from datasette.utils.asgi import NotFound
from markdown_it import MarkdownIt
from markupsafe import Markup

from archive.search import (
    QUESTION_COUNT_SQL,
    QUESTION_SEARCH_SQL,
    RANKED_MATCHES,
    SearchSyntaxError,
    answer_start,
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
    conn.create_function("qarchive_answer_start", 1, _answer_start, deterministic=True)
    conn.create_function("escape_fts", 1, fts_query, deterministic=True)


def _answer_start(value: Any) -> Any:
    """``qarchive_answer_start(markdown)``: the snippet the search page shows (a text's
    first 160 characters without its Markdown markup); any other value as it is."""
    return answer_start(value) if isinstance(value, str) else value


# ---------------------------------------------------------------------------
# Search: the table pages' ?_search= narrows rows as Datasette does (its JSON and
# CSV keep the table's columns); /archive/-/search ranks them for people.

# Questions a ranked search page shows at a time.
SEARCH_PAGE_SIZE = 50


@hookimpl
def register_routes(datasette: Any) -> list[tuple[str, Callable[..., Any]]]:
    routes: list[tuple[str, Callable[..., Any]]] = [
        (r"^/(?P<database>[^/]+)/-/search$", _search_page)]
    config = _config(datasette)
    if config is not None:
        # Before Datasette's row view, which reads one key part as a broken compound key.
        database = re.escape(config.get("database", "archive"))
        routes.append((_ID_ONLY_ROUTE.format(database=database), _question_by_id))
    return routes


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
                               "matches": 0, "error": None, "page_size": SEARCH_PAGE_SIZE,
                               "ranked_matches": RANKED_MATCHES}
    if words:
        try:
            fts = fts_query(words, strict=True)
        except SearchSyntaxError as error:
            context["error"] = str(error)
        else:
            db = datasette.get_database(database)
            result = await db.execute(QUESTION_SEARCH_SQL, {
                "fts": fts, "limit": SEARCH_PAGE_SIZE,
                "offset": (page - 1) * SEARCH_PAGE_SIZE, "ranked_matches": RANKED_MATCHES})
            context["rows"] = [
                {**dict(row), "answer_start": answer_start(row["answer_start"]),
                 "href": question_href(datasette, database, row["site"], row["id"])}
                for row in result.rows]
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
    """Refuse writes (the archive is served read-only), cap a response's size, and
    serve a table's search without facets or Datasette's count unless asked."""

    def wrap(app: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
            config = _config(datasette) if scope.get("type") == "http" else None
            if config and scope.get("method", "GET").upper() not in _READ_METHODS:
                await _plain_error(send, 405, "this archive is served read-only",
                                   [(b"allow", b"GET, HEAD, OPTIONS")])
                return
            if config:
                send = _capped_send(send, MAX_RESPONSE_BYTES)
                scope = _search_for_finding(datasette, config, scope)
            await app(scope, receive, send)

        return wrapped

    return wrap


# ---------------------------------------------------------------------------
# A table's search is for finding rows: ?_search= on a table with a search index
# (metadata fts_table: questions, resources) runs as ?_search=...&_nofacet=1&_nocount=1
# on the HTML page. The JSON and CSV (/archive/questions.json?_search=...) keep
# Datasette's behaviour, filtered_table_rows_count and all: API users page by it, and
# can add _nocount=1 themselves.
# Each facet and Datasette's count join the whole match to the table again (a word in
# 92 % of 100k questions: five such queries a page, p95 303 ms; 68 ms without them,
# bench/notes.md); the page's heading says how many match from the index alone
# (search_heading: "5 questions match "模型"", then Datasette's description of the rest).
# Asking for facets (any _facet... argument, or _showfacets=1: the page's "Show facets"
# link) leaves the page to Datasette: facets and its exact count.

SHOW_FACETS = "_showfacets"
# The HTML page of a table: no extension (Datasette's table route, with no format; a
# name with a dot in it is tilde-encoded, ~2E).
_TABLE_PAGE = re.compile(r"^/(?P<database>[^/.]+)/(?P<table>[^/.]+)$")


def _searched_table(datasette: Any, database: str, table: str) -> str | None:
    """The search index (fts_table) metadata gives ``table``, if any."""
    fts_table = datasette.table_metadata(database, table).get("fts_table")
    return fts_table if isinstance(fts_table, str) else None


def _asks_for_facets(keys: set[str]) -> bool:
    return SHOW_FACETS in keys or any(key.startswith("_facet") for key in keys)


def _search_for_finding(datasette: Any, config: dict[str, Any],
                        scope: dict[str, Any]) -> dict[str, Any]:
    """``scope`` with ``_nofacet=1&_nocount=1`` added when it is a table's plain search,
    on its HTML page."""
    path = _TABLE_PAGE.match(scope.get("path", ""))
    if path is None or path["database"] != config.get("database", "archive"):
        return scope
    pairs = urllib.parse.parse_qsl(scope.get("query_string", b"").decode("latin-1"),
                                   keep_blank_values=True)
    keys = {key for key, _ in pairs}
    if (not any(key == "_search" and value.strip() for key, value in pairs)
            or _asks_for_facets(keys)
            or _searched_table(datasette, path["database"], path["table"]) is None):
        return scope
    added = [(key, "1") for key in ("_nofacet", "_nocount") if key not in keys]
    if not added:
        return scope
    query = urllib.parse.urlencode(pairs + added).encode("latin-1")
    return {**scope, "query_string": query}


def _search_heading(description: str, *, words: str, matches: int, noun: str) -> str:
    """The table's heading for a search Datasette did not count: how many match the words,
    then Datasette's description of the rest (``description``: its ``human_description_en``,
    ``where search matches "模型" and is_fetched = 1 sorted by view_count descending``).

    ``5 questions match "模型", sorted by view_count descending``; with other filters the
    count is the words' alone: ``...match "模型"; of them, those where is_fetched = 1 ...``.
    Plain text: the template escapes it (the words are the user's).
    """
    counted = f"{matches:,} {noun} matches" if matches == 1 else f"{matches:,} {noun}s match"
    heading = f'{counted} "{words}"'
    # Datasette's description: "where " and its clauses, the search's first unless a
    # ?_through= comes before it ("a, b and c"), then " sorted by ..." when sorted.
    searched = f'where search matches "{words}"'
    if not description.startswith(searched):
        return f"{heading}; of them, those {description}" if description else heading
    rest = description[len(searched):]
    for joiner in (", ", " and "):
        if rest.startswith(joiner):
            return f"{heading}; of them, those where {rest[len(joiner):]}"
    return f"{heading},{rest}" if rest else heading  # rest: " sorted by ..." or nothing


async def _search_vars(datasette: Any, database: str, table: str,
                       request: Any) -> dict[str, Any]:
    """What a table's search page says: how many match (from the index alone, when
    Datasette did not count), and the link that shows or hides the facets."""
    words = request.args.get("_search", "")
    fts_table = _searched_table(datasette, database, table)
    if not words.strip() or fts_table is None:
        return {}
    keys = set(request.args.keys())
    matches = None
    if "_nocount" in keys:
        # escape_fts is fts_query on the archive's connections (prepare_connection),
        # as in Datasette's own search; _searchmode=raw passes the words as FTS5 syntax.
        match = ":search" if request.args.get("_searchmode") == "raw" else "escape_fts(:search)"
        try:
            counted = await datasette.get_database(database).execute(
                f"SELECT count(*) FROM {escape_sqlite(fts_table)} "
                f"WHERE {escape_sqlite(fts_table)} MATCH {match}", {"search": words})
            matches = counted.first()[0]
        except (QueryInterrupted, sqlite3.Error):
            matches = None  # a raw query FTS5 refuses: Datasette's page says why
    facets_shown = _asks_for_facets(keys) and "_nofacet" not in keys
    pairs = urllib.parse.parse_qsl(request.query_string, keep_blank_values=True)
    if facets_shown:
        kept = [(key, value) for key, value in pairs if not _asks_for_facets({key})]
    else:
        kept = [(key, value) for key, value in pairs if key not in ("_nofacet", "_nocount")]
        kept.append((SHOW_FACETS, "1"))
    link = request.path + "?" + urllib.parse.urlencode(kept)
    noun = {"questions": "question", "resources": "resource"}.get(table, "row")
    return {
        # The templates pass Datasette's human_description_en through it (table.html's
        # heading reads it): None when Datasette counted, or the index could not.
        "search_heading": None if matches is None else functools.partial(
            _search_heading, words=words, matches=matches, noun=noun),
        "search_matches": matches,
        "show_facets_url": None if facets_shown else link,
        "hide_facets_url": link if facets_shown else None,
    }


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
# Links to questions: a question is keyed by (site, id), its page is Datasette's row
# URL of that compound key (/archive/questions/wenku~2Ecsdn~2Enet,2kxyq3m7vd).

_QUESTION_PKS = ["site", "id"]


def question_href(datasette: Any, database: str, site: str, question_id: str) -> str:
    """The question page of (``site``, ``question_id``), built by Datasette's own helpers."""
    path = path_from_row_pks({"site": site, "id": question_id}, _QUESTION_PKS, False)
    return str(datasette.urls.row(database, "questions", path))


# An id alone, the question URL before questions were keyed per site (#17):
# /archive/questions/2kxyq3m7vd. A compound key has a comma, and a tilde-encoded id none.
_ID_ONLY_ROUTE = r"^/(?P<database>{database})/questions/(?P<id>[^/.,]+)(?P<format>\.json)?$"

# The sites holding a question with this id: a walk over the distinct sites, one index
# seek each (the (site, id) key has no index on id alone, and an archive has no
# statistics for SQLite's own skip-scan).
_SITES_WITH_ID_SQL = """
with recursive sites(site) as (
  select min(site) from questions
  union all
  select (select min(site) from questions where site > sites.site) from sites
  where sites.site is not null
)
select q.site from sites join questions q on q.site = sites.site and q.id = :id
order by q.site limit 2
"""


async def _question_by_id(datasette: Any, request: Any) -> Response:
    """An id-only question URL: the question's page when one site has that id, the
    questions with that id when several do, 404 when none."""
    database = request.url_vars["database"]
    question_id = tilde_decode(request.url_vars["id"])
    found = await datasette.get_database(database).execute(
        _SITES_WITH_ID_SQL, {"id": question_id})
    sites = [row["site"] for row in found.rows]
    if not sites:
        raise NotFound(f"no question {question_id}")
    if len(sites) > 1:
        location = str(datasette.urls.table(database, "questions", format=None))
        return Response.redirect(location + "?" + urllib.parse.urlencode({"id": question_id}))
    location = question_href(datasette, database, sites[0], question_id)
    if request.url_vars.get("format"):
        location += ".json"
    if request.query_string:
        location += "?" + request.query_string
    return Response.redirect(location)


# ---------------------------------------------------------------------------
# Cells


# Columns whose cells show a preview in tables and query results.
_LONG_TEXT_COLUMNS = frozenset({
    "answer_text", "answer_markdown", "description", "question_markdown", "markdown",
})
PREVIEW_CHARS = 160
# Columns of the archive's tables that name a question of the row's ``site``.
_QUESTION_COLUMNS = frozenset({"question_id", "from_id", "to_id"})
# Canned queries name a question's id ``question_id`` (its site ``site``); a duplicate's
# target is ``target_question_id``.
_QUERY_QUESTION_COLUMNS = frozenset({"question_id", "target_question_id"})


def _preview(text: str) -> Markup:
    flat = " ".join(text.split())
    if len(flat) <= PREVIEW_CHARS:
        return Markup("{}").format(flat)
    return Markup('<span class="qa-preview" title="{} characters">{}…</span>').format(
        len(flat), flat[:PREVIEW_CHARS])


def _column(row: Any, name: str) -> Any:
    """``row[name]``, or None when the row has no such column."""
    try:
        # keys(): ``in`` on a sqlite3.Row looks at its values, not its column names.
        return row[name] if name in row.keys() else None  # noqa: SIM118
    except (AttributeError, TypeError):
        return None


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | Callable[[], Awaitable[Markup]] | None:
    if _config(datasette, database) is None:
        return None
    if (column in _LONG_TEXT_COLUMNS and isinstance(value, str)
            and (table is None or column != "markdown" or table == "answers")):
        # A table row stays one scannable line or two: the whole answer, rendered,
        # is on the question page (row-archive-questions.html), not in every row.
        return _preview(value)
    if not isinstance(value, str) or table == "questions":
        return None
    site = _column(row, "site")
    if table is None and column in _QUERY_QUESTION_COLUMNS:
        # A canned query's question: its page when the query gives its site, else the
        # id-only URL, which finds the site.
        href = (question_href(datasette, database, site, value) if isinstance(site, str)
                else str(datasette.urls.row(database, "questions", tilde_encode(value))))
        return Markup('<a href="{}">{}</a>').format(href, value)
    if table is not None and column in _QUESTION_COLUMNS and isinstance(site, str):
        # Datasette labels single-column foreign keys only; a question's is (site, id).
        return _labelled_key(datasette, database, value,
                             question_href(datasette, database, site, value),
                             "SELECT title FROM questions WHERE site = ? AND id = ?",
                             [site, value])
    if table == "question_resources" and column == "resource_url":
        # A view (migration 0015) has no foreign key for Datasette to label.
        return _labelled_key(datasette, database, value,
                             str(datasette.urls.row(database, "resources", tilde_encode(value))),
                             "SELECT title FROM resources WHERE url = ?", [value])
    return None


def _labelled_key(datasette: Any, database: str, key: str, href: str, title_sql: str,
                  params: list[Any]) -> Callable[[], Awaitable[Markup]]:
    """``key`` shown as Datasette shows a labelled foreign key: its row's title (read by
    ``title_sql``) linked to ``href``, then the key; the key alone, linked, if no title."""
    async def labelled() -> Markup:
        found = await datasette.get_database(database).execute(title_sql, params)
        title = found.rows[0]["title"] if found.rows else None
        if not title:
            return Markup('<a href="{}">{}</a>').format(href, key)
        return Markup('<a href="{}">{}</a>&nbsp;<em>{}</em>').format(href, title, key)

    return labelled


# ---------------------------------------------------------------------------
# The question page: row-archive-questions.html


@hookimpl
def extra_template_vars(
    template: str, database: str, table: str, view_name: str, request: Any, datasette: Any
) -> Callable[[], Awaitable[dict[str, Any]]] | None:
    if request is None or _config(datasette, database) is None:
        return None
    if view_name == "table" and table:
        async def search_vars() -> dict[str, Any]:
            return await _search_vars(datasette, database, table, request)

        return search_vars
    if view_name != "row" or table != "questions":
        return None

    async def question_vars() -> dict[str, Any]:
        components = urlsafe_components(request.url_vars["pks"])
        if len(components) != 2:
            return {}
        return await _question_context(datasette, database, components[0], components[1])

    return question_vars


# What the page says, in the language of the site it shows: CSDN's own labels for its
# pages (they read like the source), English for the others.
_LABELS = {
    "zh": {"asked": "时间", "views": "浏览", "related": "相关问题", "linked": "链接的问题",
           "linked_from": "Listed as related by"},
    "en": {"asked": "Asked", "views": "Viewed", "related": "Related questions",
           "linked": "Linked questions", "linked_from": "Listed as related or linked by"},
}
_CHINESE_SITES = frozenset({"wenku.csdn.net"})

# The answers as a reader wants them: the accepted one, then by votes, then page order.
# "+accepted" (not an index term): ordered by the plain column, SQLite, with no
# statistics, read every answer of the site through idx_answers_accepted (site,
# accepted) to skip a sort of a handful of rows (75 ms on 100k answers, not 0.1 ms).
_ANSWERS_SQL = (
    "SELECT id, position, markdown, votes, accepted, author, created_at FROM answers "
    "WHERE site = ? AND question_id = ? "
    "ORDER BY +accepted DESC, votes DESC NULLS LAST, position, id")
# The question's resources: its key, its links by rowid (migration 0015), each resource
# by rowid.
_RESOURCES_SQL = (
    "SELECT l.section, l.position, r.url, r.kind, r.file_type, r.title, r.description "
    "FROM questions q JOIN question_resource_links l ON l.question_rowid = q.rowid "
    "JOIN resources r ON r.rowid = l.resource_rowid "
    "WHERE q.site = ? AND q.id = ? "
    "ORDER BY l.section = 'latest', l.section, l.position")
# A duplicate's target: the archived question whose page is at duplicate_of, or one of
# the questions its page links to (a target not fetched yet) with that URL.
_DUPLICATE_TARGET_SQL = """
select t.site, t.id, t.title from questions t
where t.site = :site and t.id = coalesce(
  (select p.question_id from pages p where p.url = :url and p.site = :site),
  (select r.to_id from related_questions r
     join questions s on s.site = r.site and s.id = r.to_id
   where r.site = :site and r.from_id = :id and s.url = :url limit 1))
"""


async def _question_context(datasette: Any, database: str, site: str,
                            question_id: str) -> dict[str, Any]:
    db = datasette.get_database(database)
    key = [site, question_id]
    found = await db.execute(
        "SELECT site, id, url, title, asked_at, view_count, view_count_approximate, "
        "is_fetched, question_markdown, question_votes, "
        "question_author, status, duplicate_of, answer_count "
        "FROM questions WHERE site = ? AND id = ?", key)
    if not found.rows:
        return {}
    question = dict(found.rows[0])
    answers = [dict(row) for row in (await db.execute(_ANSWERS_SQL, key)).rows]
    for answer in answers:
        answer["html"] = render_markdown(answer.pop("markdown"))
        answer["has_meta"] = bool(answer["accepted"] or answer["votes"] is not None
                                  or answer["author"] or answer["created_at"])
    tags = await db.execute(
        "SELECT tag FROM question_tags WHERE site = ? AND question_id = ? ORDER BY position",
        key)
    related = await db.execute(
        "SELECT r.kind, r.position, r.to_id AS id, COALESCE(q.title, r.title) AS title, "
        "r.answer_text, q.is_fetched FROM related_questions r "
        "LEFT JOIN questions q ON q.site = r.site AND q.id = r.to_id "
        "WHERE r.site = ? AND r.from_id = ? ORDER BY r.kind DESC, r.position", key)
    linked_from = await db.execute(
        "SELECT DISTINCT r.from_id AS id, q.title FROM related_questions r "
        "JOIN questions q ON q.site = r.site AND q.id = r.from_id "
        "WHERE r.site = ? AND r.to_id = ? ORDER BY q.title, r.from_id", key)
    resources = await db.execute(_RESOURCES_SQL, key)
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in resources.rows:
        sections.setdefault(row["section"], []).append({**dict(row), "href": _web_url(row["url"])})
    question["href"] = _web_url(question["url"])

    def question_url(other_id: str) -> str:
        return question_href(datasette, database, site, other_id)

    duplicate = None
    if question["status"] == "duplicate" and question["duplicate_of"]:
        target = await db.execute(_DUPLICATE_TARGET_SQL, {
            "site": site, "id": question_id, "url": question["duplicate_of"]})
        duplicate = {
            "url": question["duplicate_of"],
            "href": _web_url(question["duplicate_of"]),
            "archived": [{**dict(row), "href": question_url(row["id"])}
                         for row in target.rows][:1],
        }
    kinds: dict[str, list[dict[str, Any]]] = {}
    for row in related.rows:
        kinds.setdefault(row["kind"], []).append({**dict(row), "href": question_url(row["id"])})
    labels = _LABELS["zh" if site in _CHINESE_SITES else "en"]
    return {
        "question": question,
        "labels": labels,
        "question_html": render_markdown(question["question_markdown"]),
        "answers": answers,
        "tags": [row["tag"] for row in tags.rows],
        "duplicate": duplicate,
        "related_questions": kinds.get("related", []),
        "linked_questions": kinds.get("linked", []),
        "linked_from": [{**dict(row), "href": question_url(row["id"])} for row in linked_from.rows],
        "resource_sections": [
            {"key": key, "label": SECTION_LABELS.get(key, key), "items": items}
            for key, items in sections.items()
        ],
        "question_history_url": _query_url(datasette, database, "question_history",
                                           site, question_id),
        "question_related_url": _query_url(datasette, database, "question_related",
                                           site, question_id),
        "tag_urls": {
            row["tag"]: str(datasette.urls.database(database)) + "/questions_by_tag?"
            + urllib.parse.urlencode({"tag": row["tag"]}) for row in tags.rows},
    }


def _query_url(datasette: Any, database: str, query: str, site: str, question_id: str) -> str:
    """A canned query about one question, its parameters filled in."""
    return (str(datasette.urls.database(database)) + f"/{query}?"
            + urllib.parse.urlencode({"site": site, "id": question_id}))


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


class _SqlFacet(Facet):
    """A facet whose values and counts one SQL query gives (``_facet_sql``), each value
    selected by the filter ``<column>__<_lookup>=<value>``."""

    _lookup = ""

    async def suggest(self) -> list[dict[str, Any]]:
        return []

    async def _facet_sql(self, column: str, limit: int) -> str | None:
        """The query giving ``value`` and ``count`` rows; None: no values at all."""
        raise NotImplementedError

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        pairs = self.get_querystring_pairs()
        facet_size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            try:
                sql = await self._facet_sql(column, facet_size + 1)
                rows = [] if sql is None else (await self.ds.execute(
                    self.database, sql, self.params, truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )).rows
            except QueryInterrupted:
                timed_out.append(column)
                continue
            lookup = f"{column}__{self._lookup}"
            values = []
            for row in rows[:facet_size]:
                selected = (lookup, row["value"]) in pairs
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
                "toggle_url": path_with_removed_args(self.request,
                                                     {f"_facet_{self.type}": column}),
                "truncated": len(rows) > facet_size,
            })
        return results, timed_out


class MonthFacet(_SqlFacet):
    """Facet an ISO 8601 text column by its month (``2023-06``), newest first.

    Datasette's date facet applies date(), which turns ``...T03:00:00+08:00``
    into the previous UTC day; the month as written on the page is its first
    seven characters. Selecting a month filters with ``column__startswith``.
    """

    type = "month"
    _lookup = "startswith"

    async def _facet_sql(self, column: str, limit: int) -> str | None:
        return month_facet_sql(column, self.sql, limit=limit)


# ---------------------------------------------------------------------------
# ?_facet_tag=tags


def tag_facet_sql(table_sql: str, *, filtered: bool, limit: int) -> str:
    """The tags of the questions ``table_sql`` selects, with their counts, most used first.

    Counted from question_tags, not from the questions' JSON ``tags``: Datasette's array
    facet reads every row's ``tags`` (past its long texts) and de-duplicates whole rows,
    93 ms on 100k questions with no tag at all. Unfiltered, the count is question_tags'
    own; filtered, it is over the questions the table shows.
    """
    if not filtered:
        source = "question_tags t"
    else:
        source = (f"(SELECT site, id FROM ({table_sql})) q "
                  "JOIN question_tags t ON t.site = q.site AND t.question_id = q.id")
    return (f"SELECT t.tag AS value, count(*) AS count FROM {source} "
            f"GROUP BY t.tag ORDER BY count DESC, value LIMIT {limit:d}")


class TagFacet(_SqlFacet):
    """Facet the questions by tag (``_facet_tag=tags``), most used first.

    Selecting a tag adds Datasette's own ``tags__arraycontains=<tag>``, as its array
    facet (``_facet_array=tags``, which gives the same counts) does.
    """

    type = "tag"
    _lookup = "arraycontains"

    async def _facet_sql(self, column: str, limit: int) -> str | None:
        if self.table != "questions":
            return None
        # No tag anywhere (a CSDN archive): nothing to count, and no need to run the
        # table's filters (a search) once more to find that out.
        tagged = await self.ds.execute(
            self.database, "SELECT EXISTS (SELECT 1 FROM question_tags) AS tagged")
        if not tagged.first()["tagged"]:
            return None
        filtered = bool(self.params) or " where " in f" {self.sql.lower()} "
        return tag_facet_sql(self.sql, filtered=filtered, limit=limit)


@hookimpl
def register_facet_classes() -> list[type]:
    return [MonthFacet, TagFacet]
