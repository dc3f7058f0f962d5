"""The web page at /: search with filters, results with their source sentences, downloads, a plot.

Server-rendered with Jinja2 (api/templates), no JavaScript: every control is a link or a GET form,
so the page works with scripts off and every view has a URL. The paper page (GET
/papers/{id}?format=html) shows the paper's full text with every evidence sentence marked.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape

from api.deps import KnowledgeBaseDep
from api.routes.common import MAX_OFFSET, filter_query
from api.routes.review_form import FORM_FIELDS, shown
from api.templating import TEMPLATES
from kb.errors import KBError, QueryRefused
from kb.evidence import concepts
from kb.evidence.compare import number, p_text, value_text
from kb.evidence.queries import BROWSING_SORT, SORT_KEYS, OutcomeFilters
from kb.exports.render import COMPARE_FORMATS, FORMATS
from kb.model.endpoints import ENDPOINTS
from kb.model.records import OutcomeRecord
from kb.search.gloss import reading_gloss

PAGE_SIZE = 50
SEMANTIC_HITS = 10  # search hits shown when the filters read from a question find nothing
router = APIRouter(tags=["web"], include_in_schema=False)

# The select filters of the form: (parameter, label shown, facet whose counts list the options).
SELECTS = (
    ("antigen", "Antigen", "antigen"),
    ("drug_class", "Drug class", "drug_class"),
    ("intervention", "Intervention", "intervention"),
    ("disease", "Disease (with subtypes)", "disease"),
    ("line", "Line of therapy", "line"),
    ("population", "Population", "population"),
    ("endpoint", "Endpoint", "endpoint"),
    ("language", "Language of the paper", "language"),
)
_LANGUAGES = {"en": "English", "ru": "Russian", "tr": "Turkish", "zh": "Chinese", "ja": "Japanese"}
# How a typed search is read, most specific first.
# (a drug class before an intervention of the same name: "CAR-T" means every CAR-T product).
_Q_KINDS = ("antigen", "drug_class", "intervention", "disease", "endpoint", "line", "population")


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    count: int


def _form_filters(params: dict[str, str]) -> OutcomeFilters:
    """Filters from a submitted form: empty fields mean "any"; a bad min_n or min_confidence is
    refused."""
    values: dict[str, Any] = {}
    for name in OutcomeFilters.names():
        raw = params.get(name, "").strip()
        if not raw:
            continue
        if name == "min_n":
            if not raw.isdigit():
                raise QueryRefused(f"min_n must be a whole number, got {raw!r}")
            values[name] = int(raw)
        elif name == "min_confidence":
            try:
                values[name] = float(raw)
            except ValueError:
                raise QueryRefused(f"min_confidence must be a number from 0 to 1, got {raw!r}") from None
        else:
            values[name] = raw
    return OutcomeFilters(**values)


def interpret(q: str, filters: OutcomeFilters) -> tuple[OutcomeFilters, str]:
    """A typed search as filters: the whole text as one concept in any language (the best lookup
    hit, when it is unambiguous: "блина" is blinatumomab); else its words as concepts, longest
    phrases first ("CD22 CR", "блинатумомаб OS"), the words left over searched in the sentences."""
    hits = concepts.lookup(q, _Q_KINDS, limit=10)
    best = sorted(
        [h for h in hits if h.rank == hits[0].rank] if hits else [],
        key=lambda h: _Q_KINDS.index(h.concept.kind),
    )
    kinds = [h.concept.kind for h in best]
    if best and best[0].rank <= 2 and len(kinds) == len(set(kinds)):  # at most one concept of each kind
        hit = best[0]
        kind = hit.concept.kind
        current = getattr(filters, kind)
        if current is not None and current.lower() == hit.concept.id.lower():
            return filters, f"“{q}” read as {kind.replace('_', ' ')}: {hit.concept.label}"
        if current is None:
            value = hit.concept.id
            note = f"“{q}” read as {kind.replace('_', ' ')}: {hit.concept.label} (matched “{hit.matched}”)"
            return OutcomeFilters(**{**filters.given(), kind: value}), note
    found, rest = _phrases(q.split(), filters)
    if found:
        given = {**filters.given(), **{kind: ident for kind, (ident, _) in found.items()}}
        if rest:
            given["text"] = " ".join(rest)
        read = ", ".join(f"{kind.replace('_', ' ')}: {label}" for kind, (_, label) in found.items())
        words = f"; “{' '.join(rest)}” searched in the source sentences" if rest else ""
        return OutcomeFilters(**given), f"“{q}” read as {read}{words}"
    note = f"“{q}” searched in the source sentences"
    return OutcomeFilters(**{**filters.given(), "text": q}), note


def _phrases(words: list[str], filters: OutcomeFilters) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Concepts named by runs of words (each kind once, never over a filter already set) and the
    words that name none."""
    found: dict[str, tuple[str, str]] = {}
    rest: list[str] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            phrase = " ".join(words[start:end])
            match = next(
                (
                    (kind, ids[0])
                    for kind in _Q_KINDS
                    if kind not in found
                    and getattr(filters, kind) is None
                    and len(ids := concepts.resolve(kind, phrase)) == 1
                ),
                None,
            )
            if match is not None:
                kind, ident = match
                entry = concepts.entry(kind, ident)
                found[kind] = (ident, entry.label if entry else ident)
                start = end
                break
        else:
            rest.append(words[start])
            start += 1
    return found, rest


