"""A linear pre-pass that flattens nesting too deep for lexbor's tree construction.

lexbor builds a page of N nested elements in time quadratic in N (its stack of
open elements is walked for every tag: 10,000 levels take 0.08 s, 100,000 take
~11 s), so a 10 MiB body, the crawl's cap, nesting two million ``<div>``s would
hold a crawl for hours. ``cap_nesting`` walks the tags once, following the
HTML tree-construction rules that decide how deep an element lands closely
enough to over-estimate lexbor's depth, and leaves out the start tags (and the
end tags closing them) that would nest deeper than the cap. Text is never
removed, so every text node survives in order; only the structure above the
cap is flattened. The model errs towards counting too deep: pages that leave
many elements unclosed may be flattened early, hostile ones are never let
through. A page with too few tags to nest deep is returned as it is, unread.
"""

from __future__ import annotations

import re

__all__ = ["MAX_NESTING", "UNREAD_TAGS", "cap_nesting"]

# Real pages nest fewer than 60 elements deep; browsers' own parsers stop
# nesting at 512 (Chromium's kMaximumHTMLParserDOMTreeDepth), and so do we.
# 512 levels cost lexbor nothing measurable; our Markdown walk stops at 64
# anyway (parsers/markdown.py MAX_DEPTH).
MAX_NESTING = 512

# Pages with no more "<" than this are returned unread. lexbor cannot nest them
# more than about twice as deep (a <td> brings a <tbody> and a <tr>), which costs
# it under 50 ms (4,096 nested <div>s: 17 ms), while reading them here would cost
# ~1.5 µs a tag, several times lexbor's own parse of an ordinary page.
UNREAD_TAGS = 4_096

_WS = "\t\n\f\r "
# One token of markup: a comment, a start or end tag (name, attributes with
# HTML's quoting rules: a quote matters only right after "="), or a doctype,
# processing instruction, "</>" or bogus comment. Atomic groups: no backtracking.
_TOKEN = re.compile(
    r"<(?:!--(?:>|->|.*?(?:--!?>|\Z))"
    rf"|(/?)([A-Za-z][^{_WS}/>]*)"
    rf"((?>(?P<sep>[{_WS}/]+)|[^{_WS}/>][^{_WS}/>=]*"
    rf"(?>[{_WS}]*=[{_WS}]*(?>\"[^\"]*\"?|'[^']*'?|[^{_WS}>]*))?)*+)(>?)"
    r"|[!?/][^>]*>?)",
    re.S,
)
_ATTRIBUTE = re.compile(
    rf"([^{_WS}/>][^{_WS}/>=]*)(?:[{_WS}]*=[{_WS}]*(\"[^\"]*\"?|'[^']*'?|[^{_WS}>]*))?"
)
_CDATA_END = re.compile(r"\]\]>|\Z")
_SCRIPT_STEP = re.compile(rf"<!--|-->|<(/?)script(?=[{_WS}/>])|\Z", re.I)


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


