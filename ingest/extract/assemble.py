"""A paper's text in, its outcome records out: sentences, tables and captions, merged."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections import Counter

from ingest.document import PaperDocument
from ingest.extract.abbreviations import paper_abbreviations
from ingest.extract.arm_labels import english_arm
from ingest.extract.budget import charge
from ingest.extract.calibration import Calibration
from ingest.extract.context import (
    COMPARATOR_CLASSES,
    Pico,
    car_t_products,
    combine,
    paper_pico,
    pico_of,
    specific_car_t,
    split_arms,
    therapeutic,
)
from ingest.extract.draft import ResultDraft
from ingest.extract.figures import cited_figure, figure_endpoints
from ingest.extract.follow_up import follow_ups
from ingest.extract.learned import LearnedParts
from ingest.extract.lexicon import find_concepts, first_concept
from ingest.extract.merge import merge_restatements
from ingest.extract.report_kind import SECONDARY
from ingest.extract.sentences import Draft, LinkTrace, extract_sentence
from ingest.extract.studies import StudyContext, StudyTracker
from ingest.extract.tables import TableCell, parse_captions, parse_tables
from ingest.extract.values import cohort_sizes, find_p_values
from ingest.normalize import NormalizedText, normalize
from ingest.segment import Sentence, split_sentences
from kb.model.records import ConceptRef, FollowUp, OutcomeRecord, PaperRef, Span, StudyRef
from kb.vocab import Concept, concept, cue

_COHORT_SIZE = re.compile(
    r"(?<![\d.,])(\d{2,5})\s*(?:例|名|пациент\w*|больн\w*|дет\w*|взросл\w*|patients|children|adults|"
    r"hasta\w*|çocu\w*|yetişkin\w*|eri[şs]kin\w*|infant\w*)"
)
_NEGATION = re.compile(r"\bбез\b|\bне\b|without|\bno\b|\bnot\b|\w+m[ae]yan|olmadan|未|不|なし|無し", re.I)
_N_EQUALS = re.compile(r"\bn\s*=\s*(\d+)", re.I)


def _statistic(d: Draft) -> tuple[str, str, float | None, bool]:
    v = d.value
    if v.kind == "rate":
        return "rate", "%", v.value, False
    if v.kind == "not_reached":
        return "median", "months", None, True
    if v.kind == "ratio":
        return "hazard_ratio", "ratio", v.value, False
    return "median", v.unit, v.value, False


def _cohort_size(text: str, before: int, counts: set[int]) -> int | None:
    """The cohort a sentence states before a result ('Для всех 109 пациентов', 'n = 57'), not
    counting numbers that are the counts of its results ('36 例(87.8%)')."""
    sizes = [int(m.group(1)) for m in _N_EQUALS.finditer(text, 0, before)]
    sizes += [int(m.group(1)) for m in _COHORT_SIZE.finditer(text, 0, before)]
    sizes = [n for n in sizes if n not in counts]
    return max(sizes) if sizes else None


def _disjoint(groups: list[list[Concept]]) -> bool:
    seen: set[str] = set()
    for group in groups:
        ids = {c.id for c in group}
        if ids & seen:
            return False
        seen |= ids
    return True


def _unique_concepts(concepts: list[Concept]) -> list[Concept]:
    return list({c.id: c for c in concepts}.values())


def _most_common_cohort(sentences: list[Sentence]) -> tuple[int, Sentence] | None:
    """The paper's cohort: the patient count it states most often ('41例', '109 пациентов'), with
    the first sentence that states it (a record given that size quotes it)."""
    sizes = Counter(int(m.group(1)) for s in sentences for m in _COHORT_SIZE.finditer(s.text))
    common = [(count, size) for size, count in sizes.items() if count >= 2]
    if not common:
        return None
    size = max(common)[1]
    first = next(s for s in sentences if any(int(m.group(1)) == size for m in _COHORT_SIZE.finditer(s.text)))
    return size, first


class PaperExtractor:
    """Walks one paper: attributes each sentence to a study and turns its numbers into drafts."""

    def __init__(
        self,
        document: PaperDocument,
        parts: LearnedParts | None = None,
        trace: list[LinkTrace] | None = None,
    ) -> None:
        self.document = document
        self.parts = parts
        self.trace = trace
        self.norm: NormalizedText = normalize(document.text, cjk=document.language in ("zh", "ja"))
        self.sentences: list[Sentence] = split_sentences(self.norm.text)
        self.paper_context: Pico = paper_pico([s.text for s in self.sentences])
        self.paper_car_t = car_t_products([s.text for s in self.sentences])
        self.study_context: dict[str, Pico] = {}
        trials = parts.trial_tagger.mentions(self.norm.text) if parts and parts.trial_tagger else []
        report = parts.report_kind if parts else None
        secondhand = report is not None and report.kind(self.norm.text, trials) == SECONDARY
        self.tracker = StudyTracker(
            self.norm.text,
            authors=document.authors,
            year=document.year,
            trials=trials,
            secondhand=secondhand,
        )
        self._prior_cohort: int | None = None
        self._figures = figure_endpoints(document.text)
        self._endpoint_context: tuple[Concept, int] | None = None
        self._recent: list[list[ResultDraft]] = []
        self._recent_index = -2  # the index of the sentence of the last results
        self._previous_interventions: list[Concept] = []
        self.own_cohort = _most_common_cohort(self.sentences)
        self._previous: list[Draft] = []
        self._last_endpoint: Concept | None = None  # of the last result stated in a sentence

    def _follow_up(self, sentence: Sentence) -> FollowUp | None:
        """The first follow-up the sentence states, with its words in the source text."""
        found = follow_ups(sentence.text)
        if not found:
            return None
        start, end = self.norm.source_span(sentence.start + found[0].start, sentence.start + found[0].end)
        evidence = Span(text=self.document.text[start:end], char_start=start, char_end=end)
        return FollowUp(months=found[0].months, median=found[0].median, evidence=evidence)

    def drafts(self) -> list[ResultDraft]:
        cells, regions = parse_tables(self.document.text)
        captions = parse_captions(self.document.text)
        self.consumed = regions + [c.evidence for c in captions]
        out: list[ResultDraft] = []
        if self.tracker.has_own_cohort:
            out += [self._cell_draft(c, 0.75) for c in cells]
            out += [self._cell_draft(c, 0.7) for c in captions]
        lead_start = 0
        for index, sentence in enumerate(self.sentences):
            charge(index, len(self.sentences))
            # the previous sentence (its last 400 characters), where an arm may be named
            lead, lead_start = self.norm.text[lead_start : sentence.start][-400:], sentence.start
            study = self.tracker.attribute(sentence.text)
            pico = pico_of(sentence.text)
            pico.interventions = specific_car_t(pico.interventions, self.paper_car_t, not study.is_primary)
            if not therapeutic(pico.interventions) and cue("treatment_anaphor").search(sentence.text):
                pico.interventions = [*self._previous_interventions, *pico.interventions]  # "这种治疗方案"
            if therapeutic(pico.interventions):
                self._previous_interventions = pico.interventions
            known = self.study_context.get(study.key)
            if known is None or (therapeutic(pico.interventions) and not therapeutic(known.interventions)):
                known = self.study_context[study.key] = pico
            if study.is_primary:
                known = known.filled_from(self.paper_context)
            main = self.paper_context.interventions if study.is_primary else None
            if cue("background").search(sentence.text) and not pico.interventions:
                continue
            if study.key == "unspecified":
                continue  # a review's own statements without a source are background, not results
            if study.follow_up is None:
                study.follow_up = self._follow_up(sentence)
            context = self._context_endpoint(sentence.text)
            traced = len(self.trace) if self.trace is not None else 0
            sentence_drafts = extract_sentence(
                sentence.text,
                self._prior_cohort,
                context,
                self.parts,
                self.trace,
                self._last_endpoint,
                lead=lead,
            )
            for entry in self.trace[traced:] if self.trace is not None else ():
                entry.source = self.norm.source_span(
                    sentence.start + entry.value.start, sentence.start + entry.value.end
                )
                entry.arm_sources = [
                    self.norm.source_span(sentence.start + s, sentence.start + e)
                    for (s, e), _ in entry.arm_pairs
                ]
            if not sentence_drafts:
                self._p_value_for_recent(sentence)
            self._inherit_from_previous(sentence.text, sentence_drafts)
            sizes = cohort_sizes(sentence.text)
            self._prior_cohort = sizes[-1][1] if sizes else None
            produced: list[ResultDraft] = []
            effective = combine(pico, known, main)
            if effective.disease is None:
                effective.disease = self.paper_context.disease  # a topical paper's disease
            if not therapeutic(effective.interventions):
                # a cited result with no treatment named anywhere ("Bir Faz III çalışmada, SiSS %16"), or
                # only a transplant ("...в ремиссии без ТГСК"), is about the treatment the paper is about
                effective.interventions = _unique_concepts(
                    [*self.paper_context.interventions, *effective.interventions]
                )
            for group in _by_group(sentence_drafts):
                produced.extend(self._to_drafts(sentence, study, effective, group))
            if produced and self._recent and self._recent_index == index - 1:
                _share_hazard_ratio(self._recent[-1], produced)  # of the sentence just before
            if produced:
                self._recent_index = index
            self._recent = [*self._recent[-1:], produced] if produced else self._recent
            if produced:
                self._last_endpoint = concept("endpoints", produced[-1].endpoint)
            out.extend(produced)
        return out

    def _context_endpoint(self, text: str) -> Concept | None:
        """The endpoint of a figure the sentence cites, kept for the two sentences that follow; or
        the endpoint a heading-like sentence names ('Critère principal : survie sans progression.',
        'Overall survival.'), kept for the two sentences after it, which give its numbers."""
        figure = cited_figure(text)
        if figure and figure in self._figures:
            self._endpoint_context = (self._figures[figure], 3)
        heading = _heading_endpoint(text)
        if heading is not None:
            self._endpoint_context = (heading, 3)
        if self._endpoint_context is None:
            return None
        concept, remaining = self._endpoint_context
        self._endpoint_context = (concept, remaining - 1) if remaining > 1 else None
        return concept

    def _p_value_for_recent(self, sentence: Sentence) -> None:
        """'Различия достоверны - р = 0,0004.': a sentence with only a p-value compares the results
        of one endpoint stated in the sentences just before it; it becomes one of their mentions."""
        text = sentence.text
        p_values = find_p_values(text)
        if len(p_values) != 1 or not self._recent:
            return
        # results already compared without a p-value ("S2 – 66,8%, наименьшие – 34,2%") and those of
        # the next sentence ("со вторым рецидивом 54,7%") are one comparison the p-value closes
        recent = [d for batch in self._recent for d in batch if d.p_value is None and d.hazard_ratio is None]
        endpoints = {d.endpoint for d in recent}
        if len(recent) < 2 or len(endpoints) != 1:
            return
        key = f"p@{text[:40]}"
        stated = self.norm.source_span(sentence.start, sentence.end)
        for d in recent:
            d.comparison_key, d.p_value, d.p_operator = key, p_values[0].value, p_values[0].operator
            d.mentions.append(stated)
        self._recent = []

    def _inherit_from_previous(self, text: str, drafts: list[Draft]) -> None:
        """'Similarly, the corresponding values were ...': the time point and arms of the
        previous sentence's results carry over to these."""
        if drafts and cue("corresponding").search(text) and self._previous:
            times = [d.time_months for d in self._previous if d.time_months is not None]
            previous_arms = [d.arm for d in self._previous if d.group is not None]
            members = [d for d in drafts if d.group is not None]
            for d in drafts:
                if d.time_months is None and d.value.kind == "rate" and times:
                    d.time_months = times[-1]
            if members and len(previous_arms) >= len(members) and all(d.arm is None for d in members):
                for d, arm in zip(members, previous_arms[-len(members) :], strict=True):
                    d.arm = arm
        if drafts:
            self._previous = drafts

    def _arm_drugs(self, arm: str | None, interventions: list[Concept]) -> list[Concept]:
        """The treatments an arm label names; 'CAR-T' names the paper's CAR-T products."""
        if not arm:
            return []
        named = [c for c in interventions if any(p.search(arm) for p in c.patterns)]
        if not named and first_concept(arm, "interventions") is not None:
            generic = first_concept(arm, "interventions")
            named = specific_car_t([generic], self.paper_car_t) if generic else []
            named = [c for c in named if c in interventions] or named
        return named

    def _cell_draft(self, c: TableCell, confidence: float) -> ResultDraft:
        pico = self.paper_context
        return ResultDraft(
            endpoint=c.endpoint,
            statistic="rate",
            unit="%",
            value=c.value,
            decimals=c.decimals,
            study=self.tracker.own,
            evidence=c.evidence,
            pm=c.pm,
            n=c.n,
            count=c.count,
            p_value=c.p_value,
            p_operator=c.p_operator,
            arm=c.arm,
            interventions=list(pico.interventions),
            disease=pico.disease,
            line=pico.line,
            population=pico.population,
            comparison_key=c.group,
            confidence=confidence,
            origin="table",
            mentions=[c.evidence, *c.sources],
            tabular=True,
        )

    def _in_consumed(self, source_pos: int) -> bool:
        return any(a <= source_pos < b for a, b in self.consumed)

    def _to_drafts(
        self, sentence: Sentence, study: StudyContext, pico: Pico, group: list[Draft]
    ) -> list[ResultDraft]:
        evidence = self.norm.source_span(sentence.start, sentence.end)
        group = [d for d in group if not self._in_consumed(self.norm.offsets[sentence.start + d.start])]
        experimental, comparator = split_arms(pico.interventions, sentence.text)
        result = []
        counts = {d.value.count for d in group if d.value.count is not None}
        seen_arms: set[str] = set()
        for d in group:
            if d.arm in seen_arms:
                d.arm = None  # one phrase cannot name two arms of a comparison
            elif d.arm:
                seen_arms.add(d.arm)
        arm_drugs_of = [self._arm_drugs(d.arm, pico.interventions) for d in group]
        separate_arms = len(group) > 1 and all(arm_drugs_of) and _disjoint(arm_drugs_of)
        for k, d in enumerate(group):
            statistic, unit, value, not_reached = _statistic(d)
            interventions = pico.interventions
            arm, arm_stated = d.arm, True
            if separate_arms:
                interventions = arm_drugs_of[k]  # "分别采用 CART 和 DLI": each arm is its own treatment
            elif len(group) > 1 and arm and _NEGATION.search(arm):
                # "без ТГСК", "nakil yapılmayanlarda", "without transplant": the arm lacks what it names
                interventions = [c for c in pico.interventions if not any(p.search(arm) for p in c.patterns)]
            elif len(group) > 1:
                arm_drugs = [c for c in pico.interventions if arm and any(p.search(arm) for p in c.patterns)]
                if arm_drugs and all(c.extra.get("drug_class") in COMPARATOR_CLASSES for c in arm_drugs):
                    interventions = arm_drugs  # "kemoterapi grubunda", "標準化学療法群"
                elif arm_drugs:
                    # "InO群", "получивших ТГСК": the named drug, with the treatment under study
                    under_study = [
                        c for c in experimental if c.extra.get("drug_class") not in COMPARATOR_CLASSES
                    ]
                    interventions = _unique_concepts([*under_study, *arm_drugs])
                elif comparator:
                    interventions = experimental if k == 0 else comparator
                elif arm and any(
                    arm_drugs_of[j] and not _NEGATION.search(group[j].arm or "")
                    for j in range(len(group))
                    if j != k
                ):
                    # "daratumumab + Rd (70.6%) vs control (55.6%)": the arm compared with the one
                    # named after a drug lacks that drug (the add-on design of most trials); its
                    # backbone is what else the sentence, or else the paper, names
                    added = {
                        c.id
                        for j, drugs in enumerate(arm_drugs_of)
                        if j != k and not _NEGATION.search(group[j].arm or "")
                        for c in drugs
                    }
                    interventions = [c for c in pico.interventions if c.id not in added] or [
                        c for c in self.paper_context.interventions if c.id not in added
                    ]
                if arm is None:
                    arm = " + ".join(c.label for c in interventions) or None
                    arm_stated = False
            n = d.value.n or (_cohort_size(sentence.text, d.start, counts) if len(group) == 1 else None)
            mentions = [evidence]
            if n is None and study.is_primary and len(group) == 1 and arm is None and self.own_cohort:
                n, stated_in = self.own_cohort
                mentions.append(self.norm.source_span(stated_in.start, stated_in.end))
            draft = ResultDraft(
                endpoint=d.endpoint,
                statistic=statistic,
                unit=unit,
                value=value,
                decimals=d.value.decimals,
                study=study,
                evidence=evidence,
                not_reached=not_reached,
                time_months=d.time_months,
                pm=d.value.pm,
                ci_low=d.value.ci_low,
                ci_high=d.value.ci_high,
                n=n,
                count=d.value.count,
                p_value=d.p_value.value if d.p_value else None,
                p_operator=d.p_value.operator if d.p_value else None,
                hazard_ratio=d.value.value if statistic == "hazard_ratio" else d.hazard_ratio,
                arm=arm,
                arm_stated=arm_stated,
                interventions=list(interventions),
                disease=pico.disease,
                line=pico.line,
                population=pico.population,
                grade=d.grade,
                event=d.event,
                comparison_key=f"{sentence.start}:{d.group}" if d.group is not None else None,
                both_arms=d.both_arms,
                confidence=d.confidence if d.confidence is not None else 0.85 if d.group is None else 0.8,
                origin=d.origin,
                mentions=mentions,
                derived=dict(d.value.derived),
            )
            result.append(draft)
        _one_arm_per_comparison(result, [d.baseline for d in group])
        return result


