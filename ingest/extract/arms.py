"""Arm phrases: the group a number belongs to ('в группе с блинатумомабом', 'kemoterapi grubunda',
'自体细胞来源组', 'InO群', 'на протоколе ALL-REZ 2016', 'blinatumomab arm')."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.vocab import cue

_ARM_PATTERNS = [
    re.compile(r"(?:в|на|у)\s+групп\w*\s+(?:с\s+)?(?P<label>(?:риска\s+)?[\w/+-]+(?:\s+риска\b)?)", re.I),
    # 'в контрольной группе', 'в основной группе': an adjective before the group word names it
    re.compile(r"(?:в|на|у)\s+(?P<label>[а-яё-]+(?:ой|ей|ых|их))\s+групп\w*", re.I),
    re.compile(r"(?:на|по)\s+протокол\w*\s+(?P<label>[A-Z][\w-]*(?:\s+[A-Z]{2})?\s+\d{4})", re.I),
    re.compile(r"(?P<label>[\w+'-]+)\s+(?:grubu|grubunda|grubuna|grubunun|kollar[ıi]nda|kolunda)\b", re.I),
    re.compile(r"у (?:пациентов|больных|детей) (?P<label>(?:со?|в|без) [\w-]+(?: [\w-]+)?)", re.I),
    re.compile(
        r"(?:пациент\w*|больн\w*|дет\w*),?\s+"
        r"(?P<label>(?:не )?(?:получивш|получавш|перенесш|леченн)\w+\s+[\w-]+)",
        re.I,
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
    # 'nakil yapılan', 'kemoterapi alan'; not an adverb's 'daha önce yapılan (bir çalışma)'
    re.compile(
        r"(?<![\w-])(?P<label>(?!(?:önce|sonra|daha|ayrıca)\b)[\w-]+ "
        r"(?:yap[ıi]lan|yap[ıi]lmayan|alan|almayan)\w*)",
        re.I,
    ),
    re.compile(r"(?:in|of) the (?P<label>[\w+/-]+(?:\s+[\w+/-]+)?)\s+(?:arm|group|cohort)\b", re.I),
    re.compile(r"(?P<label>[\w+/-]+(?:\s+[\w+/-]+)?)\s+(?:arm|group|cohort)\b", re.I),
    re.compile(rf"(?P<label>(?:{cue('treatment_protocols').pattern})[\w -]*?\d{{2,4}})(?=\D)", re.I),
]
_NOISE = re.compile(
    r"^(?:the|this|each|both|either|all|two|a|an|в|и|bu|her|iki|两|該|该|其中|各|本|両|二|deux|dos|dois|beiden|обеих)$",
    re.I,
)


@dataclass(frozen=True)
class ArmPhrase:
    start: int
    end: int
    label: str
    # what proposed it: "rule", "drug", "combination", "group", "subgroup", "parenthesis", "code"
    source: str = "rule"


_DRUG_ARM_LEAD = re.compile(
    r"(?:\bwith|\bversus|\bvs\.?|\breceiving|\btreated with|\bgiven|на фоне|\bпри|\bс|получавших)\s+$", re.I
)


def _drug_arms(text: str) -> list[ArmPhrase]:
    """'14.2 months with blinatumomab and 8.1 months with chemotherapy': a drug named right after
    'with' (на фоне, при, с) names the arm of the number before it."""
    from ingest.extract.lexicon import find_concepts

    out = []
    mentions = find_concepts(text, "interventions")
    for k, m in enumerate(mentions):
        lead = _DRUG_ARM_LEAD.search(text, max(0, m.start - 16), m.start)
        if lead and lead.end() == m.start:
            # 'receiving venetoclax plus LDAC': the regimen, every drug joined to the first
            run = [m]
            for later in mentions[k + 1 :]:
                if not _JOINER.match(text[run[-1].end : later.start]):
                    break
                run.append(later)
            out.append(ArmPhrase(lead.start(), run[-1].end, _combination(run).label))
    return out


# not the 群 of 症候群 (syndrome) or the 组 of 组成/组织
_CJK_GROUP = re.compile(r"(?<!症候)[组群](?![成织])")
# a label ends at punctuation, a particle, or a number's sign ('…併用群13% vs.対照群': 対照群)
# ('显著高于对照组': 于, 'than', ends it too)
_CJK_LABEL_STOP = set("，,。;；：:、()（）[]【】的与和及为在对比较中其是はがをも%％.于")


def _in_cjk_label(text: str, i: int) -> bool:
    # 对 ends a label ('与…对比') except in 对照, the control ('对照组', the commonest group of all);
    # a full stop ends one ('vs.対照群') except as a decimal point ('≥0.075组')
    if text[i] == ".":
        return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
    return text[i] not in _CJK_LABEL_STOP or text[i : i + 2] == "对照"


def _cjk_groups(text: str) -> list[ArmPhrase]:
    """'自体细胞来源组', 'isatuximab 联合组', '400 µg/d 剂量组', 'InO群': the words before 组/群 back to
    the previous punctuation or particle, at most 14 characters."""
    out = []
    for m in _CJK_GROUP.finditer(text):
        start = m.start()
        while start > 0 and m.start() - start < 14 and _in_cjk_label(text, start - 1):
            start -= 1
        label = text[start : m.start()].strip()
        if len(label) >= 2 and not label.isdigit():
            out.append(ArmPhrase(start, m.end(), label))
    return out


# Korean writes a group as a word with 군 attached ("ACM군", "대조군에서", "병용군은"); 증후군 is a syndrome
_KO_GROUP = re.compile(
    r"(?P<label>[A-Za-z0-9][A-Za-z0-9+/-]*|[가-힣]{2,8})\s?군"
    r"(?=(?:에서|에게|으로|보다|은|는|의|과|와|이|가|을|를|도|로|에)?(?![가-힣]))"
)
_KO_NOT_ARM = re.compile(r"(?:증후|환자|대상)$")


def _korean_groups(text: str) -> list[ArmPhrase]:
    out = []
    for m in _KO_GROUP.finditer(text):
        if not _KO_NOT_ARM.search(m["label"]) and not m["label"].isdigit():
            out.append(ArmPhrase(m.start(), m.end(), m["label"]))
    return out


# 'the daratumumab and control arms', 'los grupos de daratumumab y control', 'в группах A и B': two
# arms sharing one group word; each word names its own arm, in order
_PLAIN_WORD = r"[^\W\d_][\w+/-]*"
_COORDINATED_GROUPS = [
    re.compile(
        rf"(?P<a>{_PLAIN_WORD}(?: {_PLAIN_WORD})?) (?:and|or|versus|vs\.?)"
        rf" (?P<b>{_PLAIN_WORD}(?: {_PLAIN_WORD})?) (?:arms|groups|cohorts)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:grupos|brazos|braços|bras|groupes|gruppi|bracci|Gruppen|Armen)"
        rf" (?:de |do |du |des |di |mit )?(?P<a>{_PLAIN_WORD}) (?:y|e|et|ou|o|und|oder)"
        rf" (?:de |do |du |des |di |mit )?(?P<b>{_PLAIN_WORD})",
        re.I,
    ),
    re.compile(rf"\bгрупп(?:ах|ы|е) (?P<a>{_PLAIN_WORD}) и (?P<b>{_PLAIN_WORD})", re.I),
]


def _coordinated_groups(text: str) -> list[ArmPhrase]:
    out = []
    for pattern in _COORDINATED_GROUPS:
        for m in pattern.finditer(text):
            words = [m[k].split() for k in ("a", "b")]
            # 'the' / 'both' open the phrase, they do not name an arm
            if words[0] and _NOISE.match(words[0][0]):
                words[0] = words[0][1:]
            if not all(words) or any(_FUNCTION_WORD.fullmatch(w[-1]) for w in words):
                continue
            for key, kept in zip(("a", "b"), words, strict=True):
                end = m.end(key)
                start = end - len(" ".join(kept))
                out.append(ArmPhrase(start, end, text[start:end]))
    return out


def find_arm_phrases(text: str) -> list[ArmPhrase]:
    found: list[ArmPhrase] = [*_cjk_groups(text), *_korean_groups(text), *_coordinated_groups(text)]
    for pattern in _ARM_PATTERNS:
        for m in pattern.finditer(text):
            label = m["label"].strip(" ,的之")
            label = re.sub(r"^(?:其中|与|和|及|对|在|的)", "", label)
            if not label or _NOISE.match(label) or label.isdigit():
                continue
            if _FUNCTION_WORD.fullmatch(label.split()[-1]):
                continue  # 'months in group A': the words before the group word do not name it
            if any(not (m.end() <= a.start or m.start() >= a.end) for a in found):
                continue
            found.append(ArmPhrase(m.start(), m.end(), label))
    for a in [*_drug_arms(text), *_age_candidates(text)]:
        if all(a.end <= b.start or a.start >= b.end for b in found):
            found.append(a)
    return sorted(found, key=lambda a: a.start)


# -- candidates for the arm linker -------------------------------------------------------------
# The rules above name an arm where a phrase has a known shape. The linker
# (ingest.extract.arm_linker) chooses among a wider set: every treatment the vocabularies know,
# treatments joined into one regimen, the words next to a group word in any language, and the
# subgroup a patient word introduces; which of them is a number's arm is learned, not written here.

_JOINER = re.compile(
    r"^\s*(?:\+|plus|and|with|und|mit|et|avec|y|con|e|com|и|с|ve|ile|联合|合并|加|併用|と|과|와|/)\s*$", re.I
)
_WORD = re.compile(r"[^\W\d_][\w'’+/-]*|\d+(?:[.,]\d+)?", re.UNICODE)
# words that end a phrase rather than belong to it: "grupo con daratumumab y ..."
_FUNCTION_WORD = re.compile(
    r"and|or|vs|versus|was|were|had|is|the|of|in|y|o|e|et|und|oder|ve|и|или|а|de|del|da|do|des|du|der|die|das|em|en|"
    r"no|na|à|a|al|fue|foi|était|war|che|ed|el|la|los|las|le|les|il|lo|os|as|an|this|these|those|all|"
    r"it|its|them|they|their|between|among|arasında\w*|entre|zwischen|между|"
    r"either|each|both|gegenüber|im|bei|contre|frente|против|karşı|deux|dos|dois|beiden|обеих|обоих|"
    r"в|во|на|у|при|был[аио]?|составил[аио]?|"
    # verbs that follow a group's name: 'in der Blinatumomab-Gruppe lag die Rate'
    r"lag|lagen|betrug|betrugen|hatte|hatten|wurde|wurden|zeigte\w*|erreichte\w*|ist|sind|"
    r"fueron|tuvo|tuvieron|foram|teve|tiveram|étaient|ont|avait|avaient|"
    # possessives: 'our cohort', 'nuestra serie', 'notre série' are the paper's own, not an arm's name
    r"our|my|nuestr[oa]s?|notre|nos|unser\w*|noss[oa]s?|наш\w*|bizim|"
    # the whole of it: 'the entire cohort', 'la cohorte entière', 'tüm hastalar' is no arm's name
    r"including|incluyendo|incluindo|dont|darunter|einschließlich|включая|dahil|"
    r"entire|whole|entière|todo|toda|todos|todas|inteira|gesamte\w*|всей|всего|всех|tüm|bütün",
    re.I,
)
_LINKING_WORD = re.compile(r"de|del|do|da|du|des|di|of|mit|с|со", re.I)
_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_COORDINATOR = re.compile(r"and|or|versus|vs|y|o|e|ou|et|und|oder|и|или|ve|veya", re.I)
# words that open a subgroup after a patient word: "patients with / without / who / aged / in ..."
_SUBGROUP_LEAD = re.compile(
    r"\b(?:with|without|who|aged|older|younger|receiving|treated|con|sin|que|com|sem|avec|sans|qui|mit|ohne|die|"
    r"senza|che|с|без|котор\w+|в возрасте|старше|младше|"
    # 'patients in first relapse', 'patients previously exposed to ...', 'patients bridged with ...'
    r"in|on|after|previously|exposed|bridged|harbou?ring|carrying|undergoing|achieving|relapsing|"
    r"en|em|dans|bei|mayores|menores|maiores|âgés|älter|jünger)\b",
    re.I,
)
# Words of a subgroup's own that may stand before a patient word only when no preposition comes
# between ('BCMA-naive patients', but not 'For patients', 'Among patients', 'worse in patients').
_PREPOSITION = re.compile(
    r"for|among|in|with|from|at|by|to|of|on|after|than|worse|better|higher|lower|para|entre|pour|chez|"
    r"parmi|für|unter|bei|per|tra|fra|для|среди|у|из|sur|von|su",
    re.I,
)
# 'older than 60 years', 'aged 65 years', 'mayores de 60 años': a number with an age's unit belongs
# to the subgroup's words.
_AGE_UNIT = re.compile(r"(?:years?|лет|года?|años|anos|ans|Jahren?|anni)\b", re.I)
# 'in those without such exposure', 'for those bridged with chemotherapy': a subgroup of patients
# named by a pronoun.
_THOSE = re.compile(
    r"\b(?:those|aqu[eé]ll[oa]s|(?:los|las|os|as)(?= que\b)|ceux|celles|diejenigen|quelli|тех|те)\b", re.I
)


_NEGATED_BEFORE = re.compile(r"(?<![^\W\d_])(?:without|no|sin|sem|sans|ohne|senza|без|未)\s*$", re.I)


def treatment_phrases(text: str) -> list[ArmPhrase]:
    """Every treatment named, and consecutive treatments joined by '+', 'plus', 'and', '联合' as
    one regimen ('venetoclax + LDAC')."""
    from ingest.extract.lexicon import find_concepts

    # 'без ТГСК', 'without transplant', 'sin rituximab': a treatment after a negation names the arm
    # without it, which the subgroup and rule phrases around it carry; alone it would name the opposite
    mentions = [
        m for m in find_concepts(text, "interventions") if not _NEGATED_BEFORE.search(text, 0, m.start)
    ]
    out = [ArmPhrase(m.start, m.end, m.concept.label, "drug") for m in mentions]
    run = mentions[:1]
    for m in mentions[1:]:
        # a treatment the regimen already holds starts the next arm of a list ('ibrutinib plus
        # rituximab and rituximab alone', 'R-CHOP ve R-CHOP+RT'), not the same regimen again
        repeated = any(m.concept.id == r.concept.id for r in run)
        if _JOINER.match(text[run[-1].end : m.start]) and not repeated:
            run.append(m)
            continue
        if len(run) > 1:
            out.append(_combination(run))
        run = [m]
    if len(run) > 1:
        out.append(_combination(run))
    return out


def _combination(run: list) -> ArmPhrase:
    labels: list[str] = []
    for m in run:
        if m.concept.label not in labels:
            labels.append(m.concept.label)
    return ArmPhrase(run[0].start, run[-1].end, " + ".join(labels), "combination")


def _group_candidates(text: str) -> list[ArmPhrase]:
    """The words beside a group word: up to three before it ('the venetoclax + LDAC arm',
    'kemoterapi grubunda'), up to eight characters before it in CJK text ('单纯化疗组'), and up to
    three after it ('grupo control', 'bras expérimental', 'группе сравнения')."""
    out = []
    for m in cue("group_words").finditer(text):
        if _CJK.match(m.group()):
            if not _CJK_GROUP.match(text, m.start()):
                continue  # 'サイトカイン放出症候群': a syndrome, not a group
            start = m.start()
            while start > 0 and m.start() - start < 8 and _in_cjk_label(text, start - 1):
                start -= 1
            if m.start() - start >= 1:
                out.append(ArmPhrase(start, m.end(), text[start : m.start()].strip(), "group"))
            continue
        if m.start() > 0 and text[m.start() - 1].isalpha():
            # a compound's group word ('Kontrollarm', 'Placebogruppe'): the compound is the phrase
            head = re.search(r"[^\W\d_][\w-]*$", text[: m.start()])
            if head is not None:
                out.append(ArmPhrase(head.start(), m.end(), head.group(), "group"))
            continue
        before = list(_WORD.finditer(text, max(0, m.start() - 40), m.start()))[-3:]
        while before and re.search(r"[,;:.()%]", text[before[0].end() : m.start()]):
            before.pop(0)  # the phrase starts after the last punctuation
        if before and _FUNCTION_WORD.fullmatch(before[-1].group()):
            before = []  # 'témoin et le groupe': the words before 'le groupe' do not name it
        function_words = [k for k, w in enumerate(before) if _FUNCTION_WORD.fullmatch(w.group())]
        if function_words:  # 'patients in the control arm', 'выживаемость в основной группе'
            before = before[function_words[-1] + 1 :]
        while before and before[0].group()[0].isdigit():
            before.pop(0)
        joined = [k for k, w in enumerate(before) if _COORDINATOR.fullmatch(w.group())]
        if joined:
            before = before[joined[-1] + 1 :]  # 'the daratumumab and control arms': 'control arms'
        if before:
            out.append(
                ArmPhrase(before[0].start(), m.end(), text[before[0].start() : m.start()].strip(), "group")
            )
        after = list(_WORD.finditer(text, m.end(), min(len(text), m.end() + 40)))[:3]
        while after and re.search(r"[,;:.()%]", text[m.end() : after[-1].start()]):
            after.pop()  # the phrase ends at the first punctuation
        # 'grupo de control y ...', 'kemoterapi grubu arasındaki ...': after the group word and a
        # 'de' that links it to its name, the name ends at the first function word
        linked = 1 if after and _LINKING_WORD.fullmatch(after[0].group()) else 0
        # a capital letter right after the group word is its name ('groupe A', 'arm B', 'группа А'),
        # not the preposition it spells in French or Spanish
        named = 1 if after and re.fullmatch(r"[A-ZА-Я]", after[0].group()) else 0
        stops = [
            k for k, w in enumerate(after) if k >= max(linked, named) and _FUNCTION_WORD.fullmatch(w.group())
        ]
        if stops:
            after = after[: stops[0]]
        while len(after) > named and (
            _FUNCTION_WORD.fullmatch(after[-1].group()) or after[-1].group()[0].isdigit()
        ):
            after.pop()
        if after:
            out.append(
                ArmPhrase(m.start(), after[-1].end(), text[m.end() : after[-1].end()].strip(), "group")
            )
    return out


def _subgroup_candidates(text: str) -> list[ArmPhrase]:
    """'patients with prior BCMA-directed therapy', 'pacientes sin trasplante', 'больных старше
    60 лет': what follows a patient word and a subgroup word, up to five words or a clause break."""
    out = []
    anchors = [*cue("patient_words").finditer(text), *_THOSE.finditer(text)]
    for m in sorted(anchors, key=lambda a: a.start()):
        before = list(_WORD.finditer(text, max(0, m.start() - 30), m.start()))[-2:]
        stops = [
            k
            for k, w in enumerate(before)
            if _FUNCTION_WORD.fullmatch(w.group()) or _PREPOSITION.fullmatch(w.group())
        ]
        if stops:
            before = before[stops[-1] + 1 :]
        while before and before[0].group()[0].isdigit():
            before.pop(0)
        if _THOSE.fullmatch(m.group()):
            before = []  # 'those' is named by what follows it
        if before and _CJK.search(before[-1].group()) and before[-1].group()[-1].isdigit():
            # 'グレード3のCRSは2例', '嘔吐6例': without spaces the count runs into the words before it,
            # which are the clause, not a group's name
            before = []
        if before and not re.search(r"[,;:.()%]", text[before[0].start() : m.start()]):
            # "BCMA-naive patients", "elderly patients"
            out.append(
                ArmPhrase(before[0].start(), m.end(), text[before[0].start() : m.start()].strip(), "subgroup")
            )
        lead = _SUBGROUP_LEAD.match(text, m.end() + 1) if m.end() < len(text) else None
        if lead is None:
            continue
        words = list(_WORD.finditer(text, lead.end(), min(len(text), lead.end() + 60)))[:5]
        end = lead.end()
        for k, w in enumerate(words):
            number = w.group()[0].isdigit()
            age = number and _AGE_UNIT.match(text, w.end() + 1)
            if (
                re.search(r"[,;:.()%]", text[end : w.start()])
                or (number and k > 0 and not age)
                or _FUNCTION_WORD.fullmatch(w.group())
            ):
                break
            end = w.end()
        if end > lead.end():
            out.append(ArmPhrase(lead.start(), end, text[lead.start() : end].strip(), "subgroup"))
    return out