_VOID = _names(
    "area base basefont bgsound br col embed frame hr image img input keygen link meta "
    "param source track wbr"
)
_RAW_TEXT = _names("style xmp iframe noembed noframes textarea title")
_NOT_NESTED = frozenset(("html", "head", "body"))
_FORMATTING = _names("a b big code em font i nobr s small strike strong tt u")
# Elements that end the "in scope" walk of an end tag, and those ending it for
# any other end tag ("special"); MathML/SVG integration points are among both.
_INTEGRATION = _names("mi mo mn ms mtext annotation-xml foreignobject desc title")
_SCOPE = _names("applet caption html table td th marquee object template") | _INTEGRATION
_SPECIAL = _SCOPE | _INTEGRATION | _names(
    "address area article aside base basefont bgsound blockquote body br button center "
    "col colgroup dd details dir div dl dt embed fieldset figcaption figure footer form "
    "frame frameset h1 h2 h3 h4 h5 h6 head header hgroup hr iframe img input keygen li "
    "link listing main menu meta nav noembed noframes noscript ol p param plaintext pre "
    "script search section select source style summary tbody textarea tfoot thead tr "
    "track ul wbr xmp"
)
# End tags that close their element when it is "in scope" (the others: when no
# special element is open above it).
_SCOPED_ENDS = _names(
    "address article aside blockquote button center details dialog dir div dl fieldset "
    "figcaption figure footer header hgroup listing main menu nav ol pre search section "
    "summary ul form dd dt h1 h2 h3 h4 h5 h6 applet marquee object select"
)
_LIST_ITEMS = {"li": ("li",), "dd": ("dd", "dt"), "dt": ("dd", "dt")}
_MARKERS = _names("applet caption marquee object template td th")
_TABLE_ENDS = _names("table tbody thead tfoot tr td th caption colgroup")
_SECTIONS = frozenset(("tbody", "thead", "tfoot"))
_CELLS = frozenset(("td", "th"))
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
# Not <table>: it closes an open <p> only in no-quirks mode, and a page without a
# doctype is in quirks mode, where <p><table> nests (counting it open errs deep).
_CLOSES_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset "
    "figcaption figure footer header hgroup main menu nav ol p search section summary ul "
    "pre listing form h1 h2 h3 h4 h5 h6 dd dt li hr xmp plaintext"
)
_CLOSES_SELECT = frozenset(("input", "keygen", "textarea", "select"))
# Start tags that leave SVG or MathML content for HTML (<font> only with
# color, face or size attributes).
_BREAKOUT = _names(
    "b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr "
    "i img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup "
    "table tt u ul var"
)
_HTML, _SVG, _MATH, _POINT = 0, 1, 2, 3  # an open element's namespace; _POINT: integration point
_TEXT_POINTS = _names("mi mo mn ms mtext")