def _one_arm_per_comparison(results: list[ResultDraft], baseline: list[bool]) -> None:
    """Two numbers of one comparison are two arms. Where the arm made from the paper's treatments
    (not stated) would label several of them, it labels only the one a reader takes for the
    treatment's: the first ('higher with blinatumomab (44% vs 25%)'), or the end of a change
    ('OS von 4,7 auf 12,4 Monate'); none where another number states it. The others are unnamed.
    (An arm that only shares its treatments with a stated one is kept: measured, clearing those
    lost more right arms than wrong ones.)"""
    is_baseline = {id(d): b for d, b in zip(results, baseline, strict=True)}
    for members in _comparisons_of(results).values():
        derived = [d for d in members if d.arm and not d.arm_stated]
        stated = {d.arm for d in members if d.arm and d.arm_stated}
        labels = [d.arm for d in derived]
        colliding = [d for d in derived if labels.count(d.arm) > 1 or d.arm in stated]
        keep = next((d for d in colliding if not is_baseline[id(d)] and d.arm not in stated), None)
        for d in colliding:
            if d is not keep:
                d.arm = None


def _comparisons_of(batch: list[ResultDraft]) -> dict[str, list[ResultDraft]]:
    out: dict[str, list[ResultDraft]] = {}
    for d in batch:
        if d.comparison_key and d.statistic != "hazard_ratio":
            out.setdefault(d.comparison_key, []).append(d)
    return out


