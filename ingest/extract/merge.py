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
    if not a.arm_key or not b.arm_key:
        return True
    if a.ci_low is not None and (a.ci_low, a.ci_high) == (b.ci_low, b.ci_high):
        return True  # the same estimate with the same interval is the same arm, however it is named
    if a.arm_key in b.arm_key or b.arm_key in a.arm_key:
        return True
    return {c.id for c in a.interventions} == {c.id for c in b.interventions}


def _same_study(a: ResultDraft, b: ResultDraft) -> bool:
    # Cited results are often restated with a different citation cue (trial name in one sentence,
    # reference number in the next): among cited studies the result itself identifies the study.
    return a.study.key == b.study.key or (not a.study.is_primary and not b.study.is_primary)


def _compatible(a: ResultDraft, b: ResultDraft) -> bool:
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


def merge_restatements(drafts: list[ResultDraft]) -> list[ResultDraft]:
    merged: list[ResultDraft] = []
    for d in drafts:
        for m in merged:
            if _compatible(m, d):
                m.absorb(d)
                break
        else:
            merged.append(d)
    return merged
