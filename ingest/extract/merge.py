"""One result, one record: restatements of a result (abstract, results, table, discussion) merge.

Two drafts are one result when they report the same endpoint of the same study and arm with the
same value, allowing the coarser statement to be a rounding or truncation of the finer one
("41 ± 7,8%" and "41.2 ± 7.8%"; "43%" and "43.9%"), and with compatible time points.
"""

from __future__ import annotations

from ingest.extract.draft import ResultDraft


def _same_value(a: ResultDraft, b: ResultDraft) -> bool:
    if a.not_reached or b.not_reached:
        return a.not_reached == b.not_reached
    if a.value is None or b.value is None or a.unit != b.unit:
        return False
    coarse, fine = (a, b) if a.decimals <= b.decimals else (b, a)
    step = 10 ** (-coarse.decimals)
    return (
        abs(fine.value - coarse.value) < step - 1e-9
        if coarse.decimals < fine.decimals
        else abs(fine.value - coarse.value) < 1e-9
    )


def _same_arm(a: ResultDraft, b: ResultDraft) -> bool:
    if a.n is not None and b.n is not None and a.n != b.n:
        return False  # different denominators: different groups
    if not a.arm_key or not b.arm_key:
        return True
    if a.tabular and b.tabular:
        return a.arm_key == b.arm_key
    if a.ci_low is not None and (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high):
        return True  # the same estimate with the same interval is the same arm, however it is named
    if a.arm_key in b.arm_key or b.arm_key in a.arm_key:
        return True
    return {c.id for c in a.interventions} == {c.id for c in b.interventions}


def _same_study(a: ResultDraft, b: ResultDraft) -> bool:
    # Cited results are often restated with a different citation cue (trial name in one sentence,
    # reference number in the next): among cited studies a specific enough result identifies the
    # study ("71,3%" twice), a "not reached" or a round "50%" does not.
    if a.study.key == b.study.key:
        return True
    if a.study.is_primary or b.study.is_primary or a.value is None or b.value is None:
        return False
    return max(a.decimals, b.decimals) >= 1 or (a.pm is not None and a.pm == b.pm)


def _compatible(a: ResultDraft, b: ResultDraft) -> bool:
    if a.comparison_key is not None and a.comparison_key == b.comparison_key and a.decimals == b.decimals:
        # one number twice in one comparison is two arms with equal results ('3.0 months in both
        # groups'), whatever their names share; '37%' beside '37.2%' is one restated
        return False
    if a.endpoint != b.endpoint or a.statistic != b.statistic or not _same_study(a, b):
        return False
    if a.time_months is not None and b.time_months is not None and abs(a.time_months - b.time_months) > 0.5:
        return False
    if a.pm is not None and b.pm is not None and abs(a.pm - b.pm) > 0.051:
        return False
    if not _same_arm(a, b):
        return False
    if (a.event or "") != (b.event or "") or (a.grade or "") != (b.grade or ""):
        return False
    return _same_value(a, b)


def _distance(a: ResultDraft, b: ResultDraft) -> float:
    if a.value is None or b.value is None:
        return 0.0
    return abs(a.value - b.value)


def merge_restatements(drafts: list[ResultDraft]) -> list[ResultDraft]:
    """Merge restatements: first those that agree on everything, then a prose restatement whose
    arm is named differently from its table cell ('у группы риска S2 ... 91%' and the S2 column's
    '22 (91,6)'), when the value points to one cell only (the nearest, if a rounding fits two)."""
    merged: list[ResultDraft] = []
    for d in drafts:
        for m in merged:
            if _compatible(m, d):
                m.absorb(d)
                break
        else:
            merged.append(d)
    tabular = [m for m in merged if m.tabular]
    out: list[ResultDraft] = []
    for m in merged:
        if m.tabular or m.comparison_key:
            out.append(m)
            continue
        arm, n, m.arm, m.n = m.arm, m.n, None, None
        candidates = [t for t in tabular if _compatible(t, m)]
        m.arm, m.n = arm, n
        if candidates:
            # the nearest value; between equal values, the cell whose n the prose states
            best = min(candidates, key=lambda t: (_distance(t, m), t.n != m.n))
            keep_arm, keep_evidence = best.arm, best.evidence
            best.absorb(m)
            best.arm, best.evidence = keep_arm, keep_evidence
        else:
            out.append(m)
    return out