_DIGITS = str.maketrans("０１２３４５６７８９．，", "0123456789.,")


def highlighted_evidence(record: OutcomeRecord) -> Markup:
    """The source sentence with the reported value marked (first occurrence; none if not found)."""
    text = record.evidence.text
    if record.value is None:
        return escape(text)
    written = number(record.value)
    whole, _, fraction = written.partition(".")
    if fraction:
        pattern = rf"(?<![\d.,]){re.escape(whole)}[.,·] ?{re.escape(fraction)}0*(?!\d)"  # "44. 5" in PDFs
    else:
        pattern = rf"(?<![\d.,]){re.escape(whole)}(?:[.,]0+)?(?![\d]|[.,]\d)"
    match = re.search(pattern, text.translate(_DIGITS))
    if match is None:
        return escape(text)
    start, end = match.span()
    return (
        escape(text[:start])
        + Markup("<mark>")
        + escape(text[start:end])
        + Markup("</mark>")
        + escape(text[end:])
    )


def _options(kind: str, counts: dict[str, int], selected: str | None) -> list[Option]:
    options = []
    for value, count in counts.items():
        if kind == "language":
            label = f"{_LANGUAGES.get(value, value)} ({value})"
        elif kind in ("line", "population"):
            label = value
        elif kind == "endpoint":
            label = f"{value} — {ENDPOINTS.get(value, value)}"
        else:
            entry = concepts.entry(kind, value)
            label = entry.label if entry else value
        options.append(Option(value, label, count))
    options.sort(key=lambda o: (-o.count, o.label.casefold()))
    if selected and not any(o.value.lower() == selected.lower() for o in options):
        options.insert(0, Option(selected, selected, 0))
    return options


def _plot_endpoint(
    filters: OutcomeFilters, endpoint_counts: dict[str, int], wanted: str | None
) -> str | None:
    if filters.endpoint:
        return filters.endpoint.upper()
    if wanted and wanted.upper() in endpoint_counts:
        return wanted.upper()
    if not endpoint_counts:
        return None
    return max(endpoint_counts, key=lambda code: (endpoint_counts[code], -list(ENDPOINTS).index(code)))


def _semantic_fallback(kb: Any, q: str) -> list[dict[str, Any]]:
    """The /search hits of a question whose filters found nothing: a plain question ("CAR-T after
    allo-HSCT relapse") never gets 0 results while the search has answers."""
    try:
        hits = kb.search(q, SEMANTIC_HITS).results
    except (QueryRefused, KBError):  # no search index yet, or a query the search refuses
        return []
    return [
        {
            "kind": hit.kind,
            "paper": hit.paper,
            "text": hit.text,
            "result": value_text(hit.record) if hit.record is not None else None,
            "endpoint": hit.record.endpoint if hit.record is not None else None,
        }
        for hit in hits
    ]


