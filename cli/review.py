"""`kb review`: accept, reject or correct an outcome record from the command line (kb/evidence/reviews.py).

Registered on the `kb` group by cli/main.py; what POST /outcomes/{id}/reviews does, with the same
checks and errors.
"""

from __future__ import annotations

import json
from typing import Any

import click
from pydantic import ValidationError

from kb.errors import KBError
from kb.evidence.reviews import VERDICTS, ReviewRefused, ReviewRequest
from kb.service import KnowledgeBase
from kb.settings import Settings


def _changes(assignments: tuple[str, ...]) -> dict[str, Any]:
    """`field=value` pairs; a value is read as JSON when it is JSON (81.2, null, ["CD38"]), else as text."""
    changes: dict[str, Any] = {}
    for assignment in assignments:
        name, sep, text = assignment.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(
                f"{assignment!r}: write field=value, e.g. value=81.2", param_hint="--set"
            )
        try:
            changes[name.strip()] = json.loads(text)
        except json.JSONDecodeError:
            changes[name.strip()] = text
    return changes


@click.command("review")
@click.argument("record_id")
@click.option("--verdict", type=click.Choice(VERDICTS), required=True)
@click.option("--reviewer", required=True, help="Who reviews (kept with the review).")
@click.option("--note", default=None, help="Why, in a sentence.")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="A corrected field (with --verdict corrected), e.g. --set value=81.2 --set arm=InO.",
)
def review_command(
    record_id: str, verdict: str, reviewer: str, note: str | None, assignments: tuple[str, ...]
) -> None:
    """Keep a review of the record RECORD_ID and print the record as it now reads (JSON)."""
    try:
        kb = KnowledgeBase(Settings())
    except ValueError as exc:
        raise click.ClickException(f"invalid KB_* setting: {' '.join(str(exc).split())}") from exc
    try:
        request = ReviewRequest(verdict=verdict, changes=_changes(assignments), reviewer=reviewer, note=note)
        review = kb.review_outcome(record_id, request)
        if review is None:
            raise click.ClickException(f"no outcome record {record_id!r} (kb export outcomes lists them)")
        record = kb.outcome(record_id)
    except ValidationError as exc:
        error = exc.errors()[0]
        raise click.ClickException(f"{'.'.join(map(str, error['loc']))}: {error['msg']}") from exc
    except ReviewRefused as exc:
        raise click.ClickException(f"review refused: {exc}") from exc
    except KBError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        kb.close()
    click.echo(json.dumps(record.model_dump(mode="json") if record else None, ensure_ascii=False, indent=2))
    click.echo(f"review {review.id}: {review.verdict} by {review.reviewer}", err=True)
