"""Arm phrases: the group a number belongs to ('в группе с блинатумомабом', 'kemoterapi grubunda',
'自体细胞来源组', 'InO群', 'на протоколе ALL-REZ 2016', 'blinatumomab arm')."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.vocab import cue

_ARM_PATTERNS = [
    re.compile(r"(?:в|на|у)\s+групп\w*\s+(?:с\s+)?(?P<label>(?:риска\s+)?[\w/+-]+)", re.I),
    re.compile(r"(?:на|по)\s+протокол\w*\s+(?P<label>[A-Z][\w-]*(?:\s+[A-Z]{2})?\s+\d{4})", re.I),
    re.compile(r"(?P<label>[\w+'-]+)\s+(?:grubu|grubunda|grubuna|grubunun|kollar[ıi]nda|kolunda)\b", re.I),
    re.compile(r"у (?:пациентов|больных|детей) (?P<label>(?:со?|в|без) [\w-]+(?: [\w-]+)?)", re.I),
    re.compile(
        r"(?:пациент\w*|больн\w*|дет\w*),?\s+(?P<label>(?:не )?(?:получивш|перенесш)\w+\s+[\w-]+)", re.I
    ),
    # 'пациентов, которым не была проведена трансплантация': the relative clause names the group
    re.compile(
        r"(?:пациент\w*|больн\w*|дет\w*),?\s+котор\w+\s+(?P<label>(?:не\s+)?(?:был[аио]?\s+)?"
        r"(?:проведен\w*|выполнен\w*|перенес\w*|получ\w*)\s+[\w-]+)",
        re.I,
    ),
    re.compile(
        r"patients\s+(?:who|that)\s+(?P<label>(?:did not |had not |have not |were not |did |had |were )?"
        r"(?:undergo|underwent|undergone|receive|received|proceed(?:ed)? to)\s+"
        r"(?:(?:an?|the|allogeneic|autologous|second)\s+)?[\w-]+)",
        re.I,
    ),
    re.compile(r"(?P<label>[\w-]+ (?:yap[ıi]lan|yap[ıi]lmayan|alan|almayan)\w*)", re.I),
    re.compile(r"(?:in|of) the (?P<label>[\w+/-]+(?:\s+[\w+/-]+)?)\s+(?:arm|group|cohort)\b", re.I),
    re.compile(r"(?P<label>[\w+/-]+(?:\s+[\w+/-]+)?)\s+(?:arm|group|cohort)\b", re.I),
    re.compile(rf"(?P<label>(?:{cue('treatment_protocols').pattern})[\w -]*?\d{{2,4}})(?=\D)", re.I),
]
_NOISE = re.compile(r"^(?:the|this|each|both|two|a|an|в|и|bu|her|iki|两|該|该|其中|各|本)$", re.I)


@dataclass(frozen=True)
class ArmPhrase:
    start: int
    end: int
    label: str


_DRUG_ARM_LEAD = re.compile(r"(?:\bwith|\bversus|\bvs\.?|на фоне|\bпри|\bс)\s+$", re.I)


def _drug_arms(text: str) -> list[ArmPhrase]:
    """'14.2 months with blinatumomab and 8.1 months with chemotherapy': a drug named right after
    'with' (на фоне, при, с) names the arm of the number before it."""
    from ingest.extract.lexicon import find_concepts

    out = []
    for m in find_concepts(text, "interventions"):
        lead = _DRUG_ARM_LEAD.search(text, max(0, m.start - 12), m.start)
        if lead and lead.end() == m.start:
            out.append(ArmPhrase(lead.start(), m.end, m.concept.label))
    return out


_CJK_GROUP = re.compile(r"[组群](?![成织])")
_CJK_LABEL_STOP = set("，,。;；：:、()（）[]【】的与和及为在对比较中其是")


def _cjk_groups(text: str) -> list[ArmPhrase]:
    """'自体细胞来源组', 'isatuximab 联合组', '400 µg/d 剂量组', 'InO群': the words before 组/群 back to
    the previous punctuation or particle, at most 14 characters."""
    out = []
    for m in _CJK_GROUP.finditer(text):
        start = m.start()
        while start > 0 and m.start() - start < 14 and text[start - 1] not in _CJK_LABEL_STOP:
            start -= 1
        label = text[start : m.start()].strip()
        if len(label) >= 2 and not label.isdigit():
            out.append(ArmPhrase(start, m.end(), label))
    return out


def find_arm_phrases(text: str) -> list[ArmPhrase]:
    found: list[ArmPhrase] = list(_cjk_groups(text))
    for pattern in _ARM_PATTERNS:
        for m in pattern.finditer(text):
            label = m["label"].strip(" ,的之")
            label = re.sub(r"^(?:其中|与|和|及|对|在|的)", "", label)
            if not label or _NOISE.match(label) or label.isdigit():
                continue
            if any(not (m.end() <= a.start or m.start() >= a.end) for a in found):
                continue
            found.append(ArmPhrase(m.start(), m.end(), label))
    for a in _drug_arms(text):
        if all(a.end <= b.start or a.start >= b.end for b in found):
            found.append(a)
    return sorted(found, key=lambda a: a.start)