@router.get("/", response_class=HTMLResponse)
def index(request: Request, kb: KnowledgeBaseDep) -> HTMLResponse:
    params = dict(request.query_params)
    notes: list[str] = []
    error: str | None = None
    total, records = 0, []
    filters = OutcomeFilters()
    q = params.get("q", "").strip()
    sort = params.get("sort", "").strip() or None
    try:
        offset = min(max(int(params.get("offset", "0") or 0), 0), MAX_OFFSET)
    except ValueError:
        offset = 0
    facets_all: dict[str, dict[str, int]] = {}
    facets_now: dict[str, dict[str, int]] = {}
    status = 200
    try:
        filters = _form_filters(params)
        if q:
            filters, note = interpret(q, filters)
            notes.append(note)
        total, records = kb.find_outcomes(filters, offset=offset, limit=PAGE_SIZE, sort=sort or BROWSING_SORT)
        facets_now = kb.facets(filters, ("endpoint",))
    except QueryRefused as exc:
        error, status = str(exc), 400
    semantic = _semantic_fallback(kb, q) if q and not total and error is None else []
    if semantic:
        notes.append(
            f"No result matched the filters read from “{q}”: below, the passages and results closest"
            " to it in meaning (the search of /search), in any language."
        )
    try:
        facets_all = kb.facets(OutcomeFilters())
    except QueryRefused:
        facets_all = {}
    endpoint_counts = facets_now.get("endpoint", {})
    plot_endpoint = _plot_endpoint(filters, endpoint_counts, params.get("plot_endpoint"))
    base = {k: v for k, v in filters.given().items()}
    plot_query = filter_query(OutcomeFilters(**{**base, "endpoint": plot_endpoint})) if plot_endpoint else ""
    compare_query = filter_query(filters)
    selects = [
        (name, label, _options(facet, facets_all.get(facet, {}), getattr(filters, name)))
        for name, label, facet in SELECTS
    ]
    pages = {
        "previous": filter_query(filters, sort=sort, offset=max(offset - PAGE_SIZE, 0))
        if offset > 0
        else None,
        "next": filter_query(filters, sort=sort, offset=offset + PAGE_SIZE)
        if offset + PAGE_SIZE < total
        else None,
    }
    rows = [
        {
            "record": r,
            "result": value_text(r),
            "p": p_text(r),
            "evidence": highlighted_evidence(r),
            # a reading aid for a sentence in another language, marked as a gloss (kb.search.gloss)
            "gloss": reading_gloss(r.evidence.text) if r.paper.language not in (None, "en") else None,
            "time": None if r.time_months is None else number(r.time_months),
        }
        for r in records
    ]
    context = {
        "q": q,
        "filters": filters,
        "given": filters.given(),
        "params": params,
        "selects": selects,
        "sort": sort or "",
        "sort_keys": list(SORT_KEYS),
        "notes": notes,
        "error": error,
        "total": total,
        "offset": offset,
        "rows": rows,
        "semantic": semantic,
        # each filter in force (typed or read from the question), with the link that drops it
        "chips": [
            (
                name,
                value,
                filter_query(OutcomeFilters(**{k: v for k, v in filters.given().items() if k != name})),
            )
            for name, value in filters.given().items()
        ],
        "pages": pages,
        "compare_query": compare_query,
        "downloads": [(FORMATS[name], name) for name in COMPARE_FORMATS],
        "plot_endpoint": plot_endpoint,
        "plot_query": plot_query,
        "plot_choices": sorted(endpoint_counts, key=list(ENDPOINTS).index),
        "endpoint_names": ENDPOINTS,
        "papers": kb.papers(),
        "languages": _LANGUAGES,
    }
    return TEMPLATES.TemplateResponse(request, "index.html", context, status_code=status)


# ------------------------------------------------------------------------------ the paper page


def marked_text(text: str, records: list[OutcomeRecord], focus: str | None) -> Markup:
    """The paper's text with evidence sentences marked (the focused record's distinctly) and an
    anchor `r-<record id>` where each record's evidence starts."""
    spans: list[tuple[int, int, str, str]] = []
    for record in records:
        spans.append((record.evidence.char_start, record.evidence.char_end, record.id, "evidence"))
        for mention in record.mentions:
            if (mention.char_start, mention.char_end) != (
                record.evidence.char_start,
                record.evidence.char_end,
            ):
                spans.append((mention.char_start, mention.char_end, record.id, "mention"))
    cuts = sorted({0, len(text), *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    anchors: dict[int, list[str]] = {}
    for record in records:
        anchors.setdefault(record.evidence.char_start, []).append(record.id)
    parts: list[Markup] = []
    for start, end in itertools.pairwise(cuts):
        if start >= len(text):
            break
        for record_id in anchors.get(start, []):
            parts.append(Markup('<span class="anchor" id="r-{}"></span>').format(record_id))
        covering = [(rid, kind) for s, e, rid, kind in spans if s <= start and end <= e]
        piece = escape(text[start:end])
        if covering:
            classes = ["ev" if any(k == "evidence" for _, k in covering) else "mention"]
            if focus and any(rid == focus for rid, _ in covering):
                classes.append("focus")
            title = f"{len({rid for rid, _ in covering})} result(s)"
            parts.append(
                Markup('<mark class="{}" title="{}">{}</mark>').format(" ".join(classes), title, piece)
            )
        else:
            parts.append(piece)
    return Markup("").join(parts)


def paper_page(
    request: Request,
    paper: Any,
    studies: list[Any],
    records: list[OutcomeRecord],
    text: str | None,
    focus: str | None,
) -> HTMLResponse:
    rows = [{"record": r, "result": value_text(r), "p": p_text(r)} for r in records]
    focused = next((row for row in rows if row["record"].id == focus), None)
    context = {
        "paper": paper,
        "studies": studies,
        "rows": rows,
        "focused": focused,
        "review_fields": []
        if focused is None
        else [(name, shown(getattr(focused["record"], name))) for name in FORM_FIELDS],
        "text": None if text is None else marked_text(text, records, focus),
        "focus": focus,
        "languages": _LANGUAGES,
    }
    return TEMPLATES.TemplateResponse(request, "paper.html", context)
