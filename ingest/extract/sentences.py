"""One sentence in, result drafts out: numbers paired with endpoints, time points, arms, p-values.

Pairing rules, shared by every language:
- "respectively" lists (соответственно, sırasıyla, 分别) zip endpoints with numbers; one endpoint
  with several numbers means one result per arm, compared with each other;
- endpoints named together and followed by as many numbers (or comparisons), with no word
  "respectively" ("the ORR and CR rates were 93% and 91%", "CR和ORR (38.9%比21.5%; 83.3%比60.2%)"),
  are zipped in the order written;
- otherwise a number takes the nearest endpoint before it, unless it is the subject of its clause
  ("у 47,7% пациентов удалось достичь ППР", "%39'unda ... tam remisyon"), when it takes the next;
- consecutive numbers of one endpoint joined by a comparison word (vs, против, 对, 比, karşı,
  に比して) or naming different arms form a comparison and share the p-value that follows them.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass, field
from functools import cache

from ingest.extract.arm_features import ArmView, arm_pair_features
from ingest.extract.arms import ArmPhrase, arm_candidates, find_arm_phrases, treatment_phrases
from ingest.extract.endpoint_classifier import NONE, EndpointClassifier, context_features
from ingest.extract.endpoint_linker import EndpointLinker
from ingest.extract.learned import LearnedParts
from ingest.extract.lexicon import Mention, find_concepts
from ingest.extract.link_features import SentenceView, pair_features
from ingest.extract.timepoints import TimePoint, find_time_points
from ingest.extract.values import PValue, Value, find_p_values, find_values, is_change, words_around
from kb.vocab import Concept, concept, cue

_PATIENT_AFTER = re.compile(
    r"^\s*(?:\)\s*)?(?:пациент\w*|больн\w*|дет\w*|человек|"
    r"of (?:the )?(?:patients|children|cases)|of them|из них|的?患者|の患者|例)",
    re.I,
)
_PATIENT_BEFORE = re.compile(r"(?:\bу|\bв)\s*$", re.I)
_CLAUSE_BREAK = re.compile(r"[;。]|, (?:а|но|while|whereas|ancak)\b")
_CLAUSE_END = re.compile(r"[;；。]")


def _clause_end(text: str, start: int) -> int:
    stop = _CLAUSE_END.search(text, start)
    return stop.start() if stop else len(text)


# The words of every language are grammar.yaml's (grade_word, or_higher); the shapes are here.
_GRADE_WORD = f"(?:{cue('grade_word').pattern})"
_GRADE = re.compile(
    rf"(?:{_GRADE_WORD}\s*(?P<f>\d)\s*(?:{cue('or_higher').pattern})|"
    rf"{_GRADE_WORD}\s*(?P<a>[≥>]=?\s*\d|\d(?:\s*-\s*\d)?)|(?P<b>\d)\s*级及?以上|"
    r"(?P<c>[ⅠⅡⅢⅣIV]+~[ⅠⅡⅢⅣIV]+)\s*度|(?P<d>\d)\s*级|herhangi bir grade\S*|any grade|любой степени|"
    # "3-й степени и выше", "3. derece ve üzeri", "3–4-й степени": the number before the word
    rf"(?P<h>\d)(?:-?[йи]|-?ей|\.)?\s*(?:степен\w*|derece)\s*(?:{cue('or_higher').pattern})|"
    r"(?P<g>\d(?:\s*[–-]\s*\d)?)(?:-?[йи]|-?ей|\.)?\s*(?:степен\w*|derece)|"
    r"(?P<e>广泛型))",
    re.I,
)


@dataclass
class Draft:
    endpoint: str
    value: Value
    start: int  # sentence-local span of the number
    end: int
    time_months: float | None = None
    arm: str | None = None
    interventions: list[Concept] = field(default_factory=list)
    group: int | None = None
    p_value: PValue | None = None
    hazard_ratio: float | None = None
    grade: str | None = None
    event: str | None = None
    confidence: float | None = None  # the learned part's probability of the endpoint
    origin: str = "grammar"  # what chose the endpoint: "linker", "classifier" or "grammar"
    baseline: bool = False  # the starting number of a change ('from 18% to 40%'), not the treatment's
    both_arms: bool = False  # stated for every arm at once ('3.0 months in both groups')


@dataclass
class LinkTrace:
    """The pairs the linker scored for one number: for training and for reading its choices."""

    value: Value
    pairs: list[tuple[str, dict[str, float]]]  # (endpoint code of the mention, features)
    source: tuple[int, int] | None = None  # the number's offsets in the paper, set by the paper's walk
    context: dict[str, float] = field(default_factory=dict)  # the endpoint classifier's features
    # the arm linker's candidates for the number: (sentence-local span, features); and their spans
    # in the paper, set by the paper's walk
    arm_pairs: list[tuple[tuple[int, int], dict[str, float]]] = field(default_factory=list)
    arm_sources: list[tuple[int, int]] = field(default_factory=list)


def _endpoints_from_context(
    text: str, values: list[Value], classifier: EndpointClassifier
) -> dict[int, tuple[Mention, float]]:
    """Each number's endpoint as the classifier reads it from the words around it, as a mention
    of no width at the number (nothing in the sentence names it); keyed by the number's start."""
    out: dict[int, tuple[Mention, float]] = {}
    for v in values:
        if v.kind == "ratio":
            continue
        code, p = classifier.predict(context_features(text, v))
        if code != NONE:
            out[v.start] = (Mention(v.start, v.start, concept("endpoints", code)), p)
    return out


def _link(
    view: SentenceView,
    proposed: dict[int, Mention | None],
    linker: EndpointLinker | None,
    trace: list[LinkTrace] | None,
) -> tuple[dict[int, Mention | None], dict[int, float]]:
    """Each number's endpoint by the linker: the best-scored mention, if it clears the threshold.
    Hazard ratios keep the grammar's choice: their endpoint is what they are a ratio of."""
    chosen: dict[int, Mention | None] = {}
    confidence: dict[int, float] = {}
    for i, v in enumerate(view.values):
        if v.kind == "ratio" or not view.mentions:
            if proposed.get(i) is not None:
                chosen[i] = proposed[i]
            continue
        pairs = [(m, pair_features(view, i, m)) for m in view.mentions]
        if trace is not None:
            pair_codes = [(m.concept.id, f) for m, f in pairs]
            trace.append(LinkTrace(v, pair_codes, context=context_features(view.text, v)))
        if linker is None:
            if proposed.get(i) is not None:
                chosen[i] = proposed[i]
            continue
        best_p, best = max(((linker.score(f), m) for m, f in pairs), key=lambda pm: pm[0])
        if best_p >= linker.threshold:
            chosen[i], confidence[i] = _anchor(view, i, best, proposed.get(i)), best_p
    return chosen, confidence