_PARENTHESIS = re.compile(r"[(（]\s*(?P<label>[^\W\d_][^()（）;；,，=<>≤≥:]{0,40}?)\s*[)）]")
_STATISTIC = re.compile(r"^(?:HR|OR|RR|CI|IC|ДИ|GA|KI|p|n|N|vs|range|IQR)\b", re.I)


def _parenthesis_candidates(text: str) -> list[ArmPhrase]:
    """'ORR was 79% (ELd) and 66% (Ld)': a short name in parentheses, not a statistic."""
    out = []
    for m in _PARENTHESIS.finditer(text):
        label = m["label"].strip()
        if len(_WORD.findall(label)) <= 4 and not _STATISTIC.match(label):
            out.append(ArmPhrase(m.start("label"), m.start("label") + len(label), label, "parenthesis"))
    return out


_CODE = re.compile(r"(?<![\w+/-])[A-Za-z][A-Za-z0-9]*(?:[-+/][A-Za-z0-9]+)*(?![\w+/-])")


def _code_candidates(text: str) -> list[ArmPhrase]:
    """Regimen codes the vocabularies do not know ('ELd versus Ld', 'DA+GO', 'pola-BR', 'ACM'):
    words with two capitals, or short ones with one, that name no endpoint, disease or statistic."""
    from ingest.extract.lexicon import find_concepts

    # an endpoint or a disease ('ALL', 'DLBCL') is what is measured or who is treated, not an arm
    named = find_concepts(text, "endpoints") + find_concepts(text, "diseases")
    out = []
    for m in _CODE.finditer(text):
        word = m.group()
        capitals = sum(ch.isupper() for ch in word)
        if not (capitals >= 2 or (capitals == 1 and word[0].isupper() and len(word) <= 3)):
            continue
        if capitals == 1 and (_FUNCTION_WORD.fullmatch(word) or not text[: m.start()].strip(" :")):
            continue  # "La", "In": a sentence's first word
        if _STATISTIC.match(word) or any(e.start < m.end() and m.start() < e.end for e in named):
            continue
        out.append(ArmPhrase(m.start(), m.end(), word, "code"))
    return out


