"""A small hand-made knowledge base for the evidence routes (queries, comparisons, pages).

Two papers (Russian and Chinese) whose records cover every filter: diseases with subtypes, drug
classes, lines, populations, own and cited studies, comparisons with p-values, CIs, ±, not
reached, n. The records are written by hand, so these tests do not depend on the extractor; the
texts are real files, so offsets and the paper page can be checked.
"""

from __future__ import annotations

from pathlib import Path

from ingest.ingestion import IngestingKnowledgeBase
from kb.model.rdf_mapping import PaperMeta
from kb.model.records import ConceptRef, OutcomeRecord, PaperRef, Span, StudyRef
from kb.settings import Settings
from kb.store.paper_writes import ExtractedPaper

TEXT_RU = (
    "Блинатумомаб у детей и взрослых\n"
    "В исследовании TOWER медиана ОВ составила 7,7 мес против 4,0 мес (p = 0,01).\n"
    "В нашей группе полная ремиссия достигнута у 84,4% из 109 пациентов.\n"
    "При Ph+ ОЛЛ бессобытийная выживаемость за 18 мес составила 88%.\n"
)
TEXT_ZH = (
    "多发性骨髓瘤与白血病免疫治疗\n"
    "MAIA研究中达雷妥尤单抗组中位PFS未达到，对照组为31.8个月。\n"
    "BCMA CAR-T总缓解率为87.5%（24例）。\n"
    "本研究41例患者3年OS率为48.9％（95％CI 23.0％～70.6％），±误差 5.1。\n"
)


def _span(text: str, sentence: str) -> Span:
    start = text.index(sentence)
    return Span(text=sentence, char_start=start, char_end=start + len(sentence))


def _line(text: str, number: int) -> str:
    return text.splitlines()[number]


def _records(meta: PaperMeta, text: str, rows: list[dict[str, object]]) -> list[OutcomeRecord]:
    out = []
    for index, row in enumerate(rows):
        sentence = _line(text, int(row.pop("line")))  # type: ignore[call-overload]
        fields: dict[str, object] = {
            "id": f"{meta.id}-r{index + 1}",
            "paper": PaperRef(id=meta.id, file=meta.file, title=meta.title, language=meta.language),
            "evidence": _span(text, sentence),
            "mentions": [_span(text, sentence)],
            **row,
        }
        out.append(OutcomeRecord.model_validate(fields))
    return out


def _concept(ident: str, label: str | None = None) -> ConceptRef:
    return ConceptRef(id=ident, label=label or ident)


TOWER = StudyRef(
    id="ru-tower",
    label="TOWER",
    registry_ids=["NCT02013167"],
    is_primary=False,
    design="randomized phase III",
)
RU_OWN = StudyRef(id="ru-own", label="ru (own cohort)", is_primary=True, design="retrospective cohort")
MAIA = StudyRef(
    id="zh-maia", label="MAIA", registry_ids=["NCT02252172"], is_primary=False, design="randomized phase III"
)
ZH_REF = StudyRef(id="zh-ref-13", label="phase I (ref 13)", is_primary=False, design="phase I")
ZH_OWN = StudyRef(id="zh-own", label="zh (own cohort)", is_primary=True, design="retrospective cohort")

ALL = _concept("all", "acute lymphoblastic leukemia")
B_ALL = _concept("b-all", "B-cell acute lymphoblastic leukemia")
PH_ALL = _concept("ph-positive-b-all", "Philadelphia chromosome-positive B-cell acute lymphoblastic leukemia")
NDMM = _concept("ndmm", "newly diagnosed multiple myeloma")
RRMM = _concept("rrmm", "relapsed/refractory multiple myeloma")
BLINA = _concept("blinatumomab")
CHEMO = _concept("chemotherapy")


