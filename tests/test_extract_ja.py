"""Japanese extraction cases: sentences of paper 003 (a case report of CD22-negative relapse after
inotuzumab ozogamicin), sentences written in the same style, and background sentences that must
give nothing. A case report has few results; most of its numbers are background.

Expected results follow the curator's gold (../shared/gold/seeds.yaml, paper 003).
"""

from __future__ import annotations

import pytest

from tests.extraction_cases import (
    R,
    assert_extracts,
)

CORPUS = [
    pytest.param(
        "InOについては,成人再発CD22+ALL患者を対象とした国際共同第III相試験(INO-VATE ALL試験)における血液学"
        "的完全"
        "寛解率は標準化学療法群の29.4%に比してInO群で80.7%と良好で4),高い治療効果が期待されている。",
        (R("CR", 29.4, cmp="a"), R("CR", 80.7, cmp="a")),
        id="ino-vate-cr-ni-hishite",
    ),
]

WRITTEN = [
    pytest.param("奏効率は65%であった。", (R("ORR", 65),), id="orr-65"),
    pytest.param(
        "完全寛解率はInO群で73.8%,標準化学療法群で28.4%であった(P<0.001)。",
        (R("CR", 73.8, p="<0.001", cmp="a"), R("CR", 28.4, p="<0.001", cmp="a")),
        id="cr-by-group-p",
    ),
    pytest.param(
        "2年全生存率は45.2%であった。",
        (R("OS", 45.2, t=24),),
        id="2y-os",
    ),
    pytest.param(
        "無イベント生存期間中央値は11.2ヵ月であった。",
        (R("EFS", 11.2, "months"),),
        id="median-efs-months",
    ),
    pytest.param(
        "全生存期間中央値は未到達であった。",
        (R("OS", None, "months"),),
        id="median-os-not-reached",
    ),
    pytest.param(
        "MRD陰性率は72%(18/25例)であった。",
        (R("MRD_NEG", 72, count=18, n=25),),
        id="mrd-with-slash-count",
    ),
    pytest.param("非寛解は3例(12%)であった。", (R("NR", 12, count=3),), id="non-response-count"),
    pytest.param(
        "無増悪生存率はそれぞれ58%と32%であった(P=0.01)。",
        (R("PFS", 58, p="=0.01", cmp="a"), R("PFS", 32, p="=0.01", cmp="a")),
        id="pfs-sorezore-p",
    ),
    pytest.param(
        "再発後の全生存期間中央値はblinatumomab群で7.7ヵ月,化学療法群で4.0ヵ月であった(P=0.01)。",
        (R("OS", 7.7, "months", p="=0.01", cmp="a"), R("OS", 4.0, "months", p="=0.01", cmp="a")),
        id="median-os-by-group-p",
    ),
]

NEGATIVE = [
    pytest.param(
        "緒言再発した急性リンパ性白血病(ALL)に対する従来化学療法の完全寛解率は50%を下回っており十分とはいえ"
        "ない1)。",
        id="corpus-below-50",
    ),
    pytest.param(
        "考察成人ALLにおいては,初回化学療法で完全寛解に至った患者の約50%が再発する1)。", id="corpus-hedged-50"
    ),
    pytest.param(
        "再発例に対しては救援化学療法などの二次治療が行われるが,再び完全寛解に至る患者は50%以下で,さらに再"
        "度完全寛解"
        "を得たとしても約40%の患者は1年未満に再々発をきたす1)。",
        id="corpus-50-or-less-and-about-40",
    ),
    pytest.param(
        "骨髄にはN/C比が高く核網が繊細かつ核形が不整で細胞質に空胞をもつ芽球を71.2%認めた(図1A)。",
        id="corpus-marrow-blasts",
    ),
    pytest.param(
        "しかし,本例の白血病細胞のフローサイトメトリー結果を経時的に見直すと,初発時から白血病細胞の一部(10."
        "6%)は"
        "CD22-であったことが分かる(図1B)。",
        id="corpus-cd22-negative-share",
    ),
    pytest.param(
        "生着には問題なく,GVHD の所見もないことから,mycophenolate mofetilは移植後 46日目に終了し,移植後 50"
        "日目より"
        "tacrolimusの減量を開始していたが,移植後96日目に血液学的に再発した。",
        id="corpus-day-counts",
    ),
    pytest.param(
        "臍帯血移植3ヵ月後の早期再発をきたした本症例には,まずblinatumomab治療がなされたが無効であった。",
        id="corpus-early-relapse-timing",
    ),
    pytest.param(
        "再度COP療法及びvincristineやcyclophosphamideの投与で病勢を抑えつつInOの投与を開始したが,InO初回投"
        "与の5 "
        "日後に重篤な下血が出現し,その3日後には芽球の急激な増多(白血球数34200/μl,芽球76.5%)をきたした。",
        id="corpus-blast-count",
    ),
    pytest.param("完全寛解は骨髄中の芽球5%未満と定義した。", id="cr-definition"),
    pytest.param("約30%の患者で完全寛解が得られる。", id="hedged-cr"),
    pytest.param("全生存の観察期間中央値は24ヵ月であった。", id="follow-up-os"),
    pytest.param(
        "InOは1日目に0.8 mg/m2,8日目と15日目に0.5 mg/m2を投与し,完全寛解後は0.5 mg/m2に減量した。",
        id="dosing-cr",
    ),
]


@pytest.mark.parametrize(("sentence", "results"), CORPUS + WRITTEN)
def test_sentence_results(sentence: str, results: tuple[R, ...]) -> None:
    assert_extracts(sentence, results, cjk=True)


@pytest.mark.parametrize("sentence", NEGATIVE)
def test_background_sentence_gives_nothing(sentence: str) -> None:
    assert_extracts(sentence, (), cjk=True)