def _age_candidates(text: str) -> list[ArmPhrase]:
    """'younger than 60 years', 'mayores de 60 años', '60岁以下': a bounded age names a subgroup."""
    from ingest.extract.ages import age_phrases

    return [ArmPhrase(a.start, a.end, text[a.start : a.end], "subgroup") for a in age_phrases(text)]


def arm_candidates(text: str) -> list[ArmPhrase]:
    """Every phrase of a sentence that may name the arm a number belongs to, by start; phrases of
    different sources may overlap (the linker weighs each)."""
    found = [
        *find_arm_phrases(text),
        *treatment_phrases(text),
        *_group_candidates(text),
        *_subgroup_candidates(text),
        *_parenthesis_candidates(text),
        *_code_candidates(text),
    ]
    ages = _age_candidates(text)
    # a phrase cut inside a bounded age ('com menos' of 'com menos de 60 anos') names nothing
    found = [
        a
        for a in found
        if not any(
            g.start < a.end and a.start < g.end and not (a.start <= g.start and g.end <= a.end) for g in ages
        )
    ]
    found.extend(ages)
    subgroups = [a for a in found if a.source == "subgroup"]
    # a code inside a subgroup phrase is its head word ('with prior BCMA-directed therapy'): the
    # phrase, not the code, names the group
    found = [
        a
        for a in found
        if a.source != "code" or not any(s.start <= a.start and a.end <= s.end for s in subgroups)
    ]
    unique: dict[tuple[int, int], ArmPhrase] = {}
    for a in found:
        words = a.label.split()
        if a.source in ("group", "subgroup", "rule") and all(
            not w.isupper()
            and (
                _NOISE.match(w)
                or _FUNCTION_WORD.fullmatch(w)
                or w.isdigit()
                or cue("patient_words").fullmatch(w)
            )
            for w in words
        ):
            continue  # 'both groups', '両群', 'dans les deux groupes', 'cohort of 60 patients': every arm
        if a.label and (a.start, a.end) not in unique:
            unique[(a.start, a.end)] = a
    return sorted(unique.values(), key=lambda a: (a.start, a.end))
