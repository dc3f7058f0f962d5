"""Features of a (number, endpoint mention) pair of one sentence, for the endpoint linker.

Plain functions returning dicts, as sklearn-crfsuite's feature functions are. They describe how a
number and an endpoint mention sit in the sentence (side, distance, what stands between, the
clause) rather than which words they are, so that what the model learns on one endpoint, language
or paper carries over to the others. Words enter only as the few tokens between the two and next
to the number, lower-cased, so that "was", "为", "は", "de", "von" can be weighed as connectives.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ingest.extract.lexicon import Mention
from ingest.extract.values import Value
from kb.vocab import cue

_TOKEN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+|[^\W\d_]+", re.UNICODE)


@dataclass
class SentenceView:
    """What the linker sees of a sentence: its numbers, its endpoint mentions, its clause breaks,
    and the endpoint the deterministic grammar (respectively lists, clause subjects) proposes."""

    text: str
    values: list[Value]
    mentions: list[Mention]
    breaks: list[int]
    proposed: dict[int, Mention | None]
    language: str = "en"


def _bucket(chars: int) -> str:
    return str(min(7, int(math.log2(chars + 1))))


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]+")


def _tokens(text: str, limit: int) -> list[str]:
    """Words; in CJK text, where words are not spaced, character bigrams (single characters for
    a run of one)."""
    out: list[str] = []
    for t in _TOKEN.findall(text):
        if _CJK_RUN.fullmatch(t) and len(t) > 1:
            out += [t[k : k + 2] for k in range(len(t) - 1)]
        else:
            out.append(t.lower())
    return out[:limit]


def position_features(view: SentenceView, i: int, m: Mention) -> dict[str, float]:
    """Side, distance, and what separates the number from the mention."""
    v = view.values[i]
    before = m.end <= v.start
    side = "L" if before else "R"
    lo, hi = (m.end, v.start) if before else (v.end, m.start)
    lo, hi = min(lo, hi), max(lo, hi)
    values_between = sum(1 for w in view.values if lo <= w.start and w.end <= hi)
    mentions_between = sum(1 for o in view.mentions if o is not m and lo <= o.start and o.end <= hi)
    clause_break = any(lo <= b < hi for b in view.breaks)
    same_side = [o for o in view.mentions if (o.end <= v.start) == before]
    rank = sorted(same_side, key=lambda o: abs((v.start - o.end) if before else (o.start - v.end))).index(m)
    gap = view.text[lo:hi]
    f = {
        f"side={side}": 1.0,
        f"dist={side}{_bucket(hi - lo)}": 1.0,
        f"values_between={side}{min(values_between, 3)}": 1.0,
        f"mentions_between={side}{min(mentions_between, 2)}": 1.0,
        f"clause_break={side}{int(clause_break)}": 1.0,
        f"rank={side}{min(rank, 3)}": 1.0,
        "paren_between": float(bool(re.search(r"[()（）]", gap))),
        "sentence_stop_between": float(bool(re.search(r"[.。;；]\s", gap + " "))),
        "comparison_between": float(bool(cue("comparison").search(gap))),
    }
    if not view.mentions or all(o is m or o.concept.id == m.concept.id for o in view.mentions):
        f["only_endpoint"] = 1.0
    return f


def proposal_features(view: SentenceView, i: int, m: Mention) -> dict[str, float]:
    """Whether the grammar's proposal for this number is this mention, another one, or none."""
    proposed = view.proposed.get(i)
    if proposed is None:
        return {"proposed=none": 1.0}
    if proposed is m:
        return {"proposed=this": 1.0}
    if proposed.concept.id == m.concept.id:
        return {"proposed=same_endpoint": 1.0}
    return {"proposed=other": 1.0}


def number_features(view: SentenceView, i: int, m: Mention) -> dict[str, float]:
    """The number's own form, and whether the endpoint can take it (a time needs a survival
    endpoint)."""
    v = view.values[i]
    time_to_event = bool(m.concept.extra.get("time_to_event"))
    f = {
        f"kind={v.kind}": 1.0,
        f"kind={v.kind}&tte={int(time_to_event)}": 1.0,
        f"endpoint={m.concept.id}": 1.0,
        "has_ci": float(v.ci_low is not None),
        "has_pm": float(v.pm is not None),
        "has_count": float(v.count is not None),
        "subject_suffix": float(v.subject_suffix),
        f"values_in_sentence={min(len(view.values), 6)}": 1.0,
    }
    previous = [w for w in view.values if w.end <= v.start]
    if previous and v.start - previous[-1].end <= 30:
        # "36.4 月 比 19.3 月", "45% vs 30%": the second member of a comparison
        if cue("comparison").search(view.text, previous[-1].end, v.start):
            f[f"after_comparison&kind={v.kind}"] = 1.0
        if previous[-1].kind == v.kind:
            f["after_same_kind"] = 1.0
    if v.value is not None and v.kind == "rate":
        f[f"rate_range={'low' if v.value < 5 else 'high' if v.value > 95 else 'mid'}"] = 1.0
    return f


def word_features(view: SentenceView, i: int, m: Mention) -> dict[str, float]:
    """The few tokens between mention and number, and right after the number."""
    v = view.values[i]
    before = m.end <= v.start
    gap = view.text[m.end : v.start] if before else view.text[v.end : m.start]
    f: dict[str, float] = {}
    tokens = _tokens(gap, 40)
    if len(tokens) <= 8:
        for t in tokens:
            f[f"gap_word={t}"] = 1.0
    else:
        f["gap_long"] = 1.0
    for t in _tokens(view.text[v.end : v.end + 12], 2):
        f[f"next_word={t}"] = 1.0
    for t in _tokens(view.text[max(0, v.start - 12) : v.start], 4)[-2:]:
        f[f"prev_word={t}"] = 1.0
    return f


def pair_features(view: SentenceView, i: int, m: Mention) -> dict[str, float]:
    """Every feature of one (number, mention) pair."""
    f: dict[str, float] = {}
    for part in (position_features, proposal_features, number_features, word_features):
        f.update(part(view, i, m))
    f["bias"] = 1.0
    return f