def papers() -> list[tuple[PaperMeta, str, list[OutcomeRecord]]]:
    ru = PaperMeta(
        id="ru", file="ru.txt", sha256="0" * 64, title="Блинатумомаб у детей и взрослых", language="ru"
    )
    zh = PaperMeta(
        id="zh", file="zh.txt", sha256="1" * 64, title="多发性骨髓瘤与白血病免疫治疗", language="zh"
    )
    ru_rows: list[dict[str, object]] = [
        {
            "line": 1,
            "study": TOWER,
            "arm": "blinatumomab",
            "interventions": [BLINA],
            "antigens": ["CD19", "CD3"],
            "disease": ALL,
            "line_of_therapy": "relapsed/refractory",
            "population": "adult",
            "endpoint": "OS",
            "statistic": "median",
            "value": 7.7,
            "unit": "months",
            "n": 271,
            "p_value": 0.01,
            "p_operator": "=",
            "comparison": "c1",
        },
        {
            "line": 1,
            "study": TOWER,
            "arm": "chemotherapy",
            "interventions": [CHEMO],
            "disease": ALL,
            "line_of_therapy": "relapsed/refractory",
            "population": "adult",
            "endpoint": "OS",
            "statistic": "median",
            "value": 4.0,
            "unit": "months",
            "n": 134,
            "p_value": 0.01,
            "p_operator": "=",
            "comparison": "c1",
        },
        {
            "line": 2,
            "study": RU_OWN,
            "interventions": [BLINA],
            "antigens": ["CD19", "CD3"],
            "disease": B_ALL,
            "line_of_therapy": "second relapse",
            "population": "pediatric",
            "endpoint": "CR",
            "statistic": "rate",
            "value": 84.4,
            "unit": "%",
            "n": 109,
        },
        {
            "line": 3,
            "study": RU_OWN,
            "arm": "Ph+",
            "interventions": [_concept("dasatinib"), BLINA],
            "antigens": ["CD19", "CD3"],
            "disease": PH_ALL,
            "line_of_therapy": "first line",
            "population": "pediatric",
            "endpoint": "EFS",
            "statistic": "rate",
            "time_months": 18.0,
            "value": 88.0,
            "unit": "%",
            "n": 20,
        },
    ]
    zh_rows: list[dict[str, object]] = [
        {
            "line": 1,
            "study": MAIA,
            "arm": "达雷妥尤单抗组",
            "interventions": [_concept("daratumumab"), _concept("lenalidomide")],
            "antigens": ["CD38"],
            "disease": NDMM,
            "line_of_therapy": "newly diagnosed transplant-ineligible",
            "endpoint": "PFS",
            "statistic": "median",
            "value": None,
            "not_reached": True,
            "unit": "months",
            "comparison": "m1",
        },
        {
            "line": 1,
            "study": MAIA,
            "arm": "对照组",
            "interventions": [_concept("lenalidomide")],
            "disease": NDMM,
            "line_of_therapy": "newly diagnosed transplant-ineligible",
            "endpoint": "PFS",
            "statistic": "median",
            "value": 31.8,
            "unit": "months",
            "comparison": "m1",
        },
        {
            "line": 2,
            "study": ZH_REF,
            "interventions": [_concept("bcma-car-t", "BCMA CAR-T")],
            "antigens": ["BCMA"],
            "disease": RRMM,
            "line_of_therapy": "relapsed/refractory",
            "endpoint": "ORR",
            "statistic": "rate",
            "value": 87.5,
            "unit": "%",
            "n": 24,
        },
        {
            "line": 3,
            "study": ZH_OWN,
            "interventions": [_concept("cd19-car-t", "CD19 CAR-T"), _concept("allo-hsct", "allo-HSCT")],
            "antigens": ["CD19"],
            "disease": B_ALL,
            "line_of_therapy": "relapse after allo-HSCT",
            "population": "pediatric",
            "endpoint": "OS",
            "statistic": "rate",
            "time_months": 36.0,
            "value": 48.9,
            "unit": "%",
            "ci_low": 23.0,
            "ci_high": 70.6,
            "ci_level": 0.95,
            "pm": 5.1,
            "n": 41,
        },
    ]
    return [(ru, TEXT_RU, _records(ru, TEXT_RU, ru_rows)), (zh, TEXT_ZH, _records(zh, TEXT_ZH, zh_rows))]


def build(root: Path) -> Settings:
    """Write the two papers under root/papers and ingest them into root/kb; the settings of that KB."""
    folder = root / "papers"
    folder.mkdir(parents=True)
    by_file = {}
    for meta, text, records in papers():
        (folder / meta.file).write_text(text, encoding="utf-8")
        by_file[meta.file] = ExtractedPaper(meta=meta, records=records, text=text)
    settings = Settings(home=root / "kb")
    knowledge_base = IngestingKnowledgeBase(settings, extractor=lambda path: by_file[path.name])
    try:
        report = knowledge_base.ingest_paths([folder])
        assert report.ok, [p.line() for p in report.papers]
    finally:
        knowledge_base.close()
    return settings
