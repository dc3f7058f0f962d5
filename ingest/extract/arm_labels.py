"""English labels of arms, with the phrase as written kept beside them.

An arm is found as the paper's words ('kemoterapi grubunda', 'InO群', 'без ТГСК', 'pembrolizumab
arm'); the record's `arm` is an English label and `arm_text` those words. The label names the
treatments the phrase names in the vocabularies' English ('chemotherapy', 'inotuzumab ozogamicin',
'no allo-HSCT'); a phrase that names none keeps its own words without the group word ('grupo
control' -> 'control'), or, written in another script, the English reading gloss of its terms and
numbers ('≤6个月' -> '≤6 months'). Never a translation: what no vocabulary knows stays as written.
"""

from __future__ import annotations

import re

from ingest.extract.ages import age_label
from ingest.extract.arm_features import NEGATION as _NEGATION
from ingest.extract.lexicon import find_concepts
from kb.vocab import cue, cue_group

_LATIN_WORD = re.compile(r"[A-Za-z][\w.+/-]*")
_NON_LATIN_LETTER = re.compile(r"[^\W\dA-Za-zÀ-ɏ_]")
# the words around an arm's name in any language ('in the', 'grupo de', 'dans le bras', 'im')
_EDGE = re.compile(
    # 'those receiving chemotherapy', 'treated with blinatumomab': the treatment is the arm's name
    r"^(?:(?:in|of|the|with|на|в|у|de|del|el|la|le|les|los|las|dans|di|da|do|du|des|im|mit|en|em|et|"
    r"those|patients|who|receiving|received|treated with|treated by|given|bridged with)\s+|"
    r"(?:пациент\w*|больн\w*|дет(?:ей|и)),?\s+)+"
    r"|[\s,.;:]+$"
    # Turkish names the arm before its participle and group word: 'kemoterapi alan grupta',
    # 'blinatumomab ile tedavi edilen hastalarda', 'kemoterapi kolunda' (the arm's own words only:
    # these group words do not make arm candidates, grammar.yaml's group_words do)
    r"|\s+(?:(?:ile\s+)?(?:alan|almayan|tedavi\s+edilen|uygulanan|yap[ıi]lan|yap[ıi]lmayan)\s*)?"
    r"(?:hastalar\w*|kolu\w*|kolda|grupta|grupt[ae]n)?$",
    re.I,
)
_AMOUNT = re.compile(
    r"(?P<op>[<>≤≥＜＞]=?)?\s*(?P<n>\d+(?:[.,]\d+)?)\s*(?P<unit>%|个月|か月|ヵ月|カ月|месяц\w*|мес\.?|лет|года?|歳|岁|ay|yaş\w*)?"
)
_UNITS = {
    "%": "%",
    "个月": " months",
    "か月": " months",
    "ヵ月": " months",
    "カ月": " months",
    "лет": " years",
    "歳": " years",
    "岁": " years",
    "ay": " months",
}
_KINDS = ("interventions", "lines", "populations", "diseases")


def _unit(word: str | None) -> str:
    if not word:
        return ""
    if word.startswith("месяц") or word.startswith("мес"):
        return " months"
    if word.startswith("год") or word.startswith("yaş"):
        return " years"
    return _UNITS.get(word, "")


def _read_in_english(words: str) -> str | None:
    """The phrase's known concepts, amounts and Latin-script words in English, in order; None
    when they cover less than half of its letters (a label of the parts would mislead)."""
    pieces: list[tuple[int, int, str]] = []
    for kind in _KINDS:
        for m in find_concepts(words, kind):
            if all(m.end <= s or m.start >= e for s, e, _ in pieces):
                pieces.append((m.start, m.end, m.concept.label))
    for m in _AMOUNT.finditer(words):
        if all(m.end() <= s or m.start() >= e for s, e, _ in pieces):
            op = (m["op"] or "").replace("＜", "<").replace("＞", ">")
            pieces.append((m.start(), m.end(), f"{op}{m['n'].replace(',', '.')}{_unit(m['unit'])}"))
    for label, pattern in cue_group("arm_terms").items():
        for m in pattern.finditer(words):
            if all(m.end() <= s or m.start() >= e for s, e, _ in pieces):
                pieces.append((m.start(), m.end(), label))
    for m in _LATIN_WORD.finditer(words):
        if all(m.end() <= s or m.start() >= e for s, e, _ in pieces):
            pieces.append((m.start(), m.end(), m.group()))
    letters = len(re.sub(r"[\W_]", "", words))
    covered = sum(len(re.sub(r"[\W_]", "", words[s:e])) for s, e, _ in pieces)
    if not pieces or covered * 2 < letters:
        return None
    return " ".join(label for _, _, label in sorted(pieces))


_GROUP_LETTER = re.compile(r"[A-ZА-Я]\d?")
# Russian papers letter their groups in alphabetical order: А, Б, В, Г
_CYRILLIC_GROUP_LETTERS = {"А": "A", "Б": "B", "В": "C", "Г": "D"}


def english_arm(phrase: str | None) -> str | None:
    """The English label of an arm phrase (None for none)."""
    if not phrase:
        return None
    age = age_label(phrase)
    if age:
        return age  # 'menores de 60 años', '60岁以下': 'age < 60 years', 'age ≤ 60 years'
    words = _EDGE.sub("", cue("group_words").sub(" ", phrase).strip()).strip()
    words = re.sub(r"\s+", " ", words) or phrase.strip()
    if _GROUP_LETTER.fullmatch(words) and words != phrase.strip():
        # 'groupe A', 'arm B', 'группа Б': the letter alone would read as nothing
        return f"group {_CYRILLIC_GROUP_LETTERS.get(words[0], words[0])}{words[1:]}"
    mentions = find_concepts(words, "interventions")
    parts = {c for m in mentions for c in m.concept.extra.get("components", [])}
    labels: list[str] = []
    for m in mentions:
        if m.concept.label not in labels and m.concept.id not in parts:
            labels.append(m.concept.label)
    negated = bool(_NEGATION.search(phrase))
    letters = len(re.sub(r"[\W_]", "", _NEGATION.sub("", words)))
    covered = sum(len(re.sub(r"[\W_]", "", words[m.start : m.end])) for m in mentions)
    # a Latin-script phrase the treatments name only in part ('Pola-BR') keeps its own words
    if labels and (_NON_LATIN_LETTER.search(words) or covered * 5 >= letters * 3):
        label = " + ".join(labels)
        return f"no {label}" if negated and len(labels) == 1 else label
    if _NON_LATIN_LETTER.search(words):
        read = _read_in_english(words)
        if read:
            return f"no {read}" if negated else read
    for label, pattern in cue_group("arm_terms").items():
        if pattern.fullmatch(words):
            return label  # 'grupo de control', 'bras témoin', 'Kontrollarm': the control
    return words
