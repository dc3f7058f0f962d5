"""SPARQL 1.1 protocol rules that need no store: what a query is, what it may do, which format answers it.

- `screen_query` refuses updates, LOAD, SERVICE and too deep nesting before any worker sees the
  query. It reads the query's tokens with strings, IRIs and comments blanked out, so a literal
  "SERVICE" or a variable ?service never trips it, and the query form (SELECT, ASK, CONSTRUCT,
  DESCRIBE) and any FROM clause are known before evaluation.
- `negotiate` picks the media type of the answer from the `format` parameter, else from Accept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kb.sparql.errors import NotAcceptable, OperationRefused, ProtocolError, QueryTooComplex

Form = Literal["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"]
Kind = Literal["solutions", "boolean", "graph"]

_UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
_FORMS: tuple[Form, ...] = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

# Strings (long ones first), IRIs and comments: the parts of a query whose text is not keywords.
_OPAQUE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r'|<[^<>"{}|^`\\\x00-\x20]*>'
    r"|#[^\n\r]*",
    re.DOTALL,
)
# A keyword is a bare word: not a variable (?x, $x), not part of a prefixed name (ex:service).
_WORD = re.compile(r"(?<![\w?$:\-.])([A-Za-z]+)(?![\w:\-])")


# Deepest nesting of { ( [ a query may have. pyoxigraph parses and plans recursively: a few
# thousand nested groups overflow a worker's stack, a thousand take seconds to plan; real queries
# nest less than ten deep.
MAX_NESTING = 100


def _keywords(query: str) -> list[str]:
    return [m.group(1).upper() for m in _WORD.finditer(_OPAQUE.sub(" ", query))]


def _nesting(query: str) -> int:
    deepest = depth = 0
    for char in _OPAQUE.sub(" ", query):
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]":
            depth -= 1
    return deepest


@dataclass(frozen=True)
class Screened:
    """A query that may run: its form, and whether it names its own dataset (FROM / FROM NAMED)."""

    text: str
    form: Form
    has_from: bool

    @property
    def kind(self) -> Kind:
        return {"SELECT": "solutions", "ASK": "boolean"}.get(self.form, "graph")  # type: ignore[return-value]


def screen_query(query: str) -> Screened:
    """The query's form, or OperationRefused / ProtocolError saying what is not accepted and why."""
    if not query.strip():
        raise ProtocolError("the query is empty")
    words = _keywords(query)
    for word in words:
        if word == "SERVICE":
            raise OperationRefused(
                "SERVICE is refused: this endpoint answers from its own store and never calls other endpoints"
            )
    depth = _nesting(query)
    if depth > MAX_NESTING:
        raise QueryTooComplex(
            f"the query nests groups or expressions {depth} deep; at most {MAX_NESTING} are accepted"
        )
    # The first keyword after the prologue (BASE / PREFIX declarations) says what the request is.
    for word in words:
        if word in ("BASE", "PREFIX"):
            continue
        if word in _FORMS:
            return Screened(text=query, form=word, has_from="FROM" in words)  # type: ignore[arg-type]
        if word in _UPDATE_KEYWORDS:
            raise OperationRefused(
                f"SPARQL Update ({word}) is refused: this endpoint is read-only;"
                " the knowledge base changes only through `kb ingest` and `kb import`"
            )
        break
    # Not a query form: let the parser say what is wrong, with its position.
    return Screened(text=query, form="SELECT", has_from="FROM" in words)


# ------------------------------------------------------------------------------------------ formats


@dataclass(frozen=True)
class Format:
    name: str  # the `format` parameter value
    media_type: str  # what Content-Type says
    kinds: tuple[Kind, ...]  # which results it can carry
    aliases: tuple[str, ...] = ()  # other media types that ask for it


FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", ("solutions", "boolean"), ("application/json",)),
    Format(
        "xml", "application/sparql-results+xml", ("solutions", "boolean"), ("application/xml", "text/xml")
    ),
    Format("csv", "text/csv", ("solutions",)),
    Format("tsv", "text/tab-separated-values", ("solutions",)),
    Format("turtle", "text/turtle", ("graph",), ("application/x-turtle",)),
    # For a graph, `format=json` means JSON-LD and `format=xml` RDF/XML (as SPARQLWrapper asks).
    Format("jsonld", "application/ld+json", ("graph",), ("json",)),
    Format("ntriples", "application/n-triples", ("graph",), ("text/plain",)),
    Format("rdfxml", "application/rdf+xml", ("graph",), ("application/xml", "text/xml", "xml")),
)
DEFAULT_FORMAT: dict[Kind, str] = {"solutions": "json", "boolean": "json", "graph": "turtle"}
_BY_NAME = {f.name: f for f in FORMATS}


def format_named(name: str) -> Format:
    return _BY_NAME[name]


def parse_accept(header: str | None) -> list[tuple[str, float]]:
    """(media range, q) from an Accept header, best first; [] when there is none."""
    ranges: list[tuple[str, float, int]] = []
    for position, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranges.append((media, q, position))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(media, q) for media, q, _ in ranges if q > 0]


def _matches(media_range: str, fmt: Format) -> bool:
    if media_range == "*/*":
        return True
    if media_range.endswith("/*"):
        return fmt.media_type.startswith(media_range[:-1])
    return media_range == fmt.media_type or media_range in fmt.aliases


def negotiate(kind: Kind, format_param: str | None, accept: str | None) -> Format:
    """The format of the answer: `format` wins (name or media type), then Accept, then the default."""
    candidates = [f for f in FORMATS if kind in f.kinds]
    if format_param is not None:
        wanted = format_param.strip().lower()
        for fmt in candidates:
            if wanted in (fmt.name, fmt.media_type, *fmt.aliases):
                return fmt
        known = [f.name for f in FORMATS]
        if wanted in known or any(wanted in (f.media_type, *f.aliases) for f in FORMATS):
            names = ", ".join(f.name for f in candidates)
            raise NotAcceptable(f"format {format_param!r} cannot carry {kind} results; use one of: {names}")
        raise ProtocolError(f"unknown format {format_param!r}; known: {', '.join(known)}")
    ranges = parse_accept(accept)
    if not ranges:
        return format_named(DEFAULT_FORMAT[kind])
    for media_range, _ in ranges:
        if media_range in ("*/*", "application/*", "text/*") or media_range.endswith("/*"):
            # A wildcard gets the default of this kind when the default fits the range.
            default = format_named(DEFAULT_FORMAT[kind])
            if _matches(media_range, default):
                return default
        for fmt in candidates:
            if _matches(media_range, fmt):
                return fmt
    offered = ", ".join(f.media_type for f in candidates)
    raise NotAcceptable(f"none of the accepted types ({accept}) can carry {kind} results; offered: {offered}")


def accepts_json(accept: str | None) -> bool:
    """Whether an error may be sent as the JSON envelope (else it is sent as text/plain)."""
    ranges = parse_accept(accept)
    if not ranges:
        return True
    return any(media in ("*/*", "application/*", "application/json") for media, _ in ranges)
