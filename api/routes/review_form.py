"""POST /outcomes/{id}/review-form: the web page's review form, which works without JavaScript.

A browser form cannot send an Authorization header, so the API key comes as a form field (in the
body, never in the URL, where the access log would show it). The fields a reviewer edited, compared
with the record as shown, become the review's changes; the rest is what POST /outcomes/{id}/reviews
does. Success answers 303 to the paper page with the record marked; a refusal answers a short page
that says why, with the status the JSON API would give.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import KnowledgeBaseDep
from api.routes.jobs import JobRunnerDep
from api.routes.reviews import RecordId
from api.security import RequestRefused, check_api_key
from api.templating import TEMPLATES
from kb.errors import StoreBusy
from kb.evidence.reviews import ReviewRefused, ReviewRequest
from kb.model.records import OutcomeRecord

router = APIRouter(tags=["reviews"], include_in_schema=False)

# The fields the form shows, with how a typed value is read: what a reviewer most often corrects.
FORM_FIELDS: dict[str, type] = {
    "arm": str,
    "endpoint": str,
    "time_months": float,
    "value": float,
    "unit": str,
    "n": int,
    "ci_low": float,
    "ci_high": float,
    "p_value": float,
}


def shown(value: Any) -> str:
    """A record value as the form shows it (and as a submitted unchanged value comes back)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def form_changes(record: OutcomeRecord, form: dict[str, str]) -> dict[str, Any]:
    """The fields whose submitted text differs from the record's, read as their type ("" is none);
    ReviewRefused naming a field whose text is not of its type."""
    changes: dict[str, Any] = {}
    for name, kind in FORM_FIELDS.items():
        if name not in form:
            continue
        text = " ".join(form[name].split())
        if text == shown(getattr(record, name)):
            continue
        if not text:
            changes[name] = None
            continue
        try:
            changes[name] = kind(text.replace(",", ".")) if kind is not str else text
        except ValueError as exc:
            raise ReviewRefused(name, f"{text!r} is not a {'whole ' if kind is int else ''}number") from exc
    return changes


def _page(request: Request, status: int, title: str, message: str, back: str | None) -> Response:
    context = {"title": title, "message": message, "back": back}
    return TEMPLATES.TemplateResponse(request, "message.html", context, status_code=status)


@router.post("/outcomes/{record_id}/review-form", response_class=HTMLResponse)
async def review_form(
    request: Request, kb: KnowledgeBaseDep, runner: JobRunnerDep, record_id: RecordId
) -> Response:
    form = {key: value for key, value in (await request.form()).items() if isinstance(value, str)}
    record = kb.outcome(record_id)
    if record is None:
        return _page(request, 404, "No such record", f"There is no outcome record {record_id!r}.", None)
    back = f"/papers/{quote(record.paper.id, safe='')}?format=html&highlight={quote(record.id, safe='')}"
    try:
        check_api_key(kb.settings, [form.get("api_key", "")])
        changes = form_changes(record, form)
        fields = ("verdict", "reviewer", "note")
        request_body = ReviewRequest.model_validate(
            {"changes": changes, **{name: form[name] for name in fields if form.get(name)}}
        )
        with runner.writing():
            review = kb.review_outcome(record_id, request_body)
    except RequestRefused as exc:
        return _page(request, exc.status, "Review not saved", exc.message, back)
    except ReviewRefused as exc:
        return _page(request, 422, "Review not saved", str(exc), back)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        return _page(request, 422, "Review not saved", f"{where}: {error['msg']}", back)
    except StoreBusy as exc:
        return _page(request, 503, "Review not saved", str(exc), back)
    if review is None:
        return _page(request, 404, "No such record", f"There is no outcome record {record_id!r}.", None)
    return RedirectResponse(f"{back}#r-{quote(record.id, safe='')}", status_code=303)