def _able_to_take(mentions: list[Mention], v: Value) -> list[Mention]:
    """The mentions whose endpoint can be a number of this kind (a time is a survival endpoint's);
    words that take a number to make no record of it ('achieved PR') may take any. All of them if
    none can."""
    able = [m for m in mentions if m.concept.extra.get("no_record") or _fits(m.concept, v)]
    return able or mentions


def _anchor(view: SentenceView, i: int, best: Mention, proposed: Mention | None) -> Mention:
    """The mention a chosen endpoint is read at (its grade, its landmark): the grammar's, when it
    proposed the same endpoint, else the nearest mention of that endpoint."""
    if proposed is not None and proposed.concept.id == best.concept.id:
        return proposed
    v = view.values[i]
    same = [m for m in view.mentions if m.concept.id == best.concept.id]
    return min(same, key=lambda m: (v.start - m.end) if m.end <= v.start else (m.start - v.end) + 1000)


def _top_level_breaks(text: str) -> list[int]:
    depth, out = 0, []
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]" and depth:
            depth -= 1
        elif (
            depth == 0
            and ch in ",;、"
            and not (0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit())
        ):
            out.append(i)  # a clause break; "58,8" is a decimal comma
        elif depth == 0 and ch == "." and _NEXT_SENTENCE.match(text, i + 1):
            out.append(i)  # "... 3 мес. Их БСВ": a segmenter kept two sentences together
    return out


def _clause_bounds(breaks: list[int], pos: int, length: int) -> tuple[int, int]:
    left = max((b for b in breaks if b < pos), default=-1) + 1
    right = min((b for b in breaks if b >= pos), default=length)
    return left, right


def _respectively_groups(
    text: str, values: list[Value], eps: list[Mention]
) -> list[tuple[list[int], list[Mention]]]:
    groups = []
    for r in cue("respectively").finditer(text):
        after = [i for i, v in enumerate(values) if v.start >= r.end()]
        before = [i for i, v in enumerate(values) if v.end <= r.start()]
        if after and values[after[0]].start - r.end() <= 12 and values[after[0]].kind != "ratio":
            run = [after[0]]
            for i in after[1:]:
                gap = text[values[run[-1]].end : values[i].start]
                if (
                    len(gap) > 40
                    or any(values[run[-1]].end <= e.start < values[i].start for e in eps)
                    or "。" in gap
                    # the hazard ratio after a list of medians is a statement of its own ('分别为24.8个月和
                    # 14.5个月（HR=0.56…）')
                    or (values[i].kind == "ratio") != (values[run[0]].kind == "ratio")
                    or cue("respectively").search(gap)  # the next list: "分别为55%和34%，B组分别为48%和22%"
                ):
                    break
                run.append(i)
            if before and r.start() - values[before[-1]].end <= 3:
                # 'beziehungsweise' between the numbers: "betrugen 58 % bzw. 71 %"
                run.insert(0, before.pop())
            prev_end = values[before[-1]].end if before else 0
            names = [e for e in eps if prev_end <= e.start < values[run[0]].start]
            if not names and len(run) > 1:
                # a second list of the endpoint just named, for another subgroup; or, where none is
                # named before, the endpoints named together after it ("(sırasıyla %47 ve %87) ...
                # CR ve genel yanıt oranları")
                names = [e for e in eps if e.end > e.start and e.end <= r.start()][-1:] or _names_after(
                    text, eps, values[run[-1]].end, len(run)
                )
        elif before:
            run = [before[-1]]
            for i in reversed(before[:-1]):
                gap = text[values[i].end : values[run[0]].start]
                if len(gap) > 40 or any(values[i].end <= e.start < values[run[0]].start for e in eps):
                    break
                run.insert(0, i)
            prev_end = values[run[0] - 1].end if run[0] > 0 else 0
            names = [e for e in eps if prev_end <= e.start < values[run[0]].start]
        else:
            continue
        groups.append((run + _compared_list(text, values, eps, run, names), names))
    taken = {i for run, _ in groups for i in run}
    return groups + _paired_comparisons(text, values, eps, taken)


def _compared_list(
    text: str, values: list[Value], eps: list[Mention], run: list[int], names: list[Mention]
) -> list[int]:
    """'PFS and OS were 70% and 88%, respectively, compared with 50% and 72% in the control group':
    as many numbers as the list, right after it and introduced by a comparison word, are the
    same endpoints in the same order for the other arm."""
    k = len(run)
    if k < 2 or len(names) != k or len({n.concept.id for n in names}) != k:
        return []
    following = list(range(run[-1] + 1, min(run[-1] + 1 + k, len(values))))
    if len(following) != k:
        return []
    lead = text[values[run[-1]].end : values[following[0]].start]
    if len(lead) > 40 or not cue("comparison").search(lead):
        return []
    for a, b in itertools.pairwise([run[-1], *following]):
        if any(values[a].end <= e.start < values[b].start for e in eps if e.end > e.start):
            return []
    for a, b in itertools.pairwise(following):
        gap = text[values[a].end : values[b].start]
        if len(gap) > 40 or cue("comparison").search(gap) or cue("respectively").search(gap):
            return []
    return following


def _arms_of_two_lists(phrases: list[ArmPhrase], values: list[Value], run: list[int]) -> list[str | None]:
    """The arm of each number of two compared lists: the group named before the first list
    ('观察组的…分别为'), and the one named between the lists ('高于对照组的') or else right after
    the second ('compared with 50% and 72% in the control group')."""
    k = len(run) // 2
    first, second = values[run[0]], values[run[k]]
    before = [a for a in phrases if a.end <= first.start]
    between = [a for a in phrases if values[run[k - 1]].end <= a.start and a.end <= second.start]
    after = [a for a in phrases if a.start >= values[run[-1]].end]
    own = before[-1].label if before else None
    other = between[-1].label if between else after[0].label if after else None
    if own is not None and own == other:
        own = other = None
    return [own] * k + [other] * k


def _list_against_list(text: str, values: list[Value], run: list[int], names: list[Mention]) -> bool:
    """'观察组的CR率、ORR分别为40%、85%，高于对照组的20%、60%': a list of k numbers, a comparison
    word, and k more: the k endpoints in order, each compared across the two lists. The comparison
    word stands only between the lists."""
    k = len(names)
    if k < 2 or len(run) != 2 * k or len({n.concept.id for n in names}) != k:
        return False
    compared = [
        cue("comparison").search(text, values[a].end, values[b].start) is not None
        for a, b in itertools.pairwise(run)
    ]
    return compared[k - 1] and not any(compared[: k - 1]) and not any(compared[k:])