class _Model:
    """lexbor's stack of open elements, as far as depth goes, over the page as written out."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.kinds: list[int] = []
        self.at: dict[str, list[int]] = {}
        self.marks: dict[str, list[int]] = {
            kind: [-1] for kind in ("special", "scope", "item", "html", "table", "list", "button")
        }
        # Formatting elements closed by another element's tag stay in lexbor's
        # list of active formatting elements, which reopens them around the next
        # text: they count as open until their own end tag or their cell's end.
        # (No "Noah's Ark" limit: lexbor's limit on identical ones keeps reopened
        # elements open, so only counting them all never counts too few.)
        self.phantoms: list[str] = []
        self.live: dict[str, int] = {}  # by name: not yet ended by their end tag
        self.ended: dict[str, int] = {}  # by name: ended, still in self.phantoms
        self.phantom_depth = 0
        self.form = False  # lexbor's form element pointer is set
        self.cell_phantoms: list[int] = []

    def depth(self) -> int:
        return len(self.names) + self.phantom_depth

    def kind(self) -> int:
        return self.kinds[-1] if self.kinds else _HTML

    def in_foreign(self) -> bool:
        """True when the current node is SVG or MathML and no integration point."""
        return bool(self.kinds) and self.kinds[-1] in (_SVG, _MATH)

    def last(self, name: str) -> int:
        found = self.at.get(name)
        return found[-1] if found else -1

    def push(self, name: str, kind: int) -> None:
        index = len(self.names)
        self.names.append(name)
        self.kinds.append(kind)
        self.at.setdefault(name, []).append(index)
        marks = self.marks
        if name in _SPECIAL:
            marks["special"].append(index)
        if name in _SCOPE:
            marks["scope"].append(index)
        if name in _SPECIAL and name not in ("address", "div", "p"):
            marks["item"].append(index)
        if kind == _HTML:
            marks["html"].append(index)
            if name == "table" or name == "template":
                marks["table"].append(index)
            elif name == "ol" or name == "ul":
                marks["list"].append(index)
            elif name == "button":
                marks["button"].append(index)
            if name in _MARKERS:
                self.cell_phantoms.append(len(self.phantoms))

    def pop_to(self, length: int, *, explicit: bool = False) -> None:
        """Pop down to ``length`` open elements (``explicit``: the last by its own end tag)."""
        names, kinds, at = self.names, self.kinds, self.at
        while len(names) > length:
            name = names.pop()
            kind = kinds.pop()
            at[name].pop()
            if kind == _HTML:
                if name in _MARKERS:
                    self._drop_phantoms(self.cell_phantoms.pop())
                elif name in _FORMATTING and not (explicit and len(names) == length):
                    self._add_phantom(name)
        for kind_marks in self.marks.values():
            while kind_marks[-1] >= length:
                kind_marks.pop()

    def disown(self, index: int) -> None:
        """Keep the open element at ``index`` counted, but let no end tag match it.

        For elements lexbor has taken out of its stack (or moved) where this
        model keeps them: counted, they never make the depth too low; matched by a
        later end tag, they would pop what lexbor keeps open.
        """
        name = self.names[index]
        self.at[name].remove(index)
        self.names[index] = name + "/"
        self.at.setdefault(name + "/", []).append(index)

    def _add_phantom(self, name: str) -> None:
        self.phantoms.append(name)
        self.live[name] = self.live.get(name, 0) + 1
        self.phantom_depth += 1

    def _drop_phantoms(self, length: int) -> None:
        while len(self.phantoms) > length:
            name = self.phantoms.pop()
            if self.ended.get(name, 0) > 0:
                self.ended[name] -= 1
            else:
                self.live[name] -= 1
                self.phantom_depth -= 1

    def end_tag(self, name: str) -> None:
        """Apply ``</name>``."""
        top = self.last(name)
        if top < 0:
            if self.live.get(name, 0) > 0:  # a phantom's end: lexbor forgets it
                self.live[name] -= 1
                self.ended[name] = self.ended.get(name, 0) + 1
                self.phantom_depth -= 1
            return
        marks = self.marks
        if self.kind() != _HTML and top > marks["html"][-1]:  # SVG or MathML end tag
            self.pop_to(top, explicit=True)
            return
        if name == "form":
            # lexbor takes the form out of the stack and leaves what is open in
            # it open: popping only a form on top never counts too few.
            self.form = False
            if top == len(self.names) - 1:
                self.pop_to(top)
            return
        if name in _TABLE_ENDS:
            limit = marks["table"][-1]
            if limit < 0 or self.names[limit] != "table":
                return  # no table: lexbor ignores it
        elif name == "li":
            limit = max(marks["scope"][-1], marks["list"][-1])
        elif name == "p":
            limit = max(marks["scope"][-1], marks["button"][-1])
        elif name in _SCOPED_ENDS:
            limit = marks["scope"][-1]
        else:  # any other end tag: no special element may be above it
            limit = marks["special"][-1]
        if top >= limit:
            self.pop_to(top, explicit=True)
        elif name in _FORMATTING and top > marks["scope"][-1]:
            # The adoption agency algorithm: lexbor moves the element below the
            # special one opened in it; depth stays, and no end tag matches it.
            self.disown(top)

    def start_tag(self, name: str, attributes: str, self_closing: bool, max_depth: int) -> bool:
        """Apply ``<name ...>``; False, not applied, if it would nest deeper than ``max_depth``."""
        kind = self.kind()
        if kind == _POINT and name in ("mglyph", "malignmark") and self.names[-1] in _TEXT_POINTS:
            kind = _MATH
        elif kind == _MATH and name == "svg" and self.names[-1] == "annotation-xml":
            kind = _HTML  # HTML rules: they make an <svg>
        if kind in (_SVG, _MATH):
            if name in _BREAKOUT or (name == "font" and _font_breaks_out(attributes)):
                while self.in_foreign():
                    self.pop_to(len(self.names) - 1)
            else:
                # An element takes its parent's namespace: an <svg> in MathML is a
                # MathML element (whose <mi> is an integration point), not an SVG one.
                if _is_integration_point(kind, name, attributes):
                    kind = _POINT
                return self_closing or self._push_checked(((name, kind),), max_depth)
        if name == "svg" or name == "math":
            return self_closing or self._push_checked(
                ((name, _SVG if name == "svg" else _MATH),), max_depth)
        return self._html_start(name, attributes, max_depth)

    def _html_start(self, name: str, attributes: str, max_depth: int) -> bool:
        names, marks = self.names, self.marks
        if name in _CLOSES_SELECT and self.last("select") > marks["scope"][-1]:
            self.pop_to(self.last("select"))
            if name == "select":
                return True  # lexbor reads it as </select>
        if name in _VOID or name in _NOT_NESTED:
            if name == "col" and names and names[-1] == "table":
                return self._push_checked((("colgroup", _HTML),), max_depth)
            return True
        if name in _CLOSES_P and self.last("p") > max(marks["scope"][-1], marks["button"][-1]):
            self.pop_to(self.last("p"))
        if name in _LIST_ITEMS:  # closes the item open above any special element
            item = marks["item"][-1]
            if item >= 0 and names[item] in _LIST_ITEMS[name]:
                self.pop_to(item)
        elif name == "option" and names and names[-1] == name:
            self.pop_to(len(names) - 1)
        if name in _HEADINGS and names and names[-1] in _HEADINGS:
            self.pop_to(len(names) - 1)
        if name == "form" and self.form:
            return True  # a form in a form: lexbor ignores it
        if name == "a" or name == "nobr":  # closes the one open, as </a> would
            self.end_tag(name)
            if self.last(name) > marks["scope"][-1]:
                self.disown(self.last(name))
        implied: tuple[tuple[str, int], ...] = ()
        table = marks["table"][-1]
        if name in _TABLE_ENDS and name != "table" and (table < 0 or names[table] != "table"):
            return True  # no table: lexbor ignores it
        if table >= 0 and names[table] == "table" and name in _TABLE_ENDS and name != "table":
            cell = max(self.last("td"), self.last("th"))
            if name in _CELLS and cell > table:
                self.pop_to(cell)
            elif name == "tr" and self.last("tr") > table:
                self.pop_to(self.last("tr"))
            elif name not in _CELLS and name != "tr":
                self.pop_to(table + 1)
            top = names[-1]
            if name in _CELLS and top != "tr":
                implied = (("tr", _HTML),) if top in _SECTIONS else (
                    ("tbody", _HTML), ("tr", _HTML))
            elif name == "tr" and top not in _SECTIONS:
                implied = (("tbody", _HTML),)
        if not self._push_checked((*implied, (name, _HTML)), max_depth):
            return False
        self.form = self.form or name == "form"
        return True

    def _push_checked(self, elements: tuple[tuple[str, int], ...], max_depth: int) -> bool:
        if self.depth() + len(elements) > max_depth:
            return False
        for name, kind in elements:
            self.push(name, kind)
        return True


def _is_integration_point(kind: int, name: str, attributes: str) -> bool:
    if kind == _SVG:
        return name in ("foreignobject", "desc", "title")
    return name in _TEXT_POINTS or (name == "annotation-xml" and _annotation_is_html(attributes))


def _font_breaks_out(attributes: str) -> bool:
    return any(
        match[1].lower() in ("color", "face", "size") for match in _ATTRIBUTE.finditer(attributes)
    )


def _annotation_is_html(attributes: str) -> bool:
    for match in _ATTRIBUTE.finditer(attributes):
        if match[1].lower() == "encoding":
            value = (match[2] or "").strip("\"'").lower()
            return value in ("text/html", "application/xhtml+xml")
    return False


_RAW_TEXT_ENDS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"</{name}(?=[{_WS}/>])", re.I) for name in _RAW_TEXT
}


def _raw_text_end(html: str, name: str, start: int) -> tuple[int, int]:
    """Where the text of ``<name>`` opened before ``start`` ends: (its end, after its end tag)."""
    if name == "script":
        return _script_end(html, start)
    match = _RAW_TEXT_ENDS[name].search(html, start)
    if match is None:
        return len(html), len(html)
    close = _TOKEN.match(html, match.start())
    return match.start(), close.end() if close else match.end()


def _script_end(html: str, start: int) -> tuple[int, int]:
    """The end of a script's text, following the tokenizer's escaped states (``<!--<script>``)."""
    escaped = double = False
    position = start
    while True:
        match = _SCRIPT_STEP.search(html, position)
        if match is None or not match[0]:
            return len(html), len(html)
        token = match[0]
        position = match.end()
        if token == "<!--":
            escaped = escaped or not double
            position = match.start() + 2  # "<!-->" opens and closes
        elif token == "-->":
            escaped = double = False
        elif match[1]:  # </script
            if not double:
                close = _TOKEN.match(html, match.start())
                return match.start(), close.end() if close else match.end()
            double = False
        elif escaped:  # <script after "<!--"
            double = True


def cap_nesting(html: str, *, max_depth: int = MAX_NESTING) -> str:
    """``html`` without the start tags that nest deeper than ``max_depth``, nor their end tags.

    Pure and linear in the page. Text is kept in order (the text of a
    ``<textarea>`` or ``<title>`` left out is kept as text; a ``<script>`` or
    ``<style>`` left out goes with its content). A page that never nests deeper
    than ``max_depth`` is returned as is, the same object; so is one with no
    more than ``UNREAD_TAGS`` (or ``max_depth``) "<" in it, unread: lexbor
    cannot nest that deep enough to take long over it.
    """
    if html.count("<") <= max(max_depth, UNREAD_TAGS):
        return html
    model = _Model()
    kept: list[str] = []
    written = 0  # html[:written] is settled: copied to kept, or left out
    dropped: dict[str, int] = {}
    position = 0
    length = len(html)
    search = _TOKEN.search
    while position < length:
        match = search(html, position)
        if match is None:
            break
        position = match.end()
        name = match[2]
        if name is None:  # comment, doctype, bogus comment; CDATA in SVG or MathML
            if model.kind() != _HTML and match[0].startswith("<![CDATA["):
                position = _CDATA_END.search(html, match.start()).end()  # type: ignore[union-attr]
            continue
        name = name.lower()
        if name == "frameset":  # never one: lexbor would read the rest in its frameset mode
            kept.append(html[written:match.start()])
            written = position
            continue
        if match[1]:  # end tag
            if dropped.get(name, 0) > 0:
                dropped[name] -= 1
                kept.append(html[written:match.start()])
                written = position
            else:
                model.end_tag(name)
            continue
        if not match[5]:  # no ">" before the end: lexbor drops the tag
            break
        attributes = match[3]
        self_closing = attributes.endswith("/") and match.end("sep") == match.end(3)
        raw = (name in _RAW_TEXT or name == "script") and model.kind() not in (_SVG, _MATH)
        if model.start_tag(name, attributes, self_closing, max_depth):
            if model.kind() == _HTML and model.names and model.names[-1] == name:
                if name == "plaintext":
                    break  # the rest is text to lexbor
                if name in _RAW_TEXT or name == "script":
                    position = _raw_text_end(html, name, position)[1]
                    model.pop_to(len(model.names) - 1)  # by its end tag
            continue
        kept.append(html[written:match.start()])
        written = position
        if name == "plaintext":  # its text, as text
            kept.append(html[position:].replace("<", "&lt;"))
            written = position = length
        elif raw:
            text_end, position = _raw_text_end(html, name, position)
            if name in ("textarea", "title"):
                kept.append(html[written:text_end].replace("<", "&lt;"))
            written = position
        else:
            dropped[name] = dropped.get(name, 0) + 1
    if not kept:
        return html
    kept.append(html[written:])
    return "".join(kept)
