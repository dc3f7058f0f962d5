"""The arm linker: which phrase of its sentence names the arm (or subgroup) a number belongs to.

A logistic model over (number, candidate phrase) pairs (candidates: `arms.arm_candidates`;
features: `arm_features`). A number takes the candidate with the highest probability if it clears
the threshold, else no arm (the whole cohort); the numbers of one comparison take different
phrases. Trained by `python -m ingest.extract.training fit` from `annotations/arms/`, where each
line links a number's offsets to the offsets of the words that name its arm.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from ingest.extract.arm_features import ArmView, arm_pair_features
from ingest.extract.arm_labels import english_arm
from ingest.extract.arms import ArmPhrase
from ingest.extract.values import Value
from kb.logistic import DictLogistic
from kb.vocab import cue

MODEL_PATH = Path(__file__).parent / "models" / "arm_linker.json"
FEATURES_VERSION = 3


class ArmLinker(DictLogistic):
    """Is this candidate phrase the arm of this number? `C` and `threshold` were chosen on the tune
    part, 5-fold by text: of 230 held-out numbers whose arm the text names, 108 get the right phrase,
    26 a wrong one, and 11 of 95 whole-cohort numbers an arm (the patterns alone: 48 right, 32 wrong)."""

    model_name = "arm_linker"
    model_path = MODEL_PATH
    features_version = FEATURES_VERSION

    def __init__(self, C: float = 1.0, threshold: float = 0.4) -> None:  # noqa: N803 (scikit-learn names)
        super().__init__(C=C, threshold=threshold)

    def choose(self, view: ArmView, numbers: list[Value]) -> dict[int, ArmPhrase | None]:
        """Each number's arm phrase (keyed by its start), or None. The numbers of one comparison are
        given distinct phrases, the most probable pairs first."""
        scored = {
            v.start: sorted(
                ((self.score(arm_pair_features(view, v, c)), k) for k, c in enumerate(view.candidates)),
                reverse=True,
            )
            for v in numbers
        }
        chosen: dict[int, ArmPhrase | None] = {v.start: None for v in numbers}
        taken: dict[tuple[int, ...], list[ArmPhrase]] = {}
        pairs = sorted(
            ((p, start, k) for start, ranked in scored.items() for p, k in ranked if p >= self.threshold),
            reverse=True,
        )
        for _, start, k in pairs:
            if chosen[start] is not None:
                continue
            group = tuple(view.comparison.get(start) or [start])
            phrase = view.candidates[k]
            others = taken.setdefault(group, [])
            if any(_same_arm(view.text, phrase, other) for other in others):
                continue  # two numbers of one comparison are two arms
            chosen[start] = _enclosing(view.text, phrase, view.candidates)
            others.append(chosen[start])
        _clause_groups(view, numbers, chosen)
        _share_fronted(view, numbers, chosen)
        return chosen


_FRONT_BREAK = re.compile(r"[,，、]")


def _fronted_end(view: ArmView) -> int:
    """Where a phrase fronted before the sentence's clause ends ('After nivolumab, the ORR was 81%
    and the CR rate 71%', 'En el grupo de daratumumab, la tasa ...'): the first comma within 80
    characters of the sentence's start, with no number before it; -1 if there is none. A fronted
    phrase scopes over every number of its clause."""
    m = _FRONT_BREAK.search(view.text, view.sentence_start, view.sentence_start + 80)
    if m is None or any(view.sentence_start <= w.start < m.start() for w in view.values):
        return -1
    return m.start()


def _share_fronted(view: ArmView, numbers: list[Value], chosen: dict[int, ArmPhrase | None]) -> None:
    """'After nivolumab, the ORR was 81% and the CR rate 71%', 'En el grupo de daratumumab, la tasa
    de respuesta fue del 93% y la de RC del 45%': a phrase fronted before the clause scopes over
    every number in it, so the arm it names (chosen for one of them, or a group phrase) is the arm
    of those left without one; not when the numbers compare groups."""
    end = _fronted_end(view)
    if end < 0 or any(len(view.comparison.get(v.start) or []) > 1 for v in numbers):
        return
    inside = lambda p: view.sentence_start <= p.start and p.end <= end  # noqa: E731
    fronted = {(p.start, p.end): p for p in chosen.values() if p is not None and inside(p)}
    if not fronted:
        groups = [c for c in view.candidates if inside(c) and _GROUP_WORD.search(view.text, c.start, c.end)]
        fronted = {(c.start, c.end): c for c in groups[-1:]}
    if len(fronted) != 1:
        return
    (phrase,) = fronted.values()
    for v in numbers:
        if chosen[v.start] is None and v.start > end and not re.search(r"[;；。]", view.text[end : v.start]):
            chosen[v.start] = phrase  # (its clause ends at a semicolon: '...; dans le groupe témoin, ...')


# 'In der Blinatumomab-Gruppe lag die CR-Rate bei 44 %, in der Chemotherapie-Gruppe bei 25 %': a
# clause that opens with 'in the <group>' speaks of that group
_CLAUSE_LEAD = re.compile(
    r"[\s,;:]*(?:in|im|among|within|dans|en|em|no|na|nel|nella|nell'|в|во|среди|bei|unter)\s+"
    r"(?:(?:the|der|dem|den|die|le|la|les|l'|el|los|las|o|a|os|as|il|lo|gli)\s+)?",
    re.I,
)


# 'Mit Glofitamab erreichten 39 % eine CR', 'With glofitamab 39% achieved a CR': a clause that opens
# with 'with <treatment>' speaks of that treatment's patients
_TREATMENT_LEAD = re.compile(r"[\s,;:]*(?:with|mit|unter|con|com|avec|sous|под|на фоне)\s+", re.I)


def _clause_groups(view: ArmView, numbers: list[Value], chosen: dict[int, ArmPhrase | None]) -> None:
    """A number left without an arm takes the group phrase its clause opens with ('in der
    Chemotherapie-Gruppe bei 25 %', 'dans le groupe B, 42 %'), or the treatment ('Mit Glofitamab
    erreichten 39 %')."""
    for v in numbers:
        if chosen[v.start] is not None:
            continue
        before = [b for b in view.breaks if b <= v.start]
        # the comma clause, or the semicolon clause it is part of ('; dans le groupe témoin, il était de')
        starts = [max(before, default=0), *(b for b in reversed(before) if view.text[b : b + 1] in ";；")][:2]
        for start in starts:
            opening = [c for c in view.candidates if c.end <= v.start and _opens_clause(view.text, start, c)]
            if opening:
                chosen[v.start] = max(opening, key=lambda c: c.end)
                break


def _opens_clause(text: str, start: int, c: ArmPhrase) -> bool:
    """Does the clause from `start` open with this group phrase ('in der Chemotherapie-Gruppe') or
    treatment ('mit Glofitamab')?"""
    lead = _CLAUSE_LEAD.match(text, start)
    if lead is not None and c.start == lead.end() and _GROUP_WORD.search(text, c.start, c.end):
        return True
    treatment = _TREATMENT_LEAD.match(text, start)
    return treatment is not None and c.start == treatment.end() and c.source in ("drug", "combination")


_GROUP_WORD = re.compile(rf"\s*(?:{cue('group_words').pattern})\s*", re.I)


def _enclosing(text: str, phrase: ArmPhrase, candidates: list[ArmPhrase]) -> ArmPhrase:
    """'InO' inside 'InO群', 'blinatumomab' inside 'blinatumomab grubunda': a phrase that adds only a
    group word to the chosen one names the same arm, in the paper's own words, however the two
    scored. So does a regimen written around the chosen drug ('venetoclax' of 'venetoclax plus
    LDAC'): one drug of a written combination is not the arm."""
    for c in candidates:
        inside = (
            c.start <= phrase.start and phrase.end <= c.end and (c.start, c.end) != (phrase.start, phrase.end)
        )
        rest = (text[c.start : phrase.start] + " " + text[phrase.end : c.end]).strip()
        if inside and (
            _GROUP_WORD.fullmatch(rest) or (c.source == "combination" and phrase.source == "drug")
        ):
            return c
    return phrase


def _same_arm(text: str, a: ArmPhrase, b: ArmPhrase) -> bool:
    """Overlapping words, the same label, or one phrase inside the other with the same English
    label ('в группе с блинатумомабом' and 'блинатумомабом' both name the blinatumomab arm;
    '单纯化疗组' and 'X联合化疗组' do not, though a drug the vocabularies miss labels both
    'chemotherapy')."""
    if (a.start < b.end and b.start < a.end) or a.label == b.label:
        return True
    words_a, words_b = text[a.start : a.end], text[b.start : b.end]
    inside = words_a in words_b or words_b in words_a
    return inside and english_arm(words_a) == english_arm(words_b)


@cache
def shipped_arm_linker() -> ArmLinker:
    """The model that ships with the package, loaded once per process."""
    return ArmLinker.load()
