"""Features of a (number, arm candidate) pair of one sentence, for the arm linker.

Plain functions returning dicts, like `link_features`. They describe where the candidate phrase
sits relative to the number (side, distance, what stands between, the clause), what kind of phrase
it is (a treatment the vocabularies know, a regimen, the words by a group word, a subgroup), and
whether the number's place in a comparison matches the candidate's place in the list of groups the
sentence names before it ("A and B ... 45% and 30%"). Words enter only as the few tokens between
and beside, so that "in", "с", "grubunda", "では" are weighed as connectives in every language.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from ingest.extract.arms import ArmPhrase
from ingest.extract.link_features import _tokens
from ingest.extract.values import Value
from kb.vocab import cue

# words that make an arm the one without what it names ("без ТГСК", "sin trasplante", "未应用")
NEGATION = re.compile(
    r"\b(?:without|no|non|not|sin|sem|sans|ohne|senza|без|не)\b|yap[ıi]lmayan|almayan|olmayan|なし|未|无|非|없",
    re.I,
)


@dataclass
class ArmView:
    """What the arm linker sees of a sentence: its numbers, the candidate phrases, its clause
    breaks, the rules' arm for each number, and the comparison each number is part of."""

    text: str
    values: list[Value]
    candidates: list[ArmPhrase]
    breaks: list[int]
    proposed: dict[int, str | None]  # value start -> the rules' arm label
    comparison: dict[int, list[int]] = field(default_factory=dict)  # value start -> starts of its group
    sentence_start: int = 0  # text before it is the previous sentence's


def _bucket(chars: int) -> str:
    return str(min(7, int(math.log2(chars + 1))))


def position_features(view: ArmView, v: Value, c: ArmPhrase) -> dict[str, float]:
    before = c.end <= v.start
    inside = not before and c.start < v.end
    side = "I" if inside else "L" if before else "R"
    lo, hi = (c.end, v.start) if before else (v.end, c.start)
    lo, hi = min(lo, hi), max(lo, hi)
    values_between = sum(1 for w in view.values if lo <= w.start and w.end <= hi)
    others_between = sum(1 for o in view.candidates if o is not c and lo <= o.start and o.end <= hi)
    same_side = [o for o in view.candidates if (o.end <= v.start) == before]
    distance = (lambda o: v.start - o.end) if before else (lambda o: o.start - v.end)
    rank = sorted(same_side, key=distance).index(c) if c in same_side else 0
    gap = view.text[lo:hi]
    # "DFS was 81.6% and in those given Interfant-06 alone 49.4%": a phrase nearer another number
    # of the sentence than to this one is that number's group
    own = abs(c.start - v.start) if c.start >= v.end else abs(v.start - c.end)
    nearer_other = any(
        w is not v and (abs(c.start - w.start) if c.start >= w.end else abs(w.start - c.end)) < own
        for w in view.values
    )
    if c.end <= view.sentence_start:
        side = "P"  # the previous sentence
    return {
        f"side={side}": 1.0,
        f"dist={side}{_bucket(hi - lo)}": 1.0,
        f"values_between={side}{min(values_between, 3)}": 1.0,
        f"candidates_between={side}{min(others_between, 3)}": 1.0,
        f"clause_break={side}{int(any(lo <= b < hi for b in view.breaks))}": 1.0,
        f"rank={side}{min(rank, 3)}": 1.0,
        f"nearer_other_value={side}{int(nearer_other)}": 1.0,
        "paren_between": float(bool(re.search(r"[()（）]", gap))),
        "comparison_between": float(bool(cue("comparison").search(gap))),
    }


def phrase_features(view: ArmView, v: Value, c: ArmPhrase) -> dict[str, float]:
    phrase = view.text[c.start : c.end]
    f = {
        f"source={c.source}": 1.0,
        f"source={c.source}&kind={v.kind}": 1.0,
        "negated": float(bool(NEGATION.search(phrase))),
        "has_group_word": float(bool(cue("group_words").search(phrase))),
        f"length={min(len(_tokens(phrase, 12)), 6)}": 1.0,
    }
    for t in _tokens(view.text[max(0, c.start - 12) : c.start], 4)[-1:]:
        f[f"word_before_phrase={t}"] = 1.0
    for t in _tokens(view.text[c.end : c.end + 12], 1):
        f[f"word_after_phrase={t}"] = 1.0
    return f


def order_features(view: ArmView, v: Value, c: ArmPhrase) -> dict[str, float]:
    """'A and B groups ... 45% and 30%': the k-th number of a comparison and the k-th of the last
    groups named before it."""
    members = view.comparison.get(v.start) or [v.start]
    first = min(members)
    named: list[str] = []
    for own_sentence in (True, False):
        # the groups the sentence names before the numbers, else those of the previous sentence
        # ("... received ELd and ... Ld. Response rates were 79% and 66%, respectively")
        named = [
            o.label
            for o in view.candidates
            if o.end <= first and (view.sentence_start <= o.start or not own_sentence)
        ]
        named = list(dict.fromkeys(named))
        if len(named) >= len(members):
            break
    f: dict[str, float] = {f"comparison_size={min(len(members), 4)}": 1.0}
    # "compared with patients given chemotherapy, those given blinatumomab had 34% vs 16%": the group
    # a comparison word introduces is the comparator, the later number's
    lead = view.text[max(0, c.start - 30) : c.start]
    cue_before = list(cue("comparison").finditer(lead))
    if cue_before and not re.search(r"[.;。；]", lead[cue_before[-1].end() :]):
        member = "single" if len(members) == 1 else "first" if v.start == min(members) else "later"
        f[f"comparator_phrase&member={member}"] = 1.0
    if len(members) > 1 and len(named) >= len(members):
        k = sorted(members).index(v.start)
        f["order_match"] = float(named[-len(members) :][k] == c.label)
    if cue("respectively").search(view.text):
        f["respectively"] = 1.0
    return f


def proposal_features(view: ArmView, v: Value, c: ArmPhrase) -> dict[str, float]:
    proposed = view.proposed.get(v.start)
    if proposed is None:
        return {"proposed=none": 1.0}
    return {"proposed=this": 1.0} if proposed == c.label else {"proposed=other": 1.0}


def word_features(view: ArmView, v: Value, c: ArmPhrase) -> dict[str, float]:
    before = c.end <= v.start
    gap = view.text[c.end : v.start] if before else view.text[v.end : c.start]
    tokens = _tokens(gap, 40)
    f: dict[str, float] = {}
    if len(tokens) <= 6:
        for t in tokens:
            f[f"gap_word={t}"] = 1.0
    else:
        f["gap_long"] = 1.0
    return f


def arm_pair_features(view: ArmView, v: Value, c: ArmPhrase) -> dict[str, float]:
    """Every feature of one (number, arm candidate) pair."""
    f: dict[str, float] = {"bias": 1.0, f"values_in_sentence={min(len(view.values), 6)}": 1.0}
    for part in (position_features, phrase_features, order_features, proposal_features, word_features):
        f.update(part(view, v, c))
    return f