def _paired_comparisons(
    text: str, values: list[Value], eps: list[Mention], taken: set[int]
) -> list[tuple[list[int], list[Mention]]]:
    """'CR and ORR were higher with rituximab (38.9% vs 21.5%, P = 0.015; 83.3% vs 60.2%, P = 0.006)':
    k endpoints named together, then k comparisons of two numbers set apart by semicolons; the
    comparisons take the endpoints in order, as a 'respectively' would say."""
    pairs = [
        a
        for a in range(len(values) - 1)
        if len(gap := text[values[a].end : values[a + 1].start]) <= 12 and cue("comparison").search(gap)
    ]
    chains: list[list[int]] = []
    for a in pairs:
        between = text[values[a - 1].end : values[a].start] if a > 0 else ""
        apart = (
            len(between) <= 40
            and re.search(r"[;；]", between) is not None
            and not any(values[a - 1].end <= e.start < values[a].start for e in eps)
        )
        if chains and chains[-1][-1] + 2 == a and apart:
            chains[-1].append(a)
        else:
            chains.append([a])
    out = []
    for chain in chains:
        run = [i for a in chain for i in (a, a + 1)]
        if len(chain) < 2 or taken & set(run):
            continue
        names = _names_before(text, eps, values[run[0]].start, len(chain))
        if names:
            out.append((run, names))
    return out


def _names_before(text: str, eps: list[Mention], pos: int, k: int) -> list[Mention]:
    """The last k endpoints named together before `pos` ("CR率和ORR", "CR and ORR"), or none."""
    return _names_together(text, [e for e in eps if e.end <= pos], k, last=True)


def _names_after(text: str, eps: list[Mention], pos: int, k: int) -> list[Mention]:
    """The first k endpoints named together after `pos` ("CR ve genel yanıt oranları"), or none."""
    return _names_together(text, [e for e in eps if e.start >= pos], k, last=False)


def _names_together(text: str, eps: list[Mention], k: int, last: bool) -> list[Mention]:
    """The k distinct endpoints named together at the end (`last`) or the start of `eps`, joined
    by connectives ("ORR and CR", "(CR)率和ORR"), or none."""
    ordered = sorted((e for e in eps if e.end > e.start), key=lambda e: e.start, reverse=last)
    if not ordered:
        return []
    run = [ordered[0]]
    for e in ordered[1:]:
        a, b = (e, run[0]) if last else (run[-1], e)
        if b.start - a.end > _LIST_GAP or not _connective().match(text[a.end : b.start]):
            break
        if all(e.concept.id != m.concept.id for m in run):
            run.insert(0 if last else len(run), e)
    return run if len(run) == k else []


_LIST_GAP = 12  # most characters between two endpoints named together ("ORR and CR", "CR率和ORR")
_LIST_REACH = 80  # most characters from the last endpoint named to the first number of its list


@cache
def _connective() -> re.Pattern[str]:
    """What may stand between two endpoints named together: brackets, commas, a 'rate' word and
    one conjunction ("ORR and CR", "(CR)率和", "ORR, CR и VGPR", "ORR ve CR oranları")."""
    punct = r"(?:[\s,、/]|[(（\[][^()（）\[\]]{0,15}[)）\]]|[()（）\[\]])*"  # "(CR)": its abbreviation
    rate, joiner = cue("endpoint_list_rate_words").pattern, cue("endpoint_list_joiners").pattern
    return re.compile(rf"^{punct}(?:{rate})?{punct}(?:{joiner})?{punct}$", re.IGNORECASE)


def _coordinated_lists(text: str, values: list[Value], eps: list[Mention]) -> dict[int, Mention]:
    """Numbers of a list that follows endpoints named together, zipped with them in order: the
    k-th number (or comparison: "38.9% vs 21.5%") of the list takes the k-th endpoint. Only where
    the counts agree and nothing but the numbers stands between the list and the next endpoint."""
    ordered = sorted((e for e in eps if e.end > e.start), key=lambda e: (e.start, -e.end))
    out: dict[int, Mention] = {}
    k = 0
    while k < len(ordered):
        run, run_end, j = [ordered[k]], ordered[k].end, k + 1
        while j < len(ordered) and 0 <= ordered[j].start - run_end <= _LIST_GAP:
            if any(run_end <= v.start < ordered[j].start for v in values):
                break
            if not _connective().match(text[run_end : ordered[j].start]):
                break
            if all(ordered[j].concept.id != m.concept.id for m in run):
                run.append(ordered[j])
            run_end = max(run_end, ordered[j].end)
            j += 1
        k = j
        if len(run) < 2:
            continue
        stop = ordered[j].start if j < len(ordered) else len(text)
        listed = [i for i, v in enumerate(values) if run_end <= v.start and v.end <= stop]
        if not listed or values[listed[0]].start - run_end > _LIST_REACH:
            continue
        if re.search(r"[.。;；]\s", text[run_end : values[listed[0]].start] + " "):
            continue
        slots: list[list[int]] = []
        for i in listed:
            previous = slots[-1][-1] if slots else None
            if previous is not None and cue("comparison").search(text, values[previous].end, values[i].start):
                slots[-1].append(i)
            else:
                slots.append([i])
        if len(slots) != len(run):
            continue
        # the list must close its clause: "el 87 % logró remisión completa" is a number of the next
        if j < len(ordered) and not re.search(r"[.;。；,，]", text[values[listed[-1]].end : stop]):
            continue
        for slot, mention in zip(slots, run, strict=True):
            for i in slot:
                out[i] = mention
    return out


def _endpoint_for(
    text: str, v: Value, eps: list[Mention], breaks: list[int], values: list[Value], taken: set[int]
) -> Mention | None:
    """`taken`: starts of endpoint mentions that an earlier number took as the endpoint following it.
    Of the endpoints that can take the number, one in its clause ('the duration of response among
    responders was 22.8 months': a time is no response rate), else any."""
    left, right = _clause_bounds(breaks, v.start, len(text))
    able = _endpoint_among(text, v, _able_to_take(eps, v), breaks, values, taken)
    if able is not None and left <= able.start < right:
        return able
    return _endpoint_among(text, v, eps, breaks, values, taken)


