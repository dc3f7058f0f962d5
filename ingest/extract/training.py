"""Annotations in, the endpoint linker out; and the scores that tell whether it helps.

    python -m ingest.extract.training fit          # rebuild models/endpoint_linker.json from the annotations
    python -m ingest.extract.training cv [--keep DIR]   # cross-validated scores on the tune part (by paper)
    python -m ingest.extract.training annotate     # (re)draft annotations from curator gold (see below)

Annotations (`annotations/*.jsonl`) are labels with character offsets into texts that stay outside
the repository: the shipped corpus (`data/papers`) and the tune part of `../shared/dev/texts`
(`HEMEKB_SHARED` points elsewhere). One line per stated number that reports a result:
`{"text": "dev/dA_01_en.txt", "start": 10, "end": 13, "endpoints": ["PFS"]}`. They were drafted
by `annotate` from the curators' gold (every occurrence of a gold value in its text, labelled with
the gold endpoint) and are kept as data: correct a line by hand, then `fit`.

Every number the extractor considers and every endpoint mention of its sentence form a pair; a
pair is positive when the number's span overlaps an annotation listing the mention's endpoint.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import read_paper
from ingest.extract.abbreviations import paper_abbreviations
from ingest.extract.arm_linker import ArmLinker
from ingest.extract.arm_training import arm_examples, load_arm_annotations
from ingest.extract.assemble import PaperExtractor, assemble_records, draft_records
from ingest.extract.calibration import CALIBRATION_PATH, Calibration
from ingest.extract.endpoint_classifier import MODEL_PATH as CLASSIFIER_PATH
from ingest.extract.endpoint_classifier import NONE, EndpointClassifier
from ingest.extract.endpoint_linker import MODEL_PATH as LINKER_PATH
from ingest.extract.endpoint_linker import EndpointLinker
from ingest.extract.learned import LearnedParts, pipeline_parts
from ingest.extract.sentences import LinkTrace
from ingest.extract.study_training import fit_study_models
from kb.vocab import read_yaml

REPO = Path(__file__).resolve().parents[2]
ANNOTATIONS = Path(__file__).parent / "annotations"
NUMBER = re.compile(r"(?<![\d.,·])\d+(?:[.,·]\d+)?(?![\d]|[.,·]\d)")


def shared_dir() -> Path:
    return Path(os.environ.get("HEMEKB_SHARED", REPO.parent / "shared"))


def text_path(ref: str) -> Path:
    """'corpus/000_x.txt' is a shipped paper; 'dev/dA_01_en.txt' a text of ../shared/dev/texts."""
    kind, name = ref.split("/", 1)
    if kind == "corpus":
        return REPO / "data" / "papers" / name
    if kind == "dev":
        return shared_dir() / "dev" / "texts" / name
    raise ValueError(f"unknown text collection {kind!r} in {ref!r}; known: corpus, dev")


@dataclass(frozen=True)
class Annotation:
    text: str
    start: int
    end: int
    endpoints: tuple[str, ...]


def load_annotations(paths: Iterable[Path] | None = None) -> dict[str, list[Annotation]]:
    by_text: dict[str, list[Annotation]] = {}
    for path in paths or sorted(ANNOTATIONS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                a = Annotation(row["text"], row["start"], row["end"], tuple(row["endpoints"]))
                by_text.setdefault(a.text, []).append(a)
    return by_text


def trace_paper(ref: str) -> list[LinkTrace]:
    """Every number the extractor considers in one text, with its features."""
    trace: list[LinkTrace] = []
    document = read_paper(text_path(ref))
    with paper_abbreviations(document.text):
        PaperExtractor(document, parts=None, trace=trace).drafts()
    return trace


@dataclass
class TrainingSet:
    pairs: list[dict[str, float]]  # endpoint linker: (number, mention) pairs
    links: list[int]
    contexts: list[dict[str, float]]  # endpoint classifier: numbers
    endpoints: list[str]
    arm_pairs: list[dict[str, float]] = field(default_factory=list)  # arm linker: (number, phrase)
    arm_links: list[int] = field(default_factory=list)

    def extend(self, other: TrainingSet) -> None:
        self.pairs += other.pairs
        self.links += other.links
        self.contexts += other.contexts
        self.endpoints += other.endpoints
        self.arm_pairs += other.arm_pairs
        self.arm_links += other.arm_links


def training_set(ref: str, annotations: list[Annotation], arms: list[dict] | None = None) -> TrainingSet:
    out = TrainingSet([], [], [], [])
    entries = trace_paper(ref)
    out.arm_pairs, out.arm_links = arm_examples(entries, [(a.start, a.end) for a in annotations], arms or [])
    for entry in entries:
        s, e = entry.source or (0, 0)
        wanted = sorted({code for a in annotations if a.start < e and s < a.end for code in a.endpoints})
        for code, features in entry.pairs:
            out.pairs.append(features)
            out.links.append(int(code in wanted))
        if entry.value.kind != "ratio":
            named = [code for code, _ in entry.pairs if code in wanted]
            out.contexts.append(entry.context)
            out.endpoints.append((named or wanted or [NONE])[0])
    return out


def fit(refs: Iterable[str], annotations: dict[str, list[Annotation]]) -> LearnedParts:
    refs = list(refs)
    data = TrainingSet([], [], [], [])
    arms = load_arm_annotations()
    for ref in refs:
        data.extend(training_set(ref, annotations.get(ref, []), arms.get(ref, [])))
    tagger, report = fit_study_models(refs)
    return LearnedParts(
        linker=EndpointLinker().fit(data.pairs, data.links),
        classifier=EndpointClassifier().fit(data.contexts, data.endpoints),
        trial_tagger=tagger,
        report_kind=report,
        arm_linker=ArmLinker().fit(data.arm_pairs, data.arm_links),
    )


def export_jsonl(refs: Iterable[str], parts: LearnedParts | None, out: Path) -> None:
    """Records of the texts as `kb export outcomes --format jsonl` writes them, for the scorer."""
    with out.open("w", encoding="utf-8") as fh:
        for ref in refs:
            for record in assemble_records(read_paper(text_path(ref)), parts):
                fh.write(record.model_dump_json() + "\n")


def score(gold: Path, pred: Path) -> dict:
    scorer = shared_dir() / "eval" / "score.py"
    done = subprocess.run(
        [sys.executable, str(scorer), "--gold", str(gold), "--pred", str(pred), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


# -- drafting annotations from gold ------------------------------------------------------------


def _gold_papers(path: Path) -> list[dict]:
    return read_yaml(path)


def draft_annotations(ref: str, results: list[dict]) -> list[dict]:
    """Every number in the text equal (within the scorer's 0.051) to a gold value, labelled with
    the gold endpoints of that value; a not-reached median labels the words that say so. Where a
    value occurs several times, only the occurrences whose sentence names the endpoint are kept,
    if any does: "4.9%" of aGVHD is not the "4.9%" of a patient characteristic."""
    from ingest.extract.lexicon import find_concepts
    from ingest.normalize import normalize
    from ingest.segment import split_sentences
    from kb.vocab import cue

    document = read_paper(text_path(ref))
    source = document.text
    norm = normalize(source, cjk=document.language in ("zh", "ja"))
    sentences = [(*norm.source_span(s.start, s.end), s.text) for s in split_sentences(norm.text)]

    def named_in_sentence(span: tuple[int, int], codes: list[str]) -> bool:
        for start, end, text in sentences:
            if start <= span[0] < end:
                return any(m.concept.id in codes for m in find_concepts(text, "endpoints"))
        return False

    labels: dict[tuple[int, int], set[str]] = {}
    for g in results:
        codes = g["endpoint"] if isinstance(g["endpoint"], list) else [g["endpoint"]]
        if g.get("not_reached"):
            spans = [(m.start(), m.end()) for m in cue("not_reached").finditer(source)]
        elif g.get("value") is not None:
            value = float(g["value"])
            # numbers as the extractor reads them ("19. 3" in a PDF's text is 19.3), at source offsets
            spans = [
                norm.source_span(m.start(), m.end())
                for m in NUMBER.finditer(norm.text)
                if abs(float(re.sub(r"[,·]", ".", m.group())) - value) <= 0.051
            ]
        else:
            spans = []
        named = [span for span in spans if named_in_sentence(span, codes)]
        for span in named or spans:
            labels.setdefault(span, set()).update(codes)
    return [
        {"text": ref, "start": s, "end": e, "endpoints": sorted(codes)}
        for (s, e), codes in sorted(labels.items())
    ]


def annotate() -> None:
    sets = {
        "corpus": (shared_dir() / "gold" / "seeds.yaml", "corpus"),
        "dev-tune": (shared_dir() / "dev" / "gold-tune.yaml", "dev"),
    }
    for name, (gold, collection) in sets.items():
        rows: list[dict] = []
        for paper in _gold_papers(gold):
            rows += draft_annotations(f"{collection}/{paper['paper']}.txt", paper["results"])
        ANNOTATIONS.mkdir(exist_ok=True)
        out = ANNOTATIONS / f"{name}.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{out}: {len(rows)} annotated numbers")


# -- commands ----------------------------------------------------------------------------------


def training_texts(annotations: dict[str, list[Annotation]]) -> list[str]:
    return sorted(annotations)


def _scorer():
    """The evaluation's own matcher (../shared/eval/score.py), so that 'right' means what it means
    there."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hemekb_score", shared_dir() / "eval" / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def judged_records(
    refs: list[str], parts: LearnedParts | None, gold_path: Path, calibration: Calibration | None = None
) -> list[tuple[str, float, float, bool]]:
    """(origin, raw score, confidence, right) of every record of the texts: right when the gold has
    its endpoint and value, and its time point where the gold states one."""
    scorer = _scorer()
    gold, _ = scorer.load_gold([str(gold_path)])
    out = []
    for ref in refs:
        pairs = draft_records(read_paper(text_path(ref)), parts, calibration)
        records = [json.loads(r.model_dump_json()) for _, r in pairs]
        matched, _ = scorer.match_paper(gold.get(Path(ref).stem, []), records)
        right = {id(r) for g, r in matched if _same_time(g, r)}
        for (draft, _), record in zip(pairs, records, strict=True):
            out.append((draft.origin, draft.confidence, record["confidence"], id(record) in right))
    return out


def _same_time(gold: dict, record: dict) -> bool:
    if gold.get("time_months") is None:
        return True
    return record.get("time_months") is not None and abs(record["time_months"] - gold["time_months"]) < 0.5


def cross_validate(
    folds: int = 5, ablations: bool = True, keep: Path | None = None
) -> list[tuple[str, float, float, bool]]:
    """Tune texts split by paper into folds; each fold scored by models fitted on the corpus and
    the other folds. The held-out scores are what a new paper can expect; the held-out records
    are what the confidence is calibrated on (returned). `keep`: a folder to copy the held-out
    records into, one JSONL per variant, for `score.py --misses`."""
    annotations = load_annotations()
    tune = [r for r in training_texts(annotations) if r.startswith("dev/")]
    corpus = [r for r in training_texts(annotations) if r.startswith("corpus/")]
    gold = shared_dir() / "dev" / "gold-tune.yaml"
    variants = {
        "grammar only": lambda p: None,
        "linker": lambda p: LearnedParts(linker=p.linker),
        "classifier": lambda p: LearnedParts(classifier=p.classifier),
        "linker + classifier": lambda p: LearnedParts(linker=p.linker, classifier=p.classifier),
        "linker + study models": pipeline_parts,
        "all": lambda p: p,
    }
    if not ablations:
        variants = {"linker + study models": pipeline_parts}  # what the extractor runs
    judged: list[tuple[str, float, float, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        preds = {name: Path(tmp) / f"{k}.jsonl" for k, name in enumerate(variants)}
        for path in preds.values():
            path.write_text("")
        for k in range(folds):
            held = tune[k::folds]
            parts = fit(corpus + [r for r in tune if r not in held], annotations)
            judged += judged_records(held, pipeline_parts(parts), gold)
            for name, select in variants.items():
                part = Path(tmp) / "part.jsonl"
                export_jsonl(held, select(parts), part)
                with preds[name].open("a", encoding="utf-8") as fh:
                    fh.write(part.read_text(encoding="utf-8"))
        for name, path in preds.items():
            s = score(gold, path)
            langs = "  ".join(f"{k} {v['recall']} {v['precision']}" for k, v in s["languages"].items())
            print(f"{name:20} recall {s['recall']:.3f} precision {s['precision']:.3f}   {langs}")
            if keep is not None:
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, keep / f"{name.replace(' ', '_').replace('+', 'and')}.jsonl")
    return judged


def fit_all() -> None:
    """The shipped models and their calibration, rebuilt from the annotations."""
    annotations = load_annotations()
    parts = fit(training_texts(annotations), annotations)
    assert parts.linker is not None and parts.classifier is not None
    assert parts.trial_tagger is not None and parts.report_kind is not None
    parts.linker.save(LINKER_PATH)
    parts.classifier.save(CLASSIFIER_PATH)
    parts.trial_tagger.save()
    parts.report_kind.save()
    assert parts.arm_linker is not None
    parts.arm_linker.save()
    print(f"{parts.arm_linker.model_path}: {len(parts.arm_linker.weights_)} weights")
    for name, weight in parts.arm_linker.top_features(12):
        print(f"  {weight:+.3f}  {name}")
    print(f"{parts.trial_tagger.model_path}: {len(parts.trial_tagger.weights_)} weights")
    print(f"{parts.report_kind.model_path}: {dict(parts.report_kind.top_features(6))}")
    print(f"{LINKER_PATH}: {len(parts.linker.weights_)} weights")
    for name, weight in parts.linker.top_features(12):
        print(f"  {weight:+.3f}  {name}")
    print(f"{CLASSIFIER_PATH}: {len(parts.classifier.classes_)} classes x {len(parts.classifier.features_)}")
    judged = cross_validate(ablations=False)
    calibration = Calibration().fit(
        [o for o, *_ in judged], [s for _, s, _, _ in judged], [r for *_, r in judged]
    )
    calibration.save(CALIBRATION_PATH)
    print(f"{CALIBRATION_PATH}: calibrated on {len(judged)} held-out records")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ingest.extract.training", description=__doc__)
    parser.add_argument("command", choices=["fit", "cv", "annotate"])
    parser.add_argument("--keep", type=Path, help="cv: folder for the held-out records, per variant")
    args = parser.parse_args(argv)
    if args.command == "annotate":
        annotate()
    elif args.command == "cv":
        cross_validate(keep=args.keep)
    else:
        fit_all()


if __name__ == "__main__":
    main()