# A heading is short: at most this many words, and characters (CJK sentences have no spaces).
_HEADING_WORDS = 10
_HEADING_CHARS = 60
_CJK_HEADING_CHARS = 20


def _heading_endpoint(text: str) -> Concept | None:
    """The one endpoint a short sentence without numbers names, as a heading does."""
    cjk = re.search(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", text)
    limit = _CJK_HEADING_CHARS if cjk else _HEADING_CHARS
    if re.search(r"\d", text) or len(text.split()) > _HEADING_WORDS or len(text.strip()) > limit:
        return None
    concepts = {m.concept.id: m.concept for m in find_concepts(text, "endpoints")}
    return next(iter(concepts.values())) if len(concepts) == 1 else None


def _share_hazard_ratio(previous: list[ResultDraft], current: list[ResultDraft]) -> None:
    """'Median PFS was 10.3 months with A and 4.7 months with B. The hazard ratio for progression
    or death was 0.54 (95% CI ...; P = 0.008).': a hazard ratio with its p-value, stated in a
    sentence next to the one comparison of its endpoint that has neither, is that comparison's
    (either order); the comparison takes its p-value and ratio. Only where each side is alone: one
    ratio and no comparison of its own, one comparison without a ratio or a p-value."""
    for first, second in ((previous, current), (current, previous)):
        ratios = [d for d in second if d.statistic == "hazard_ratio"]
        if len(ratios) != 1 or ratios[0].p_value is None or _comparisons_of(second):
            continue
        ratio = ratios[0]
        if any(d.statistic == "hazard_ratio" for d in first):
            continue
        open_groups = [
            members
            for members in _comparisons_of(first).values()
            if members[0].endpoint == ratio.endpoint
            and all(d.p_value is None and d.hazard_ratio is None for d in members)
        ]
        if len(open_groups) != 1 or len(_comparisons_of(first)) != 1:
            continue
        for d in open_groups[0]:
            d.p_value, d.p_operator, d.hazard_ratio = ratio.p_value, ratio.p_operator, ratio.value
            d.mentions.append(ratio.evidence)
        return


def _by_group(drafts: list[Draft]) -> list[list[Draft]]:
    groups: dict[object, list[Draft]] = {}
    for i, d in enumerate(drafts):
        groups.setdefault(d.group if d.group is not None else f"single-{i}", []).append(d)
    return list(groups.values())


def assemble_records(
    document: PaperDocument, parts: LearnedParts | None = None, calibration: Calibration | None = None
) -> list[OutcomeRecord]:
    """The paper's records; `calibration` turns each record's raw score into the probability that
    it is right (without one, `confidence` is the raw score)."""
    return [record for _, record in draft_records(document, parts, calibration)]


def draft_records(
    document: PaperDocument, parts: LearnedParts | None = None, calibration: Calibration | None = None
) -> list[tuple[ResultDraft, OutcomeRecord]]:
    """Each record with the draft it was made from (its origin and raw score)."""
    with paper_abbreviations(document.text):
        extractor = PaperExtractor(document, parts)
        drafts = merge_restatements(_each_of_both_arms(extractor.drafts()))
        return to_records(document, drafts, calibration)


def _each_of_both_arms(drafts: list[ResultDraft]) -> list[ResultDraft]:
    """'Median EFS was 3.0 months in both groups', '両群ともに3.0ヵ月': a result stated for every arm
    at once is a result of each of the study's two arms, as its comparisons name them, compared
    with each other. A study whose comparisons name no single pair of arms keeps the one result."""
    pairs: dict[str, Counter[tuple[str, str]]] = {}
    carriers: dict[tuple[str, str], ResultDraft] = {}
    for members in _comparisons_of(drafts).values():
        stated = {d.arm: d for d in members if d.arm and d.arm_stated}
        if len(stated) == 2:
            first, second = sorted(stated)
            pairs.setdefault(members[0].study.key, Counter())[(first, second)] += 1
            for arm, d in stated.items():
                carriers.setdefault((members[0].study.key, arm), d)
    out: list[ResultDraft] = []
    for d in drafts:
        counts = pairs.get(d.study.key)
        if not d.both_arms or d.arm is not None or not counts or d.statistic == "hazard_ratio":
            out.append(d)
            continue
        (arms, _), *rest = counts.most_common(2)
        if rest and rest[0][1] == counts[arms]:
            out.append(d)  # two pairs as often: which two arms is not clear
            continue
        for arm in arms:
            carrier = carriers[(d.study.key, arm)]
            out.append(
                dataclasses.replace(
                    d,
                    arm=arm,
                    arm_stated=True,
                    interventions=list(carrier.interventions),
                    comparison_key=f"both:{d.evidence[0]}:{d.endpoint}:{d.value}",
                    mentions=list(d.mentions),
                    derived=dict(d.derived),
                )
            )
    return out


def _arm_labels(drafts: list[ResultDraft]) -> dict[str, str | None]:
    """The English label of each arm phrase; where two phrases of one comparison would get the same
    label ('单纯化疗组' and '伊珠单抗联合化疗组' both 'chemotherapy' when one drug is unknown), both
    keep their words: a label must not merge the arms it compares."""
    labels = {d.arm: english_arm(d.arm) for d in drafts if d.arm}
    by_comparison: dict[str, dict[str | None, set[str]]] = {}
    for d in drafts:
        if d.arm and d.comparison_key:
            by_comparison.setdefault(d.comparison_key, {}).setdefault(labels[d.arm], set()).add(d.arm)
    for groups in by_comparison.values():
        for phrases in groups.values():
            if len(phrases) > 1:
                labels.update({p: p for p in phrases})
    return labels


def _slug(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-").lower()


def _record_id(document: PaperDocument, d: ResultDraft) -> str:
    key = "|".join(
        str(x)
        for x in (
            document.id,
            d.study.key,
            d.endpoint,
            d.statistic,
            d.time_months,
            d.value,
            d.not_reached,
            d.arm_key,
            d.event,
            d.grade,
            d.pm,
        )
    )
    return f"{document.id}-r-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:10]}"


# The least calibrated probability of a record that is kept: below it, nine in ten held-out records
# of the same score were wrong (ingest/extract/calibration.py).
MIN_PROBABILITY = 0.1


def to_records(
    document: PaperDocument, drafts: list[ResultDraft], calibration: Calibration | None = None
) -> list[tuple[ResultDraft, OutcomeRecord]]:
    source = document.text
    paper = PaperRef(id=document.id, file=document.file, title=document.title, language=document.language)
    if calibration is not None:
        # a result the calibrated models call wrong nine times in ten is not stated as a fact
        drafts = [d for d in drafts if calibration.probability(d.origin, d.confidence) >= MIN_PROBABILITY]
    ids: dict[str, int] = {}
    records: list[tuple[ResultDraft, str]] = []
    for d in sorted(drafts, key=lambda d: (d.evidence[0], d.endpoint, d.value or 0)):
        rid = _record_id(document, d)
        ids[rid] = ids.get(rid, 0) + 1
        records.append((d, rid if ids[rid] == 1 else f"{rid}-{ids[rid]}"))
    comparison_ids: dict[str, str] = {}
    for d, rid in records:
        if d.comparison_key and d.comparison_key not in comparison_ids:
            comparison_ids[d.comparison_key] = rid.replace("-r-", "-cmp-")
    arm_labels = _arm_labels([d for d, _ in records])
    out = []
    for d, rid in records:
        s, e = d.evidence
        antigens: list[str] = []
        for c in d.interventions:
            for a in c.antigens:
                if a not in antigens:
                    antigens.append(a)
        mentions = sorted(set(d.mentions))
        out.append(
            (
                d,
                OutcomeRecord(
                    id=rid,
                    paper=paper,
                    study=StudyRef(
                        id=f"{document.id}-study-{_slug(d.study.key)}",
                        label=d.study.label,
                        registry_ids=d.study.registry_ids,
                        is_primary=d.study.own_research,
                        design=d.study.design,
                        follow_up=d.study.follow_up,
                    ),
                    arm=arm_labels.get(d.arm) if d.arm else None,
                    arm_text=d.arm if d.arm_stated else None,
                    interventions=[ConceptRef(id=c.id, label=c.label) for c in d.interventions],
                    antigens=antigens,
                    disease=ConceptRef(id=d.disease.id, label=d.disease.label) if d.disease else None,
                    line_of_therapy=d.line.label if d.line else None,
                    population=d.population.label if d.population else None,
                    endpoint=d.endpoint,
                    statistic=d.statistic,
                    time_months=d.time_months,
                    value=d.value,
                    unit=d.unit,
                    not_reached=d.not_reached,
                    ci_low=d.ci_low,
                    ci_high=d.ci_high,
                    ci_level=0.95 if d.ci_low is not None or d.ci_high is not None else None,
                    pm=d.pm,
                    n=d.n,
                    count=d.count,
                    p_value=d.p_value,
                    p_operator=d.p_operator,
                    hazard_ratio=d.hazard_ratio,
                    comparison=comparison_ids.get(d.comparison_key) if d.comparison_key else None,
                    grade=d.grade,
                    event=d.event,
                    confidence=calibration.probability(d.origin, d.confidence)
                    if calibration
                    else d.confidence,
                    evidence=Span(text=source[s:e], char_start=s, char_end=e),
                    mentions=[Span(text=source[a:b], char_start=a, char_end=b) for a, b in mentions],
                    derived=sorted(d.derived),
                    derived_from=dict(sorted(d.derived.items())),
                ),
            )
        )
    return out
