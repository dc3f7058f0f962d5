"""Which study a sentence's results belong to when a review cites one reference for several studies.

A reference number first given with a named trial later marks that trial's results, unless the
sentence sets its study apart ("in another study"): then the results are a cited study of that
reference, never the trial. Sentences written for this test, in the style of the corpus reviews.
"""

from __future__ import annotations

import pytest

from ingest.extract.studies import StudyTracker

# (language, a sentence naming BLAST with reference 7, a result of "another study" citing 7,
#  a result citing 7 with no such cue)
CASES = [
    (
        "en",
        "Blinatumomab was approved on the basis of the phase II BLAST trial (NCT01207388) (7).",
        "In another study of 70 children with relapsed disease, CR was achieved in 41 patients (59%) (7).",
        "Relapse-free survival in this trial was 54% at 18 months (7).",
    ),
    (
        "ru",
        "Одобрение блинатумомаба основано на исследовании II фазы BLAST (NCT01207388) (7).",
        "В другом исследовании у 70 детей с рецидивом ПР достигнута у 41 пациента (59%) (7).",
        "Безрецидивная выживаемость составила 54% (7).",
    ),
    (
        "tr",
        "Blinatumomab'a faz II BLAST çalışmasına (NCT01207388) dayanarak onay verilmiştir (7).",
        "Relaps olan 70 çocuğun dahil edildiği başka bir çalışmada 41 hastada (%59) tam remisyon"
        " sağlanmıştır (7).",
        "Nükssüz sağkalım %54 olarak bildirilmiştir (7).",
    ),
    (
        "zh",
        "贝林妥欧单抗基于II期BLAST研究（NCT01207388）获批(7)。",
        "另一项针对70例复发患儿的研究中，41例（59%）获得CR (7)。",
        "无复发生存率为54% (7)。",
    ),
    (
        "ja",
        "ブリナツモマブは第II相BLAST試験（NCT01207388）に基づき承認された(7)。",
        "別の試験では再発小児70例中41例（59％）がCRを達成した(7)。",
        "無再発生存率は54％であった(7)。",
    ),
]


@pytest.mark.parametrize(("language", "named", "another", "plain"), CASES, ids=[c[0] for c in CASES])
def test_another_study_is_not_the_trial_its_reference_named(
    language: str, named: str, another: str, plain: str
) -> None:
    tracker = StudyTracker("A review of bispecific antibodies.", "review")
    blast = tracker.attribute(named)
    assert blast.label == "BLAST" and blast.registry_ids == ["NCT01207388"]
    # without the cue the reference means the trial it was first given with
    assert tracker.attribute(plain) is blast
    other = tracker.attribute(another)
    assert other.label == "cited study (ref 7)" and other.registry_ids == []
    assert other.key != blast.key and not other.is_primary
