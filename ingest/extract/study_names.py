"""Trial names a text states ("POLARIX", "ZUMA-1", "KEYNOTE-204", "MMY3012"), found by a learned tagger.

Candidates are words shaped like a trial's acronym or code: two capitals or more, or capitals
followed by digits, with an optional number ("ELOQUENT-3"). Most such words are not trials (CD19,
R-CHOP, FDA, DLBCL, ASH2024), and the vocabularies of trials will never list every trial, so a
logistic model decides from how the word is shaped, what stands beside it (a study word in any
language, parentheses), whether the vocabularies know it as an endpoint, antigen, disease or
treatment, and how often and how early the text uses it. Trained by `python -m
ingest.extract.training fit` from `annotations/studies/trial_names.jsonl`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ingest.extract.lexicon import vocabulary_mentions
from kb.logistic import DictLogistic
from kb.vocab import antigen_symbols, concepts, cue

MODEL_PATH = Path(__file__).parent / "models" / "trial_names.json"
FEATURES_VERSION = 2

# No letter or digit of the Latin alphabet right before or after: CJK neighbours are allowed
# ("ZUMA-1试验"), and a registry id is read elsewhere.
CANDIDATE = re.compile(
    r"(?<![A-Za-z0-9-])(?!NCT\d)"
    r"(?:[A-Z][a-z]*[A-Z][A-Za-z]*(?:-[A-Z][A-Za-z]*)*(?:-?\d{1,4}[a-z]?)?"
    r"|[A-Z]{1,5}\d{2,6}(?:-\d{1,4})?)"
    r"(?![A-Za-z0-9])"
)
_VOCAB_KINDS = ("endpoints", "diseases", "interventions")
_WINDOW = 30


@dataclass(frozen=True)
class TrialMention:
    start: int
    end: int
    name: str
    probability: float


def _known_trial(name: str) -> bool:
    return any(p.fullmatch(name) for t in concepts("trials") for p in t.patterns)


@cache
def _vocabulary_kind(name: str) -> str | None:
    """The vocabulary that knows this word as something else than a trial (endpoint 'ORR')."""
    if name.upper() in {a.upper() for a in antigen_symbols()}:
        return "antigens"
    for kind in _VOCAB_KINDS:
        if any(m.start == 0 and m.end == len(name) for m in vocabulary_mentions(name, kind)):
            return kind
    return None


def _shape(name: str) -> str:
    shape = re.sub(r"[A-Z]+", "A", name)
    shape = re.sub(r"[a-z]+", "a", shape)
    return re.sub(r"\d+", "9", shape)


def _occurrence_features(text: str, start: int, end: int) -> dict[str, float]:
    left, right = text[max(0, start - _WINDOW) : start], text[end : end + _WINDOW]
    return {
        "study_word_left": float(bool(cue("study_words").search(left[-15:]))),
        "study_word_right": float(bool(cue("study_words").search(right[:15]))),
        "study_word_near": float(bool(cue("study_words").search(left + " " + right))),
        "in_parentheses": float(bool(re.search(r"[(（]\s*$", left)) and bool(re.match(r"\s*[)）,;]", right))),
        "before_parenthesis": float(bool(re.match(r"\s*[(（]", right))),
        "followed_by_number": float(bool(re.match(r"\s*[:=]?\s*\d", right))),
    }


def name_features(text: str, name: str, spans: list[tuple[int, int]]) -> dict[str, float]:
    """What the tagger sees of one candidate word: its shape, and its uses in the text (the share
    of its occurrences beside a study word, in parentheses...)."""
    capitals = sum(c.isupper() for c in name)
    letters = re.sub(r"[^A-Z]", "", name.upper().split("-")[0])
    features: dict[str, float] = {
        "bias_candidate": 1.0,
        f"shape={_shape(name)}": 1.0,
        f"length={min(len(name), 9)}": 1.0,
        "capitals_share": capitals / len(name),
        "has_digits": float(any(c.isdigit() for c in name)),
        "name_number": float(bool(re.search(r"[A-Za-z]-?\d{1,3}[a-z]?$", name))),
        "code_number": float(bool(re.fullmatch(r"[A-Z]{1,5}\d{3,6}(?:-\d+)?", name))),
        # Trial acronyms are often words (POLARIX, GALLIUM, ELOQUENT), abbreviations seldom (DLBCL, BICR)
        "vowel_share": len(re.findall(r"[AEIOUaeiou]", name)) / len(name),
        "pronounceable": float(bool(re.fullmatch(r"(?:[^AEIOU]{0,2}[AEIOU]+){2,}[^AEIOU]{0,2}", letters))),
        "log_count": math.log1p(len(spans)),
        "first_in_head": float(spans[0][0] < 300),
        "known_trial": float(_known_trial(name)),
    }
    uses = [_occurrence_features(text, s, e) for s, e in spans]
    for key in uses[0]:
        values = [u[key] for u in uses]
        features[f"any_{key}"] = max(values)
        features[f"share_{key}"] = sum(values) / len(values)
    kind = _vocabulary_kind(name)
    if kind:
        features[f"vocabulary={kind}"] = 1.0
    features[f"word={name.upper()}"] = 1.0
    return features


def candidates(text: str) -> dict[str, list[tuple[int, int]]]:
    """Candidate words of a text, each with the spans where it stands, in order of first use."""
    out: dict[str, list[tuple[int, int]]] = {}
    for m in CANDIDATE.finditer(text):
        out.setdefault(m.group(), []).append((m.start(), m.end()))
    return out


def candidate_table(text: str) -> list[tuple[str, list[tuple[int, int]], dict[str, float]]]:
    """Every candidate word of a text with its spans and features."""
    return [(name, spans, name_features(text, name, spans)) for name, spans in candidates(text).items()]


class TrialNameTagger(DictLogistic):
    """Is this candidate word a trial's name? `C` and `threshold` chosen by cross-validated F1 of
    the tune part (by paper)."""

    model_name = "trial_names"
    model_path = MODEL_PATH
    features_version = FEATURES_VERSION

    def __init__(self, C: float = 1.0, threshold: float = 0.4) -> None:  # noqa: N803 (scikit-learn names)
        super().__init__(C=C, threshold=threshold)

    def mentions(self, text: str) -> list[TrialMention]:
        """The trial names of a text, in order."""
        out = []
        for name, spans, features in candidate_table(text):
            p = 1.0 if features["known_trial"] else self.score(features)
            if p >= self.threshold:
                out += [TrialMention(s, e, name, p) for s, e in spans]
        return sorted(out, key=lambda m: m.start)


@cache
def shipped_trial_tagger() -> TrialNameTagger:
    return TrialNameTagger.load()
