"""Shared machinery of the per-language extraction tables (tests/test_extract_<lang>.py).

A case is one sentence and the results a careful curator would extract from it, written as `R(...)`
in the order the numbers appear. The extractor's drafts are projected onto the same fields, so a
case fails on any difference: a missing or extra result, a wrong endpoint, value, unit, time point,
±, CI, count/denominator, p-value, grade or comparison pairing. Arm labels and AE event names are
free text and are not compared here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.extract.sentences import Draft, extract_sentence
from ingest.normalize import normalize
from ingest.pipeline import PaperExtraction, extract_paper

PAPERS = Path(__file__).resolve().parents[1] / "data" / "papers"


@dataclass(frozen=True)
class R:
    """One expected result. `value=None` with a time unit is a median 'not reached'.

    unit: "%" (a rate), "months" / "years" / "days" (a median time), "ratio" (a hazard ratio).
    p: the p-value as written with its operator, e.g. "<0.001", "=0.017".
    cmp: results sharing a letter are one comparison; letters are named in order of appearance.
    count / n: a count stated with the rate ("7 (38,9%)") and a denominator written with it
    ("27 из 30", "110 hastadan 69'u"); a group size stated elsewhere ("(n = 21)") is the
    assembler's business, not the sentence's.
    """

    endpoint: str
    value: float | None
    unit: str = "%"
    t: float | None = None
    pm: float | None = None
    ci: tuple[float | None, float | None] | None = None
    count: int | None = None
    n: int | None = None
    p: str | None = None
    cmp: str | None = None
    grade: str | None = None


def _p_text(operator: str, value: float) -> str:
    return f"{operator}{value:g}"


def _normal_p(p: str | None) -> str | None:
    if p is None:
        return None
    for op in ("<=", ">=", "<", ">", "="):
        if p.startswith(op):
            return _p_text(op, float(p[len(op) :]))
    raise ValueError(f"p-value {p!r} must start with one of <=, >=, <, >, =")


def _unit(d: Draft) -> str:
    kind = d.value.kind
    if kind == "rate":
        return "%"
    if kind == "ratio":
        return "ratio"
    if kind in ("time", "not_reached"):
        return d.value.unit
    raise ValueError(f"unexpected value kind {kind!r}")


def project(drafts: list[Draft]) -> list[R]:
    """The drafts as `R`s, comparison groups renamed a, b, c... in order of appearance."""
    letters: dict[int, str] = {}
    out = []
    for d in drafts:
        v = d.value
        cmp = None
        if d.group is not None:
            cmp = letters.setdefault(d.group, "abcdefghij"[len(letters)])
        ci = None if v.ci_low is None and v.ci_high is None else (v.ci_low, v.ci_high)
        out.append(
            R(
                endpoint=d.endpoint,
                value=v.value,
                unit=_unit(d),
                t=None if d.time_months is None else round(d.time_months, 1),
                pm=v.pm,
                ci=ci,
                count=v.count,
                n=v.n,
                p=None if d.p_value is None else _p_text(d.p_value.operator, d.p_value.value),
                cmp=cmp,
                grade=d.grade,
            )
        )
    return out


def expected(results: tuple[R, ...]) -> list[R]:
    return [
        R(
            endpoint=r.endpoint,
            value=None if r.value is None else float(r.value),
            unit=r.unit,
            t=None if r.t is None else round(float(r.t), 1),
            pm=None if r.pm is None else float(r.pm),
            ci=None if r.ci is None else tuple(None if c is None else float(c) for c in r.ci),
            count=r.count,
            n=r.n,
            p=_normal_p(r.p),
            cmp=r.cmp,
            grade=r.grade,
        )
        for r in results
    ]


def extract(sentence: str, cjk: bool) -> list[R]:
    """What the extractor makes of one sentence, normalized as the pipeline does."""
    return project(extract_sentence(normalize(sentence, cjk=cjk).text))


def assert_extracts(sentence: str, results: tuple[R, ...], cjk: bool = False) -> None:
    got = extract(sentence, cjk)
    want = expected(results)
    assert got == want, "\n".join(
        ["", f"sentence: {sentence}", "expected:", *map(repr, want), "got:", *map(repr, got)]
    )


@functools.cache
def corpus_paper(stem_prefix: str) -> PaperExtraction:
    """One corpus paper, extracted once per session."""
    return extract_paper(paper_path(stem_prefix))


def paper_path(stem_prefix: str) -> Path:
    matches = sorted(PAPERS.glob(f"{stem_prefix}_*.txt"))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one paper {stem_prefix}_*.txt in {PAPERS}, found {matches}")
    return matches[0]


def assert_spans_exact(extraction: PaperExtraction) -> None:
    """Evidence and every mention quote the paper's text exactly at their offsets."""
    source = extraction.document.text
    for record in extraction.records:
        spans = [record.evidence, *record.mentions]
        for span in spans:
            assert span.char_end > span.char_start, f"{record.id}: empty span {span}"
            assert span.text == source[span.char_start : span.char_end], (
                f"{record.id}: {span.text!r} != source[{span.char_start}:{span.char_end}]"
            )


def assert_ids_unique(extraction: PaperExtraction) -> None:
    ids = [r.id for r in extraction.records]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicates, f"duplicate record ids: {duplicates}"


def assert_deterministic(stem_prefix: str) -> None:
    """A fresh extraction gives the same records, with the same ids, as the first one."""
    first = corpus_paper(stem_prefix)
    again = extract_paper(paper_path(stem_prefix))
    assert [r.id for r in again.records] == [r.id for r in first.records]
    assert [r.model_dump() for r in again.records] == [r.model_dump() for r in first.records]


def gap(reason: str) -> pytest.MarkDecorator:
    """A known extraction gap, documented by a case that must keep failing until it is fixed."""
    return pytest.mark.xfail(reason=reason, strict=True)
