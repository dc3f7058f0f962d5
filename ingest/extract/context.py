"""PICO context of a result: interventions, antigens, disease, line of therapy, population.

A sentence names some of them; what it leaves out comes from the study it reports (as first
described) and, for the paper's own cohort, from the paper as a whole.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ingest.extract.lexicon import find_concepts
from kb.vocab import Concept

COMPARATOR_CLASSES = {"chemotherapy", "standard of care", "placebo"}
BACKGROUND_CLASSES = {
    "chemotherapy",
    "standard of care",
    "placebo",
    "transplant",
    "corticosteroid",
    "cellular therapy",
}


@dataclass
class Pico:
    interventions: list[Concept] = field(default_factory=list)
    disease: Concept | None = None
    line: Concept | None = None
    population: Concept | None = None

    def filled_from(self, other: Pico) -> Pico:
        return Pico(
            interventions=self.interventions or list(other.interventions),
            disease=self.disease or other.disease,
            line=self.line or other.line,
            population=self.population or other.population,
        )


def therapeutic(concepts: list[Concept]) -> list[Concept]:
    return [c for c in concepts if c.extra.get("drug_class") not in BACKGROUND_CLASSES]


def combine(sentence: Pico, study: Pico, paper_main: list[Concept] | None = None) -> Pico:
    """The PICO of a result: what its sentence names, completed from its study (and, for the
    paper's own cohort, from the paper). A sentence naming only background treatment
    ("...after transplant") keeps the study's drugs."""
    interventions = list(sentence.interventions)
    if not therapeutic(interventions):
        interventions = _unique(list(study.interventions) + interventions)
    if paper_main:
        interventions = _unique(list(paper_main) + interventions)
    return Pico(
        interventions=interventions,
        disease=sentence.disease or study.disease,
        line=sentence.line or study.line,
        population=sentence.population or study.population,
    )


def specific_car_t(
    interventions: list[Concept], paper_car_t: list[Concept], cited: bool = False
) -> list[Concept]:
    """'CART' in a paper about CD19-/CD22-CAR-T cells means those products; in a cited study, the
    paper's most mentioned product (the other study used one product, most likely the usual one)."""
    if paper_car_t and any(c.id == "car-t" for c in interventions):
        products = paper_car_t[:1] if cited else paper_car_t
        out: list[Concept] = []
        for c in interventions:
            out.extend(products if c.id == "car-t" else [c])
        return _unique(out)
    return interventions


def _unique(concepts: list[Concept]) -> list[Concept]:
    seen: dict[str, Concept] = {}
    for c in concepts:
        seen.setdefault(c.id, c)
    return list(seen.values())


def _specific_interventions(found: list[Concept]) -> list[Concept]:
    """Drop a concept when a narrower one is named: the generic CAR-T when a targeted CAR-T or a
    product is named, CD19 CAR-T when its product (axicabtagene ciloleucel) is."""
    broader = {str(c.extra["parent"]) for c in found if c.extra.get("parent")}
    targeted = any(c.extra.get("drug_class") == "CAR-T" and c.id != "car-t" for c in found)
    return [c for c in found if c.id not in broader and not (c.id == "car-t" and targeted)]


def _expand_regimens(found: list[Concept]) -> list[Concept]:
    """'RD', 'Kd', 'VMP' stand for their component drugs."""
    from kb.vocab import concept

    out: list[Concept] = []
    for c in found:
        components = c.extra.get("components")
        out.extend([concept("interventions", i) for i in components] if components else [c])
    return _unique(out)


def pico_of(text: str) -> Pico:
    found = [m.concept for m in find_concepts(text, "interventions")]
    interventions = _specific_interventions(_expand_regimens(found))
    diseases = [m.concept for m in find_concepts(text, "diseases")]
    lines = [m.concept for m in find_concepts(text, "lines")]
    populations = [m.concept for m in find_concepts(text, "populations")]
    return Pico(
        interventions=interventions,
        disease=_most_specific(diseases),
        line=lines[0] if lines else None,
        population=populations[0] if populations else None,
    )


def _most_specific(diseases: list[Concept]) -> Concept | None:
    if not diseases:
        return None
    parents = {d.extra.get("parent") for d in diseases}
    leaves = [d for d in diseases if d.id not in parents]
    return (leaves or diseases)[0]


def paper_pico(sentences: list[str]) -> Pico:
    """The paper's dominant intervention(s), disease, line and population."""
    drug_counts: Counter[str] = Counter()
    by_id: dict[str, Concept] = {}
    disease_counts: Counter[str] = Counter()
    line_counts: Counter[str] = Counter()
    population_counts: Counter[str] = Counter()
    for s in sentences:
        p = pico_of(s)
        for c in p.interventions:
            by_id[c.id] = c
            if c.extra.get("drug_class") not in BACKGROUND_CLASSES:
                drug_counts[c.id] += 1
        for kind, counter in (
            ("diseases", disease_counts),
            ("lines", line_counts),
            ("populations", population_counts),
        ):
            for m in find_concepts(s, kind):
                by_id[f"{kind}:{m.concept.id}"] = m.concept
                counter[m.concept.id] += 1
    top = [by_id[i] for i, _ in drug_counts.most_common(1)]
    specific = [by_id[i] for i in drug_counts if by_id[i].extra.get("drug_class") == "CAR-T" and i != "car-t"]
    if top and top[0].id == "car-t" and specific:
        top = specific
    disease = _dominant(disease_counts, by_id, "diseases")
    return Pico(
        interventions=top,
        disease=disease,
        line=_dominant(line_counts, by_id, "lines"),
        population=_dominant(population_counts, by_id, "populations"),
    )


def _dominant(counts: Counter[str], by_id: dict[str, Concept], kind: str) -> Concept | None:
    if not counts:
        return None
    return by_id[f"{kind}:{counts.most_common(1)[0][0]}"]


def car_t_products(sentences: list[str]) -> list[Concept]:
    """The specific CAR-T products a paper names, most mentioned first."""
    found: dict[str, Concept] = {}
    mentions: Counter[str] = Counter()
    for s in sentences:
        for m in find_concepts(s, "interventions"):
            if m.concept.extra.get("drug_class") == "CAR-T" and m.concept.id != "car-t":
                found.setdefault(m.concept.id, m.concept)
                mentions[m.concept.id] += 1
    return sorted(found.values(), key=lambda c: -mentions[c.id])


def split_arms(interventions: list[Concept], sentence: str = "") -> tuple[list[Concept], list[Concept]]:
    """(experimental, comparator) interventions of a two-arm comparison: against chemotherapy or
    standard care when one is named; "A with or without X" compares A + X with A; otherwise the
    arms are subgroups of one treatment and share it."""
    from kb.vocab import cue

    comparators = [c for c in interventions if c.extra.get("drug_class") in COMPARATOR_CLASSES]
    experimental = [c for c in interventions if c not in comparators]
    if comparators and experimental:
        return experimental, comparators
    either = cue("with_or_without").search(sentence)
    if either:
        added = find_concepts(sentence, "interventions", either.end(), min(len(sentence), either.end() + 40))
        added_ids = {m.concept.id for m in added}
        backbone = [c for c in interventions if c.id not in added_ids]
        if added_ids and backbone:
            return interventions, backbone
    return interventions, []
