"""Which study a sentence reports: the paper's own cohort, a named trial, or a cited study.

Cues, strongest first: a named trial or registry id; an author citation ("Topp и соавт.",
"Hua 等", "Gaballa ve ark."); a reference marker ([13], (17), ４）) resolved through the study
that reference was first named with; an anaphor ("this study") carrying the previous study; an
own-study cue ("our study", "本研究"); and otherwise the paper's own cohort (original articles)
or the study of the previous sentence (reviews).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.extract.study_names import TrialMention
from kb.model.records import FollowUp
from kb.vocab import concepts, cue

_REGISTRY = re.compile(r"\bNCT\d{8}\b")
_AUTHOR = re.compile(
    r"(?P<name>[A-ZА-ЯÇĞİÖŞÜ][a-zа-яёçğıöşü]+(?:-[A-Z][a-z]+)?)\s*"
    r"(?:(?:et al\.?|и соавт\.?|и др\.|ve ark\.?(?:'?[a-zğışöüç]*)?|ve arkadaşlar[ıi]\w*)|(?=等|ら[はがの]))"
)
# Reference markers: [13], [10-11], (17), (3,6) and the Japanese superscript "良好で4)". A number
# in parentheses right after another number is a "n (%)" cell, not a reference.
_REF = re.compile(
    r"\[(?P<a>\d{1,3})(?:\s*[-,]\s*\d{1,3})*\]"
    r"|(?<![\d%]\s)(?<![\d%])\((?P<b>\d{1,3})(?:\s*,\s*\d{1,3})*\)"
    r"|(?<=[\u3040-\u30ff])(?P<c>\d{1,2})\)"
)
# A study named by the group that ran it: "Children's Oncology Group (COG) ... çalışmada",
# "来自于EBMT的资料", "по данным CIBMTR".
_ORG_WORDS = (
    r"(?:Group|Center|Centre|Consortium|Society|Network|Registry|Institute|Foundation|Organi[sz]ation)"
)
_ORG_STUDY = re.compile(
    rf"(?:[A-Z][\w']+\s+){{0,6}}{_ORG_WORDS}(?:\s+[A-Za-z][\w']+){{0,4}}\s*\((?P<acr>[A-Z]{{2,8}})\)"
    r"|(?:来自于?|from the|по данным|according to)\s*(?P<src>[A-Z]{3,8})\b"
)
_DESIGNATED_STUDY = re.compile(
    r"\b(?:an?|one|another|the) (?:[\w/-]+ ){0,5}(?:study|trial)\b|(?:一项|一个)[^。，,]{0,20}(?:研究|试验)|"
    r"\bbir (?:[\w/-]+ ){0,5}çal[ıi]şma|в (?:одном |другом )?(?:[\w-]+ ){0,4}исследовани\w*",
    re.I,
)
_STUDY_WORD = re.compile(r"study|trial|çal[ıi]şma|исследован|研究|試験|资料|data|данным", re.I)
_ANAPHOR = re.compile(
    r"эт\w+ исследовани\w*|в данном исследовании|this (?:study|trial)|the same study|bu çal[ıi]şma\w*|"
    r"该研究|此研究|本試験|同試験",
    re.I,
)
_PHASES = [
    (
        r"phase\s*(?:I/II|1/2)\b|faz\s*I/II|I/II\s*фаз\w*|фаз\w*\s*I/II|I/II期|第I/II相|fase\s*(?:I/II|1/2)\b"
        r"|Phase-(?:I/II|1/2)\b|(?<![\d.])(?:I/II|1/2)\s*상\b",
        "phase I/II",
    ),
    (
        r"phase\s*(?:III|3)\b|faz\s*III\b|III\s*фаз\w*|фаз\w*\s*III\b|III期|Ⅲ期|第III相|第Ⅲ相|fase\s*(?:III|3)\b"
        r"|Phase-(?:III|3)\b|(?<![\d.])(?:III|3)\s*상\b",
        "phase III",
    ),
    (
        r"phase\s*(?:II|2)\b|faz[- ]?II\b|II\s*фаз\w*|фаз\w*\s*II\b|II期|Ⅱ期|第II相|第Ⅱ相|fase\s*(?:II|2)\b"
        r"|Phase-(?:II|2)\b|(?<![\d.])(?:II|2)\s*상\b",
        "phase II",
    ),
    (
        r"phase\s*(?:I|1)\b|faz\s*I\b|I\s*фаз\w*|фаз\w*\s*I\b|\bI\s*期|Ⅰ期|第I相|第Ⅰ相|fase\s*(?:I|1)\b"
        r"|Phase-(?:I|1)\b|(?<![\d./])(?:I|1)\s*상\b",
        "phase I",
    ),
]
_PHASE_PATTERNS = [(re.compile(pattern, re.I), name) for pattern, name in _PHASES]
_RANDOMIZED = re.compile(
    r"randomi[sz]ed|рандомизир\w*|randomize|随机|無作為化|ランダム化|aleatori[sz]ad\w*|randomi[sz]ad[oa]s?\b"
    r"|randomis[ée]e?s?\b|randomisiert\w*|randomizzat\w*|무작위|랜덤화",
    re.I,
)
_SINGLE_ARM = re.compile(
    r"single[- ]arm|tek kollu|однорукав\w*|单臂|単群|(?:de )?(?:un )?(?:solo )?brazo [úu]nico|un solo brazo"
    r"|bra[çc]o [úu]nico|bras unique|einarmig\w*|a braccio singolo|단일군|단일 ?팔",
    re.I,
)
_OTHER_DESIGNS = [
    (
        re.compile(
            r"ретроспектив\w*|retrospective|回顾性|geriye dönük|後方視的|retrospectiv[oa]s?\b"
            r"|r[ée]trospecti(?:f|ve)s?|retrospektiv\w*|retrospettiv\w*|후향적|retrospektif",
            re.I,
        ),
        "retrospective cohort",
    ),
    (
        re.compile(
            r"case report|olgu sunumu|клиническ\w* случа\w*|症例報告|个案|reporte de (?:un )?caso"
            r"|relato de caso|cas clinique|Fallbericht|caso clinico|증례 ?보고",
            re.I,
        ),
        "case report",
    ),
    (
        re.compile(
            r"expanded[- ]access|genişletilmiş erişim\w*|расширенн\w* доступ\w*|acceso expandido"
            r"|acesso expandido|acc[èe]s [ée]largi|拓展性临床试验|拡大アクセス",
            re.I,
        ),
        "expanded access",
    ),
]


@dataclass
class StudyContext:
    key: str
    label: str
    is_primary: bool
    registry_ids: list[str] = field(default_factory=list)
    design: str | None = None
    # The paper's main study, in a text that reports on it rather than by its authors (news of a
    # trial, a package insert): attributed like the own cohort, but not the paper's own research.
    secondhand: bool = False
    # The first follow-up stated in a sentence attributed to the study
    follow_up: FollowUp | None = None

    @property
    def own_research(self) -> bool:
        """What the records say as `is_primary`."""
        return self.is_primary and not self.secondhand


def design_of(text: str) -> str | None:
    """'randomized phase III', 'single-arm phase II', 'retrospective cohort', 'case report'."""
    phase = next((name for pattern, name in _PHASE_PATTERNS if pattern.search(text)), None)
    if phase:
        if _RANDOMIZED.search(text):
            return f"randomized {phase}"
        if _SINGLE_ARM.search(text):
            return f"single-arm {phase}"
        return phase
    return next((name for pattern, name in _OTHER_DESIGNS if pattern.search(text)), None)


def named_trial(text: str) -> StudyContext | None:
    hits = []
    for trial in concepts("trials"):
        for pattern in trial.patterns:
            m = pattern.search(text)
            if m:
                hits.append((m.start(), trial))
                break
    if not hits:
        return None
    _, trial = min(hits, key=lambda h: h[0])
    registry = list(trial.extra.get("registry_ids") or [])
    return StudyContext(trial.label, trial.label, False, registry, trial.extra.get("design"))


def principal_trial(trials: list[TrialMention], head: int = 300) -> str | None:
    """The trial a text is about: the most used of the trial names it states in its head (a text
    reporting on others' research: anywhere)."""
    in_head = {t.name for t in trials if t.start < head}
    counts = Counter(t.name for t in trials if t.name in in_head)
    first = {t.name: t.start for t in reversed(trials)}
    return max(counts, key=lambda name: (counts[name], -first[name]), default=None)


class StudyTracker:
    """Walks a paper's sentences in order and attributes each to a study.

    `trials`: the trial names the tagger found in the text; `secondhand`: the text reports on
    others' research (the report-kind classifier), so its main study is not its own."""

    def __init__(
        self,
        paper_text: str,
        own_label: str | None = None,
        trials: list[TrialMention] | None = None,
        secondhand: bool = False,
        authors: tuple[str, ...] = (),
        year: int | None = None,
    ) -> None:
        names = sorted({t.name for t in trials or []}, key=len, reverse=True)
        self._trial_names = (
            re.compile(rf"(?<![A-Za-z0-9-])(?:{'|'.join(map(re.escape, names))})(?![A-Za-z0-9])")
            if names
            else None
        )
        principal = principal_trial(trials or [], head=len(paper_text) if secondhand else 300)
        self.has_own_cohort = _has_own_cohort(paper_text) or (secondhand and principal is not None)
        design = design_of(paper_text[:6000])
        label = own_label or own_cohort_label(authors, year, design)
        self.own = StudyContext("own", label, True, [], design, secondhand=secondhand)
        self.own_named = False  # whether the own study's label is a trial's name
        if self.has_own_cohort and not secondhand:
            self.own.registry_ids = _own_registry(paper_text)
        if secondhand and not principal:
            self.own.label = "unnamed study the text reports on"
        if principal:
            known = named_trial(principal)
            self.own.label = known.label if known else principal
            self.own_named = True
            self.own.registry_ids = known.registry_ids if known else []
            self.own.design = self.own.design or (known.design if known else None)
        self.by_ref: dict[str, StudyContext] = {}
        # one object per study of the paper, by key: what a sentence finds (its follow-up, design,
        # registry ids) is the study's, whichever sentence named it (the graph has one node per study)
        self._studies: dict[str, StudyContext] = {"own": self.own}
        self.previous: StudyContext | None = None
        self.carried = 0
        self._unnamed = 0

    def attribute(self, sentence: str) -> StudyContext:
        refs = [m["a"] or m["b"] or m["c"] for m in _REF.finditer(sentence)]
        if (
            self.has_own_cohort
            and not refs
            and cue("own_study").search(sentence)
            and not _AUTHOR.search(sentence)
        ):
            # "In this randomized phase III trial (NCT...)": the trial named is the paper's own
            trial = named_trial(sentence)
            registry = _REGISTRY.findall(sentence)
            if trial and not self.own.registry_ids and not self.own_named:
                self.own.label, self.own_named = trial.label, True
            self.own.registry_ids = sorted(
                set(self.own.registry_ids) | set(registry) | set(trial.registry_ids if trial else [])
            )
            self.own.design = design_of(sentence) or self.own.design
            self.previous, self.carried = self.own, 0
            return self.own
        study = self._explicit(sentence)
        if study is not None:
            study = self._one_per_key(study)
        if study is None and _ANAPHOR.search(sentence) and self.previous and not self.previous.is_primary:
            study = self.previous
        if study is None and cue("own_study").search(sentence):
            study = self.own  # "в нашей работе также ... [1, 14]": our result, compared with the cited
        if study is None and refs:
            study = self._one_per_key(self._from_ref(refs[0], sentence))
        if study is None and self._prior_report(sentence):
            self._unnamed += 1
            study = StudyContext(
                f"study-{self._unnamed}", "previously reported study", False, [], design_of(sentence)
            )
            study = self._one_per_key(study)
        elif study is not None and refs:
            for ref in refs:
                self.by_ref.setdefault(ref, study)
        if study is None:
            study = self._default()
        else:
            self.carried = 0
        self.previous = study
        return study

    def _explicit(self, sentence: str) -> StudyContext | None:
        trial = named_trial(sentence) or self._tagged_trial(sentence)
        registry = _REGISTRY.findall(sentence)
        if trial and trial.label == self.own.label:
            return self.own
        if trial:
            trial.registry_ids = sorted(set(trial.registry_ids) | set(registry))
            trial.design = design_of(sentence) or trial.design
            return trial
        author = _AUTHOR.search(sentence)
        if author:
            label = f"{author['name']} et al."
            return StudyContext(label, label, False, registry, design_of(sentence))
        if registry:
            return StudyContext(registry[0], registry[0], False, registry, design_of(sentence))
        design = design_of(sentence)
        if design and _DESIGNATED_STUDY.search(sentence) and not cue("own_study").search(sentence):
            # "A phase 2 study of inotuzumab in 49 patients ...": an unnamed cited study
            self._unnamed += 1
            return StudyContext(f"study-{self._unnamed}", f"{design} study", False, [], design)
        org = _ORG_STUDY.search(sentence)
        if org and _STUDY_WORD.search(sentence):
            name = org["acr"] or org["src"]
            design = design_of(sentence)
            label = f"{name} {design}" if design else name
            return StudyContext(f"org-{name}", label, False, [], design)
        return None

    @staticmethod
    def _prior_report(sentence: str) -> bool:
        """'Previous studies have reported an ORR of 73%', 'по данным литературы ...': others' result,
        named by no trial, author or reference; not when it is set beside the paper's own result."""
        return bool(cue("prior_reports").search(sentence)) and not cue("compared_with_prior").search(sentence)

    def _one_per_key(self, study: StudyContext) -> StudyContext:
        """The study met first under this key, with the registry ids and design this mention adds."""
        known = self._studies.setdefault(study.key, study)
        if known is not study:
            known.registry_ids = sorted(set(known.registry_ids) | set(study.registry_ids))
            known.design = known.design or study.design
        return known

    def _tagged_trial(self, sentence: str) -> StudyContext | None:
        """A trial the tagger found in the text, named in this sentence."""
        m = self._trial_names.search(sentence) if self._trial_names else None
        return StudyContext(m.group(), m.group(), False, [], None) if m else None

    def _from_ref(self, ref: str, sentence: str) -> StudyContext:
        known = self.by_ref.get(ref)
        if known is not None and not (cue("another_study").search(sentence) and known.key != f"ref-{ref}"):
            return known
        # "başka bir çalışmada ... (10)": a review cites one source for several trials, so a study
        # the sentence sets apart from the ones named before is not the trial that reference named.
        design = design_of(sentence)
        label = f"{design} (ref {ref})" if design else f"cited study (ref {ref})"
        study = StudyContext(f"ref-{ref}" if known is None else f"ref-{ref}-other", label, False, [], design)
        self.by_ref.setdefault(ref, study)
        return study

    def _default(self) -> StudyContext:
        if self.previous is not None and not self.previous.is_primary and self.carried < 2:
            self.carried += 1
            return self.previous
        self.carried = 0
        if self.has_own_cohort:
            return self.own
        return StudyContext("unspecified", "unspecified cited study", False)


def _has_own_cohort(text: str) -> bool:
    """An original article reports its own cohort; a review or a case report does not."""
    head = text[:8000]
    return not (cue("review").search(head) or cue("case_report").search(head[:600]))


_INITIALS = re.compile(r"^(?:[A-ZА-ЯЁ][a-zа-яё]?\.\s*-?)+$")


def _own_registry(paper_text: str) -> list[str]:
    """An original article's registration ("This trial was registered at clinicaltrials.gov
    #NCT03016871", "Phase 3〔NCT00355199〕"): the one registry id the text states, unless a trial
    name stands right beside it (then it is that trial's, attributed where it is named)."""
    found = set(_REGISTRY.findall(paper_text))
    if len(found) != 1:
        return []
    registry = found.pop()
    at = paper_text.index(registry)
    beside = paper_text[max(0, at - 40) : at + len(registry) + 40]
    return [] if named_trial(beside) else [registry]


def own_cohort_label(authors: tuple[str, ...], year: int | None, design: str | None) -> str:
    """The label of a paper's own study when it names no trial: its first author and year
    ("Vavilova et al. 2023 cohort"), else its design ("this paper's retrospective cohort"), never
    the file name."""
    if authors:
        words = [w for w in re.split(r"[\s,]+", authors[0]) if w and not _INITIALS.match(w)]
        surname = max(words, key=len) if words else authors[0]
        return f"{surname} et al. {year} cohort" if year else f"{surname} et al. cohort"
    return f"this paper's {design}" if design else "this paper's own cohort"