def _endpoint_among(
    text: str, v: Value, eps: list[Mention], breaks: list[int], values: list[Value], taken: set[int]
) -> Mention | None:
    left, right = _clause_bounds(breaks, v.start, len(text))
    subject = (
        v.subject_suffix
        or bool(_PATIENT_AFTER.match(text[v.end : v.end + 20]))
        or bool(_PATIENT_BEFORE.search(text[max(0, v.start - 4) : v.start]))
        or bool(_result_follows().match(text, v.end, v.end + 30))
        or (v.count is not None and not re.match(r"\s*\)?\s*[,;、。]", text[v.end : v.end + 3]))
    )
    following = [e for e in eps if v.end <= e.start < right]
    preceding = [e for e in eps if e.end <= v.start]
    in_clause = [e for e in preceding if e.start >= left]
    if subject:
        in_clause = [e for e in in_clause if e.start not in taken]
    if subject and following and not in_clause:
        return following[0]
    if subject and following and in_clause and any(in_clause[-1].end <= w.start < v.start for w in values):
        # "tam remisyon elde edildi ve bunların %83,3'ünde MKH negatifliği": the endpoint before
        # belongs to the earlier number; this subject number's endpoint follows it
        return following[0]
    if in_clause and in_clause[-1].concept.id == "AE":
        # "Смерть в ремиссии была обусловлена ... инфекционными осложнениями ... и составила 5,5%":
        # an adverse event named inside the clause is a cause, the clause's endpoint is its subject
        named = [e for e in in_clause if e.concept.id != "AE"]
        if named:
            return named[-1]
    if preceding:
        return preceding[-1]
    if following:
        return following[0]
    later = [e for e in eps if e.start >= v.end]
    # a stated share of patients ("28 hastanın (%93), ... MKH'sının negatifleştiği") is the subject
    # of a sentence that names its endpoint later
    return later[0] if later and (subject or v.count is not None) else None


@cache
def _result_follows() -> re.Pattern[str]:
    """'55% with a VGPR or better': a word after the number that introduces its endpoint."""
    return re.compile(rf"\s*(?:{cue('result_follows').pattern})\b", re.I)


def _response_among_mrd_positive(text: str, ep: Mention, v: Value) -> str:
    """A response among MRD-positive patients ("MKH pozitif olan hastaların %97'sinde yanıt",
    "response in 80% of MRD-positive patients") is an MRD response, not an overall response."""
    if ep.concept.extra.get("ratio_of"):
        return str(ep.concept.extra["ratio_of"])
    if ep.concept.id != "ORR":
        return ep.concept.id
    left, right = min(ep.start, v.start), max(ep.end, v.end)
    window = text[max(0, left - 60) : right + 40]
    return "MRD_NEG" if cue("mrd_positive_population").search(window) else ep.concept.id


def _each_not_reached(
    text: str,
    values: list[Value],
    eps: list[Mention],
    breaks: list[int],
    index_of: dict[int, Draft],
    drafts: list[Draft],
) -> None:
    """'Median PFS and OS were not reached', 'neither the median PFS nor the median OS was reached',
    'No se alcanzó la mediana de SLP ni la de SG': a 'not reached' is said of every time-to-event
    endpoint named in its clause with no number of its own between them (those before it, else
    those after it), one record each."""
    for i, v in enumerate(values):
        first = index_of.get(i)
        if first is None or v.kind != "not_reached":
            continue
        lo = max([w.end for w in values if w.end <= v.start] + [b for b in breaks if b <= v.start] + [0])
        named = [e for e in eps if lo <= e.start and e.end <= v.start and e.end > e.start]
        if not named:
            hi = min(
                [w.start for w in values if w.start >= v.end]
                + [b for b in breaks if b >= v.end]
                + [len(text)]
            )
            named = [e for e in eps if v.end <= e.start and e.end <= hi and e.end > e.start]
        done = {first.endpoint}
        for e in named:
            if e.concept.id in done or not _fits(e.concept, v):
                continue
            done.add(e.concept.id)
            drafts.append(
                dataclasses.replace(first, endpoint=e.concept.id, group=None, p_value=None, hazard_ratio=None)
            )


def _fits(endpoint: Concept, v: Value) -> bool:
    if endpoint.extra.get("no_record"):
        return False  # 'achieved PR': the number is the partial response's, and not reported
    if endpoint.extra.get("ratio_of"):
        return v.kind == "ratio"  # 'the risk of death': a hazard ratio's endpoint, never a rate's
    if v.kind in ("time", "not_reached"):
        return bool(endpoint.extra.get("time_to_event"))
    return True


def extract_sentence(
    text: str,
    prior_cohort: int | None = None,
    context_endpoint: Concept | None = None,
    parts: LearnedParts | None = None,
    trace: list[LinkTrace] | None = None,
    previous_endpoint: Concept | None = None,
    lead: str = "",
) -> list[Draft]:
    """Result drafts of one sentence, in order of the numbers. `prior_cohort` is the last cohort
    size the previous sentence stated ('11 hastanın ... . 9 hastada MKH negatif'); a sentence
    that names no endpoint takes `context_endpoint` (the endpoint of the figure it discusses).

    With a linker, each number takes the endpoint mention the model scores highest (the
    grammar's proposal is one of its features), or none below its threshold; without one, the
    grammar's proposal. In a sentence that names no endpoint, the classifier reads it from the
    number's context. `trace` collects every number with its features, for training. A hazard
    ratio in a sentence that names no endpoint ("(HR, 0.64; 95% CI ...)" after the curves) is a
    ratio of `previous_endpoint`, the endpoint of the paper's last result. `lead` is the text of
    the previous sentence, where the arm linker also looks for the groups a number belongs to."""
    parts = parts or LearnedParts()
    traced = len(trace) if trace is not None else 0
    values = [v for v in find_values(text, prior_cohort) if not _in_baseline(text, v)]
    if not values:
        return []
    eps = _endpoint_mentions(text)
    if not eps and context_endpoint is not None:
        eps = [Mention(0, 0, context_endpoint)]
    read_from_context: dict[int, tuple[Mention, float]] = {}
    if not eps:
        if trace is not None:
            trace += [LinkTrace(v, [], context=context_features(text, v)) for v in values]
        read_from_context = (
            _endpoints_from_context(text, values, parts.classifier) if parts.classifier is not None else {}
        )
        if previous_endpoint is not None and previous_endpoint.extra.get("time_to_event"):
            for v in values:
                if v.kind == "ratio":
                    read_from_context[v.start] = (Mention(v.start, v.start, previous_endpoint), 1.0)
        eps = [m for m, _ in read_from_context.values()]
        if not eps:
            return []
    points = [p for p in find_time_points(text) if _is_landmark(text, p, eps, values)]
    values = [v for v in values if not (v.kind == "time" and _overlaps_point(v, points))]
    breaks = _top_level_breaks(text)
    chosen: dict[int, Mention | None] = {}
    landmark_of: dict[int, float] = {}
    groups: dict[int, int] = {}
    arms_by_value: dict[int, str] = {}
    arm_phrases = find_arm_phrases(text)
    group_id = 0
    for run, names in _respectively_groups(text, values, eps):
        # 'CR plus CR with incomplete count recovery rates were 48% and 13% for A and B, respectively':
        # names of one endpoint are one composite endpoint, and the list is of arms
        one_endpoint = len(names) > 1 and len({n.concept.id for n in names}) == 1
        if _list_against_list(text, values, run, names):
            for j, i in enumerate(run):
                chosen[i] = names[j % len(names)]
            for j in range(len(names)):
                group_id += 1
                groups[run[j]] = groups[run[j + len(names)]] = group_id
            for i, label in zip(run, _arms_of_two_lists(arm_phrases, values, run), strict=True):
                if label is not None:
                    arms_by_value[i] = label
            continue
        if len(names) == len(run) and not one_endpoint:
            for i, name in zip(run, names, strict=True):
                chosen[i] = name
        elif len(names) >= 1 and len(run) > 1:
            listed = [p for p in points if p.listed is not None and p.end <= values[run[0]].start]
            if len(listed) >= len(run):
                # "移植后1、3年的…累积发生率分别为2%、3%": one endpoint at the listed time points
                for i, p in zip(run, listed[-len(run) :], strict=True):
                    chosen[i] = names[-1]
                    landmark_of[i] = p.months
                continue
            arm_labels = _arm_list(text, arm_phrases, values[run[0]].start, len(run)) or _arms_named_after(
                text, arm_phrases, values[run[-1]].end, len(run)
            )
            paired = any(
                cue("comparison").search(text, values[a].end, values[b].start)
                for a, b in itertools.pairwise(run)
            )
            if paired:
                distinct = len({n.concept.id for n in names})
                if distinct > 1 and distinct == len(names) and len(run) % len(names) == 0:
                    # "PFS and OS were 62% vs 45% and 80% vs 71%, respectively": a comparison each
                    size = len(run) // len(names)
                    for k, i in enumerate(run):
                        chosen[i] = names[k // size]
                    continue
                # "PFS 分别为 19.4 月 比 14.9 月；10.3 月 比 4.7 月": several comparisons of one endpoint
                for i in run:
                    chosen[i] = names[-1]
                continue
            if not arm_labels and len(run) > 2:
                # a list we cannot read (endpoints lost to a column break): the names left are
                # the list's last ones, as text is lost at a list's start, not inside it; the
                # linker weighs that proposal like any other
                for i in run:
                    chosen[i] = None
                if len(names) > 1:
                    for i, name in zip(run[-len(names) :], names, strict=True):
                        chosen[i] = name
                continue
            group_id += 1
            for k, i in enumerate(run):
                chosen[i] = names[-1]
                groups[i] = group_id
                if arm_labels:
                    arms_by_value[i] = arm_labels[k]
    for i, mention in _coordinated_lists(text, values, eps).items():
        chosen.setdefault(i, mention)
    taken: set[int] = set()
    for i, v in enumerate(values):
        if i not in chosen:
            ep = _endpoint_for(text, v, eps, breaks, values, taken)
            if ep is not None:
                chosen[i] = ep
                if ep.start >= v.end:
                    taken.add(ep.start)
    for i, v in enumerate(values):
        if v.kind == "ratio" and chosen.get(i) is None:
            # "the hazard ratio for progression or death was 0.62": the endpoint inside the statement
            inner = [e for e in eps if v.start <= e.start and e.end <= v.end]
            if inner:
                chosen[i] = inner[0]
    confidence: dict[int, float] = {}
    if read_from_context:
        read = [(i, read_from_context.get(v.start)) for i, v in enumerate(values)]
        chosen = {i: mp[0] for i, mp in read if mp is not None}
        confidence = {i: mp[1] for i, mp in read if mp is not None and values[i].kind != "ratio"}
    elif parts.linker is not None or trace is not None:
        view = SentenceView(text, values, [e for e in eps if e.end > e.start], breaks, dict(chosen))
        chosen, confidence = _link(view, chosen, parts.linker, trace)
    drafts: list[Draft] = []
    index_of: dict[int, Draft] = {}
    for i, v in enumerate(values):
        ep = chosen.get(i)
        if ep is None or not _fits(ep.concept, v):
            continue
        d = Draft(endpoint=_response_among_mrd_positive(text, ep, v), value=v, start=v.start, end=v.end)
        if i in confidence:
            d.confidence, d.origin = confidence[i], "classifier" if read_from_context else "linker"
        if v.kind == "rate":
            d.time_months = landmark_of.get(i, _time_point_for(text, points, v, values, ep))
        d.arm = None if v.kind == "ratio" else arms_by_value.get(i) or _nearest_arm(arm_phrases, v, text)
        if ep.concept.id == "AE":
            d.event = text[ep.start : ep.end].lower()
        d.grade = _grade_for(
            text, ep, max((w.end for w in values if w.end <= ep.start), default=0)
        ) or _grade_before_value(text, ep, v, values)
        if i in groups:
            d.group = groups[i]
        lo, hi = _clause_bounds(breaks, v.start, len(text))
        d.both_arms = v.kind != "ratio" and cue("both_arms").search(text, lo, hi) is not None
        drafts.append(d)
        index_of[i] = d
    _each_not_reached(text, values, eps, breaks, index_of, drafts)
    p_values = find_p_values(text)
    group_id = _comparisons(text, values, index_of, group_id, p_values)
    _order_arms(text, drafts, arm_phrases)
    if parts.arm_linker is not None or trace is not None:
        _link_arms(
            text,
            values,
            drafts,
            breaks,
            parts,
            trace[traced:] if trace is not None else None,
            lead,
            arm_phrases,
        )
        for i, d in index_of.items():
            if i in arms_by_value:
                # a 'respectively' list of arms is zipped with its numbers by position, as its endpoints
                # are: the grammar's reading stands whatever the linker scored ('48% and 13% for
                # venetoclax plus LDAC and LDAC alone, respectively')
                d.arm = arms_by_value[i]
    _pair_linked_arms(text, values, drafts, eps)
    _attach_p_values(text, drafts, p_values, values)
    del group_id
    return drafts


def _in_baseline(text: str, v: Value) -> bool:
    """Patient characteristics before treatment ('首次移植前疾病状态：...CR1 26例(63.4%)') are not
    outcomes: numbers after such a heading, up to the end of its clause."""
    for m in cue("baseline").finditer(text, 0, v.start):
        if not re.search(r"[;。]", text[m.end() : v.start]):
            return True
    return False


_NEGATED = re.compile(r"^\s*(?:dışı|d[ıi]ş[ıi]nda|olmayan|-free\b|以外)", re.I)


def _endpoint_mentions(text: str) -> list[Mention]:
    """Endpoint mentions, once each: "overall survival (OS)" names one endpoint, and "SiSS dışı"
    (other than CRS) names none."""
    out: list[Mention] = []
    for m in find_concepts(text, "endpoints"):
        if _NEGATED.match(text[m.end : m.end + 12]):
            continue
        if (
            out
            and out[-1].concept.id == m.concept.id
            and re.fullmatch(r"\s*[(\[]\s*", text[out[-1].end : m.start])
        ):
            continue
        out.append(m)
    conditions = [m for m in out if _names_a_subgroup(text, m)]
    if conditions and any(m not in conditions for m in out):
        out = [m for m in out if m not in conditions]  # "OS was 60% in patients who achieved CR"
    return out


def _names_a_subgroup(text: str, m: Mention) -> bool:
    """'patients who achieved CR', 'pacientes en RC', 'CR elde eden hastalarda', '获得CR的患者': the
    endpoint is the condition that defines a subgroup, not what the sentence's numbers measure."""
    before, after = words_around("condition", "")
    return bool(before.search(text, max(0, m.start - 60), m.start) or after.match(text, m.end))


def _is_landmark(text: str, p: TimePoint, eps: list[Mention], values: list[Value]) -> bool:
    """A duration is a landmark when its form says so, when an endpoint follows it closely, or when
    it qualifies an endpoint whose result is a rate stated after it ('выживаемость (не менее 60 мес)
    составила 12,4%'); otherwise it is a median ('7,7 мес против 4 мес')."""
    if p.explicit:
        return True
    if any(0 <= e.start - p.end <= 15 and not _sentence_ends_between(text, p.end, e.start) for e in eps):
        return True
    # ('無イベント生存期間中央値は、両群ともに3.0ヵ月': a median's word between makes it the value)
    after_endpoint = any(
        0 <= p.start - e.end <= 25 and not cue("median").search(text, e.end, p.start) for e in eps
    )
    rate_later = any(v.kind == "rate" and v.start >= p.end for v in values)
    # a comparison right after the duration compares durations ('7,7 мес против 4 мес'); one after
    # a rate compares rates ('PFS at 12 mo was 52% vs 38%')
    following = min((v.start for v in values if v.start >= p.end), default=len(text))
    compared = cue("comparison").search(text[p.end : min(p.end + 12, following)])
    return after_endpoint and rate_later and not compared


def _sentence_ends_between(text: str, start: int, end: int) -> bool:
    """'... занимала в среднем 3 мес. Их БСВ': the abbreviation's dot also ends the sentence when a
    capitalised word follows."""
    gap = text[start:end]
    if re.search(r"[.。;]\s", gap):
        return True
    return text[start - 1 : start] == "." and bool(_NEXT_SENTENCE.match(gap))


_NEXT_SENTENCE = re.compile(r"\s+[A-ZÁÉÍÓÚÀÈÂÊÎÔÛÄÖÜÑА-ЯЁÇĞİÖŞÜ]")


def _overlaps_point(v: Value, points: list[TimePoint]) -> bool:
    return any(not (v.end <= p.start or v.start >= p.end) for p in points)


def _time_point_for(
    text: str, points: list[TimePoint], v: Value, values: list[Value], ep: Mention | None = None
) -> float | None:
    """The landmark of a rate: one stated right after it with its preposition ('60% at 5 years',
    '16,2 % a los 5 años', '62 % nach 3 Jahren'), or after its endpoint named after it ('57% of
    patients maintaining responses for at least 18 months'); the one in its place of a list of
    landmarks the rates follow in order ('the 1- and 3-year OS rates were 90% and 75%'); else the
    last one before it."""
    listed = [p for p in points if p.listed is not None and p.end <= v.start]
    if listed:
        first = max(k for k, p in enumerate(listed) if p.listed == 0)
        landmarks = listed[first:]
        end = _clause_end(text, landmarks[-1].end)
        rates = [w for w in values if w.kind == "rate" and landmarks[-1].end <= w.start < end]
        position = next((k for k, w in enumerate(rates) if w is v), None)
        if position is not None and len(rates) % len(landmarks) == 0:
            # one rate per landmark, or one comparison per landmark ('1-, 2- and 3-year rates with
            # ELd versus Ld were 91% versus 83%, 73% versus 69% and 60% versus 53%')
            return landmarks[position // (len(rates) // len(landmarks))].months
    for p in points:
        if (
            p.listed is None
            and p.explicit
            and 0 <= p.start - v.end <= 60
            and _LANDMARK_LEAD.fullmatch(text[v.end : p.start])
        ):
            return p.months
        if (
            ep is not None
            and p.listed is None
            and p.explicit
            and v.end <= ep.start
            and ep.end <= p.start
            and _SUBJECT_WORDS.fullmatch(text[v.end : ep.start])
            and _LANDMARK_AFTER_ENDPOINT.fullmatch(text[ep.end : p.start])
        ):
            return p.months
    before = [p for p in points if p.end <= v.start and p.listed is None]
    if not before:
        return None
    return before[-1].months


# "60 % des patients à 12 mois": the patients the rate counts may stand before its landmark
_OF_PATIENTS = (
    r"(?:of (?:the )?|des |de (?:los |las )?|dos |das |der |у )?"
    r"(?:patients|pacientes|Patienten|pazienti|пациентов|больных|hastalar[ıi]n)"
)

# What stands between a rate and the landmark stated after it: its preposition, and the other rates
# compared with it ('60% vs 40% at 2 years', '48% and 30% at 2 years': one landmark for all)
_LANDMARK_LEAD = re.compile(
    rf"(?:\s*,?\s*(?:{cue('comparison').pattern}|{cue('list_and').pattern}|,)\s*(?:el |la |the )?"
    rf"\d+(?:[.,]\d+)?\s*%)*\s*\)?,?\s*(?:{_OF_PATIENTS}\s*)?(?:{cue('landmark_before').pattern})\s*",
    re.I,
)

# A rate, then its endpoint a few words on, then the landmark with its preposition: "57% of patients
# maintaining responses for at least 18 months", "el 60% mantuvo la respuesta a los 12 meses"
_SUBJECT_WORDS = re.compile(r"[^\d;:,.()。；，]{0,40}")
_LANDMARK_AFTER_ENDPOINT = re.compile(rf"\s*(?:{cue('landmark_before').pattern})\s*", re.I)

# What may stand between a number and the arm phrase after it: "28% у пациентов, ...",
# "38% of patients who ...", "17,2 мес. в контрольной группе"
_ARM_LEAD = re.compile(
    r"\.?\s*(?:(?:у|в|среди|of|in|for|among|de|da|で|の)\s*)?"  # (the full stop of 'мес.', 'mo.')
    r"(?:(?:the )?(?:patients|those|subjects)(?: who were)?\s*)?(?:aged\s*)?",
    re.I,
)


def _nearest_arm(phrases: list[ArmPhrase], v: Value, text: str) -> str | None:
    """The arm phrase right after a number ("71% in the blinatumomab arm") or, else, the nearest one
    before it in the same clause ("Blinatumomab grubunda ... %54,4")."""
    after = [a for a in phrases if 0 <= a.start - v.end <= 30 and _ARM_LEAD.fullmatch(text[v.end : a.start])]
    if after:
        return after[0].label
    before = [a for a in phrases if a.end <= v.start and v.start - a.end <= 70]
    if not before:
        return None
    gap = text[before[-1].end : v.start]
    if _CLAUSE_BREAK.search(gap):
        return None
    return before[-1].label


def _arm_list(text: str, phrases: list[ArmPhrase], before: int, k: int) -> list[str]:
    """Arms named before a 'respectively' list: group phrases, else interventions in order."""
    labels = [a.label for a in phrases if a.end <= before]
    if len(labels) >= k:
        return labels[-k:]
    drugs: list[str] = []
    for m in find_concepts(text, "interventions", 0, before):
        if m.concept.label not in drugs:
            drugs.append(m.concept.label)
    return drugs[-k:] if len(drugs) >= k else []


def _grade_for(text: str, ep: Mention, floor: int) -> str | None:
    """The grade stated before an endpoint ("grade ≥3 nötropeni, trombositopeni ve anemi"), looking
    back no further than the previous number."""
    window = text[max(floor, ep.start - 60) : ep.start]
    after = re.match(r"\s*(?:of|at) any grade|\s*любой степени", text[ep.end : ep.end + 20], re.I)
    if after:
        return "any"
    matches = list(_GRADE.finditer(window))
    return _grade_of(matches[-1]) if matches else None


def _grade_before_value(text: str, ep: Mention, v: Value, values: list[Value]) -> str | None:
    """A grade stated after the endpoint, right before the number of its own clause ('CRS occurred
    in 72%, grade ≥3 in 5%', 'Grad ≥ 3 bei 5 %', '3–4-й степени — у 9 %')."""
    start = max([ep.end, *(w.end for w in values if w.end <= v.start)])
    window = text[start : v.start]
    if ep.end > v.start or len(window) > 40:
        return None
    matches = list(_GRADE.finditer(window))
    return _grade_of(matches[-1]) if matches else None


def _grade_of(m: re.Match[str]) -> str:
    if m["f"] or m["h"]:
        return f">={m['f'] or m['h']}"
    if m["a"]:
        return m["a"].replace(" ", "").replace("≥", ">=")
    if m["d"]:
        return m["d"]
    if m["b"]:
        return f">={m['b']}"
    if m["g"]:
        return re.sub(r"\s*[–-]\s*", "-", m["g"])
    if m["c"]:
        return m["c"].replace("~", "-").replace("Ⅱ", "II").replace("Ⅲ", "III").replace("Ⅳ", "IV")
    if m["e"]:
        return "extensive"
    return "any"


_P_REACH = 80  # most characters from the second number of a comparison to the p-value closing it


def _comparisons(
    text: str, values: list[Value], drafts: dict[int, Draft], group_id: int, p_values: list[PValue]
) -> int:
    """Consecutive results of one endpoint compared with each other: joined by a comparison word,
    naming different arms, or followed by the p-value of their difference."""
    comparison = cue("comparison")
    ends = [i for i in _top_level_breaks(text) if text[i] not in ",、"]  # ';' or a sentence's end
    order = sorted(drafts)
    for a, b in itertools.pairwise(order):
        da, db = drafts[a], drafts[b]
        if db.group is not None:
            continue  # already compared: a 'respectively' list or a run of one endpoint
        if da.endpoint != db.endpoint or da.value.kind == "ratio" or db.value.kind == "ratio":
            continue
        if {da.value.kind, db.value.kind} - {"time", "not_reached"} and da.value.kind != db.value.kind:
            continue
        if da.time_months != db.time_months:
            continue
        gap = text[values[a].end : values[b].start]
        cue_match = comparison.search(text, values[a].end, values[b].start)
        # "45% ... , по сравнению с 56%", "%81,6 ... bu oranın %49,4": the cue introduces the second
        explicit = cue_match is not None and (len(gap) < 60 or values[b].start - cue_match.end() <= 25)
        if is_change(text, values[a].end, values[b].start):
            explicit, da.baseline = True, True
        following = [w.start for w in values if w.start >= values[b].end]
        horizon = min([values[b].end + _P_REACH, *following])
        # "20% of those given A and 5.7% of those given B (p = 0.02)": the p-value of their
        # difference closes the clause of the second, before any other number
        p_after = p_values and any(
            values[b].end <= p.start <= horizon and not any(values[b].end <= i < p.start for i in ends)
            for p in p_values
        )
        distinct_arms = da.arm is not None and db.arm is not None and da.arm != db.arm and len(gap) < 80
        if explicit or distinct_arms or (p_after and len(gap) < 80):
            if da.group is None:
                group_id += 1
                da.group = group_id
            db.group = da.group
    return group_id


def _pair_linked_arms(text: str, values: list[Value], drafts: list[Draft], eps: list[Mention]) -> None:
    """'19.6% of patients with A and 25.0% with B', 'del 70,6% en el grupo A y del 55,6% en el grupo
    B': consecutive results of one endpoint, time point and grade that the arm linker gave different
    arms, in one clause with nothing between them but words, are one comparison (the rules above
    see only the arms their patterns name)."""
    numbers = sorted((d for d in drafts if d.value.kind != "ratio"), key=lambda d: d.start)
    breaks = _top_level_breaks(text)
    ends = [i for i in breaks if text[i] not in ",、"]  # ';' or a sentence's end
    next_group = max((d.group for d in drafts if d.group is not None), default=0) + 1
    for da, db in itertools.pairwise(numbers):
        if db.group is not None or not da.arm or not db.arm:
            continue
        if (da.endpoint, da.time_months, da.grade, da.event) != (
            db.endpoint,
            db.time_months,
            db.grade,
            db.event,
        ):
            continue
        if {da.value.kind, db.value.kind} - {"time", "not_reached"} and da.value.kind != db.value.kind:
            continue
        if db.start - da.end >= 80 or any(da.end <= i < db.start for i in ends):
            continue
        gap = text[da.end : db.start]
        if any(da.end <= v.start < db.start for v in values):
            continue
        left = _clause_bounds(breaks, da.start, len(text))[0]
        right = _clause_bounds(breaks, db.end, len(text))[1]
        if cue("respectively").search(text, left, right):
            continue  # a 'respectively' list: its rules have paired what it pairs
        if gap.count(")") > gap.count("("):
            continue  # "(respectively 47% and 87%), B (...)": the first closes a parenthesis of its own
        if any(da.end <= e.start < db.start and e.concept.id != da.endpoint for e in eps if e.end > e.start):
            continue
        members = [d for d in numbers if da.group is not None and d.group == da.group] or [da]
        arms = {" ".join(d.arm.lower().split()) for d in members if d.arm}
        if " ".join(db.arm.lower().split()) in arms:
            continue
        if da.group is None:
            da.group, next_group = next_group, next_group + 1
        db.group = da.group


def _order_arms(text: str, drafts: list[Draft], phrases: list[ArmPhrase]) -> None:
    """'A grubu ile B grubu arasında ... (%X'e karşı %Y)': arms named before a comparison, in order."""
    by_group: dict[int, list[Draft]] = {}
    for d in drafts:
        if d.group is not None:
            by_group.setdefault(d.group, []).append(d)
    for members in by_group.values():
        arms = [d.arm for d in members]
        if None not in arms and len(set(arms)) == len(arms):
            continue
        after = _arms_named_after(text, phrases, max(d.end for d in members), len(members))
        if after:
            for d, label in zip(sorted(members, key=lambda d: d.start), after, strict=True):
                d.arm = label
            continue
        first = min(d.start for d in members)
        labels: list[str] = []
        for a in phrases:
            if a.end <= first and a.label not in labels:
                labels.append(a.label)
        if len(labels) >= len(members):
            for d, label in zip(members, labels[-len(members) :], strict=True):
                d.arm = label


# 'CR rates were 45% versus 30% for ibrutinib versus chlorambucil', '72.5% and 60.1% for the
# daratumumab and control arms, respectively': the arms named right after a comparison or a
# respectively list, in the order of its numbers
_ARMS_AFTER_LEAD = re.compile(r"\s*,?\s*(?:for|in|with|among|en|dans|bei|в|у)\s+(?:the\s+)?", re.I)
_ARMS_AFTER_JOINER = re.compile(
    rf"\s*,?\s*(?:(?:{cue('comparison').pattern}|{cue('list_and').pattern}|or|compared with)\s+(?:the\s+)?)?",
    re.I,
)


def _arms_named_after(text: str, phrases: list[ArmPhrase], end: int, k: int) -> list[str]:
    """The k arms named right after `end` (arm phrases, else treatments the vocabularies know), one
    after the other, before the clause ends; none unless there are exactly k distinct ones. A
    regimen counts as one arm ('for venetoclax plus LDAC and LDAC alone') unless that leaves fewer
    than k ('for ibrutinib and chlorambucil, respectively': two arms, not one regimen)."""
    lead = _ARMS_AFTER_LEAD.match(text, end)
    if lead is None or k < 2:
        return []
    stop = _clause_end(text, lead.end())
    named = [a for a in phrases if lead.end() <= a.start and a.end <= stop]
    treatments = [t for t in treatment_phrases(text) if lead.end() <= t.start and t.end <= stop]
    for regimens in (True, False):
        found = list(named)
        # the longest first: a regimen before the treatments inside it
        for t in sorted(treatments, key=lambda a: (a.start - a.end, a.start)):
            if (regimens or t.source != "combination") and all(
                t.end <= a.start or t.start >= a.end for a in found
            ):
                found.append(t)
        labels = _arms_in_a_row(text, found, lead.end(), k)
        if labels:
            return labels
    return []


def _arms_in_a_row(text: str, found: list[ArmPhrase], position: int, k: int) -> list[str]:
    labels: list[str] = []
    for a in sorted(found, key=lambda a: a.start):
        if not a.start <= position < a.end:
            break  # a phrase may hold its own joiner: 'ibrutinib| versus chlorambucil'

        labels.append(a.label)
        if len(labels) == k:
            break
        position = _ARMS_AFTER_JOINER.match(text, a.end).end()  # type: ignore[union-attr]  # all optional
    return labels if len(labels) == k and len(set(labels)) == k else []


def _link_arms(
    text: str,
    values: list[Value],
    drafts: list[Draft],
    breaks: list[int],
    parts: LearnedParts,
    trace: list[LinkTrace] | None,
    lead: str,
    arm_phrases: list[ArmPhrase],
) -> None:
    """Each result's arm by the arm linker, over every candidate phrase of the sentence and of
    `lead` (the text since the previous sentence's start: "ELd ... Ld. The ORR was 79% and 66%");
    the rules' arm is one of its features. Hazard ratios have no arm of their own. Traced, every
    number gets its pairs (not only those the grammar made results of: the endpoint linker may)."""
    shift = len(lead)
    moved = {id(v): dataclasses.replace(v, start=v.start + shift, end=v.end + shift) for v in values}
    numbers = [d for d in drafts if d.value.kind != "ratio"]
    comparison: dict[int, list[int]] = {}
    for d in numbers:
        if d.group is not None:
            members = [o.value.start + shift for o in numbers if o.group == d.group]
            comparison[d.value.start + shift] = members
    combined = lead + text
    candidates = [c for c in arm_candidates(combined) if c.end <= shift or c.start >= shift]
    proposed = {d.value.start + shift: d.arm for d in numbers}
    view = ArmView(
        combined,
        list(moved.values()),
        candidates,
        [shift] + [b + shift for b in breaks],
        proposed,
        comparison,
        shift,
    )
    for entry in trace or ():
        if entry.value.kind != "ratio" and id(entry.value) in moved:
            v = moved[id(entry.value)]
            if v.start not in proposed:
                proposed[v.start] = _nearest_arm(arm_phrases, entry.value, text)
            entry.arm_pairs = [
                ((c.start - shift, c.end - shift), arm_pair_features(view, v, c)) for c in candidates
            ]
    if parts.arm_linker is None or not numbers:
        return
    chosen = parts.arm_linker.choose(view, [moved[id(d.value)] for d in numbers])
    for d in numbers:
        phrase = chosen.get(d.value.start + shift)
        # the words as written ('kemoterapi grubunda'): the record's English label is made from them
        d.arm = " ".join(combined[phrase.start : phrase.end].split()) if phrase is not None else None


def _attach_p_values(text: str, drafts: list[Draft], p_values: list[PValue], values: list[Value]) -> None:
    """A comparison takes the first p-value after its last number, before the next result; so does a
    hazard ratio of its own ("HR 0.73 (95% CI ...); P = .001"), which states the p of the comparison
    it measures: the p-value right after it, before any other number."""
    by_group: dict[int, list[Draft]] = {}
    for d in drafts:
        if d.group is not None:
            by_group.setdefault(d.group, []).append(d)
    starts = sorted(d.start for d in drafts if d.value.kind != "ratio")
    ratios = [d for d in drafts if d.value.kind == "ratio"]
    for members in by_group.values():
        last = max(d.end for d in members)
        later_values = [s for s in starts if s > last]
        limit = later_values[0] if later_values else len(text)
        candidates = [p for p in p_values if last <= p.start < limit]
        hazard = [r for r in ratios if last <= r.start < limit]
        for d in members:
            if candidates:
                d.p_value = candidates[0]
            if hazard:
                d.hazard_ratio = hazard[0].value.value  # "(hazard ratio, 0.62; ...)" belongs to both arms
    for r in ratios:
        if r.p_value is not None:
            continue
        following = [v.start for v in values if v.start >= r.end]
        limit = min(following, default=len(text))
        own = [p for p in p_values if r.end <= p.start < limit]
        if own:
            r.p_value = own[0]
