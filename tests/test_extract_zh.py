"""Chinese extraction cases: sentences of papers 002 (CAR-T then second allo-HSCT in relapsed B-ALL)
and 004 (a review of immunotherapy in myeloma), sentences written in the same style, and background
sentences that must give nothing.

Expected results follow the curator's gold (../shared/gold/seeds.yaml, papers 002 and 004). Some
sentences are quoted with the paper's own line breaks and spaced decimals ("87. 5%"), which the
normalizer has to undo.
"""

from __future__ import annotations

import pytest

from tests.extraction_cases import (
    R,
    assert_extracts,
    gap,
)

CORPUS = [
    pytest.param(
        "二次移植后预期 3年总生存(OS)率为 48.9%(95% CI 23.0%~70.6%)、无白血病生存(LFS)率为 41.8%"
        "(95%CI 17.3%~64.9%),累积复发率(RI)为8.8%(95%CI 2.9%~26.4%),非复发相关死亡率(NRM)为51.1%"
        "(95%CI 31.2%~83.6%)。",
        (
            R("OS", 48.9, t=36, ci=(23.0, 70.6)),
            R("LFS", 41.8, t=36, ci=(17.3, 64.9)),
            R("RELAPSE", 8.8, t=36, ci=(2.9, 26.4)),
            R("NRM", 51.1, t=36, ci=(31.2, 83.6)),
        ),
        id="002-abstract-3y-with-ci",
    ),
    pytest.param(
        "首次移植后复发时间≤6个月组(10例)二次移植后1年OS率低于复发时间>6个月组(31例)[45.0%(95%CI "
        "12.7%~73.5%)对 75.0%(95%CI 51.4%~88.8%),P=0.017]。",
        (
            R("OS", 45.0, t=12, ci=(12.7, 73.5), p="=0.017", cmp="a"),
            R("OS", 75.0, t=12, ci=(51.4, 88.8), p="=0.017", cmp="a"),
        ),
        id="002-abstract-1y-os-by-relapse-time",
    ),
    pytest.param(
        "接受CART治疗后 36 例(87.8%)获得了 CR 且 MRD 阴性,3 例(7.3%)获得 CR 但 MRD 阳性,2 例(4.9%)NR。",
        (R("MRD_NEG", 87.8, count=36), R("CR", 7.3, count=3), R("NR", 4.9, count=2)),
        id="002-response-after-cart",
    ),
    pytest.param(
        "二次移植的结果:41例患者粒细胞均植活,中位植活时间为14(8~26)d,移植后30 d粒细胞植入率为100%。",
        (R("ENGRAFTMENT", 100),),
        id="002-neutrophil-engraftment",
    ),
    pytest.param(
        "移植后 100 d内II~IV度急性GVHD的发生率为 48.8%(95%CI 35.7%~66.8%),III~IV度急性 GVHD 发生率为 "
        "4.9%(95% CI 1.3%~ 18.9%)。",
        (
            R("AGVHD", 48.8, t=3.3, ci=(35.7, 66.8), grade="II-IV"),
            R("AGVHD", 4.9, t=3.3, ci=(1.3, 18.9), grade="III-IV"),
        ),
        id="002-agvhd-grades-100-days",
    ),
    pytest.param(
        "移植后 1 年慢性 GVHD 发生率为 42.3%(95%CI 27.5%~65.1%),广泛型慢性GVHD发生率为30.1%"
        "(95%CI 17.1%~52.8%)。",
        (
            R("CGVHD", 42.3, t=12, ci=(27.5, 65.1)),
            R("CGVHD", 30.1, t=12, ci=(17.1, 52.8), grade="extensive"),
        ),
        id="002-cgvhd-extensive",
    ),
    pytest.param(
        "其中自体细胞来源组(17例)和异基因细胞来源组(11 例)的 1 年 OS 率分别为 87.5%(95%CI 58.6%~96.7%)、"
        "36.4%(95%CI 7.2%~67.7%)(P=0.006),1 年 LFS 率分别为 81.3%(95% CI 52.5%~93.5%)、36.4%(95%CI "
        "7.2%~67.7%)(P=0.017),1 年 NRM 分别为 24.2%(95% CI 10.5%~55.9%)、53.9%(95%CI 29.3%~99.0%)"
        "(P=0.022)。",
        (
            R("OS", 87.5, t=12, ci=(58.6, 96.7), p="=0.006", cmp="a"),
            R("OS", 36.4, t=12, ci=(7.2, 67.7), p="=0.006", cmp="a"),
            R("LFS", 81.3, t=12, ci=(52.5, 93.5), p="=0.017", cmp="b"),
            R("LFS", 36.4, t=12, ci=(7.2, 67.7), p="=0.017", cmp="b"),
            R("NRM", 24.2, t=12, ci=(10.5, 55.9), p="=0.022", cmp="c"),
            R("NRM", 53.9, t=12, ci=(29.3, 99.0), p="=0.022", cmp="c"),
        ),
        id="002-cell-source-three-comparisons",
    ),
    pytest.param(
        "与首次移植后复发时间>6 个月组(31例)比较,复发时间≤6个月组(10例)二次移植后预期 1 年 OS 率、LFS 率"
        "均较低[OS:45.0%(95% CI 12.7%~73.5%)对 75.0%(95% CI 51.4%~ 88.8%),P=0.017;LFS:22.5%(95%CI "
        "1.35%~ 59.6%)对 71.7%(95%CI 47.4%~86.2%),P= 0.004],NRM较高[55.0%(95%CI 29.6%~100%)对24.5%"
        "(95%CI 11.6%~51.7%),P=0.022]。",
        (
            R("OS", 45.0, t=12, ci=(12.7, 73.5), p="=0.017", cmp="a"),
            R("OS", 75.0, t=12, ci=(51.4, 88.8), p="=0.017", cmp="a"),
            R("LFS", 22.5, t=12, ci=(1.35, 59.6), p="=0.004", cmp="b"),
            R("LFS", 71.7, t=12, ci=(47.4, 86.2), p="=0.004", cmp="b"),
            R("NRM", 55.0, t=12, ci=(29.6, 100), p="=0.022", cmp="c"),
            R("NRM", 24.5, t=12, ci=(11.6, 51.7), p="=0.022", cmp="c"),
        ),
        id="002-relapse-time-bracketed-comparisons",
    ),
    pytest.param(
        "并发症:二次移植后 100 d 内巨细胞病毒(CMV)血症发生率为 70.9%(95% CI 58.3%~ 86.4%),Epstein- Barr "
        "病毒(EBV)血症发生率为22.2%(95%CI 12.5%~39.5%)。",
        (R("AE", 70.9, t=3.3, ci=(58.3, 86.4)), R("AE", 22.2, t=3.3, ci=(12.5, 39.5))),
        id="002-cmv-ebv-viremia",
    ),
    pytest.param(
        "移植后1年TA-TMA累积发生率为18.2%(95%CI 9.2%~35.8%),移植后 3年TA-TMA累积发生率为27.4%"
        "(95%CI 13.2~56.8%)。",
        (R("AE", 18.2, t=12, ci=(9.2, 35.8)), R("AE", 27.4, t=36, ci=(13.2, 56.8))),
        id="002-ta-tma-1y-3y",
    ),
    pytest.param(
        "Collins等[8]报道,44例移植后血液学复发的ALL患者接受DLI或化疗序贯DLI,3年OS率仅为 13%。",
        (R("OS", 13, t=36),),
        id="002-collins-3y-os",
    ),
    pytest.param(
        "一项II期临床试验结果显示,采用blinatumomab 单抗治疗 64 例 allo-HSCT 后复发的Ph阴性B-ALL患者,45%的"
        "患者在接受2个周期治疗后获得CR,1年OS率为36%,3年OS率为18%[4]。",
        (R("CR", 45), R("OS", 36, t=12), R("OS", 18, t=36)),
        id="002-blinatumomab-cr-then-os",
    ),
    pytest.param(
        "Hua 等[9]对移植后复发的 B- ALL 患者分别采用CART 和 DLI 治疗,MRD 阴性 CR 率分别为 61.5%和 13.3%"
        "(P=0.02),中位缓解时间分别为 8(3~ 25)个月和 4.4(1~25)个月(P=0.026),OS 时间分别为 9.5(3~25)"
        "个月和 5.5(1~25)个月(P= 0.030)。",
        (
            R("MRD_NEG", 61.5, p="=0.02", cmp="a"),
            R("MRD_NEG", 13.3, p="=0.02", cmp="a"),
            R("DOR", 8, "months", p="=0.026", cmp="b"),
            R("DOR", 4.4, "months", p="=0.026", cmp="b"),
            R("OS", 9.5, "months", p="=0.030", cmp="c"),
            R("OS", 5.5, "months", p="=0.030", cmp="c"),
        ),
        id="002-hua-cart-vs-dli",
    ),
    pytest.param(
        "来自于EBMT的长期随访资料显示,120例首次移植后复发ALL患者行二次移植治疗,预期10年OS 率为(5 ± 3)%、LFS "
        "率为(4 ± 2)%、RI 为(60 ± 5)%、NRM为(36±5)%[10],因此既往模式B-ALL二次移植的长生存率不理想,且复发率"
        "较高。",
        (
            R("OS", 5, t=120, pm=3),
            R("LFS", 4, t=120, pm=2),
            R("RELAPSE", 60, t=120, pm=5),
            R("NRM", 36, t=120, pm=5),
        ),
        id="002-ebmt-10y-pm-in-parentheses",
    ),
    pytest.param(
        "Shaw等［13］采用减低强度预处理的二次移植\n\n治疗 71 例移植后复发儿童患者（包括 ALL 患者\n\n14例），"
        "移植后 2年的OS率为 28％，移植相关死亡\n\n率（TRM）为 27％。",
        (R("OS", 28, t=24), R("NRM", 27)),
        id="002-shaw-os-and-trm",
        marks=gap("the 2-year landmark of the OS rate carries over to the TRM stated after it"),
    ),
    pytest.param(
        "在 Imus等[16]的研究中,将恶性血液肿瘤患者根据二次移植供者HLA配型情况分为没有新的单倍型和有新的单倍"
        "型两组,"
        "两组中位生存时间分别为 552 d和未达到(P=0.02)。",
        (R("OS", 552, "days", p="=0.02", cmp="a"), R("OS", None, "months", p="=0.02", cmp="a")),
        id="002-imus-days-vs-not-reached",
    ),
    pytest.param(
        "在 MAIA 研究中,来那度胺、地塞米松(revlimid and dexamethasone, RD)联合或不联合达雷妥尤单抗治疗不合"
        "适移植的"
        "新诊断骨髓瘤患者,联合达雷妥尤单抗组的无进展生存期(progression free survival, PFS)明显延长"
        "(未达到比31.8 月)[5]。",
        (R("PFS", None, "months", cmp="a"), R("PFS", 31.8, "months", cmp="a")),
        id="004-maia-not-reached-vs",
    ),
    pytest.param(
        "在 ALCYONE 研究中,采用硼替佐米、美法仑、地塞米松联合或不联合达雷妥尤单抗,PFS 也明显延长"
        "(36.4 月比 19.3 月)[6]。",
        (R("PFS", 36.4, "months", cmp="a"), R("PFS", 19.3, "months", cmp="a")),
        id="004-alcyone",
    ),
    pytest.param(
        "Elotuzumab 单药疗效局限,但和来那度胺或泊马度胺联合使用时,疗效明显提升(PFS 分别为 19.4 月比 14.9 月;"
        "10.3 月比 4.7 月)[10-11]。",
        (
            R("PFS", 19.4, "months", cmp="a"),
            R("PFS", 14.9, "months", cmp="a"),
            R("PFS", 10.3, "months", cmp="b"),
            R("PFS", 4.7, "months", cmp="b"),
        ),
        id="004-elotuzumab-two-comparisons",
    ),
    pytest.param(
        "卡非佐米、地塞米松联合或不联合 isatuximab 用于治疗 RRMM,isatuximab 联合组 PFS 明显获益"
        "(没有达到比 19.2 月)[12]。",
        (R("PFS", None, "months", cmp="a"), R("PFS", 19.2, "months", cmp="a")),
        id="004-isatuximab",
    ),
    pytest.param(
        "我科发起了一项 BCMA-CART\n细胞治疗 RRMM 的 I 期临床研究［13］，24 例 RRMM 患\n\n者接受 BCMA-CART "
        "治疗，"
        "中位随访 17. 4（0. 9，38. 7）\n个月，总缓解率 87. 5%，其中 79. 2% 的患者达到完全\n\n缓解（complete "
        "remission， CR）或严格意义的 CR，中位\n\nPFS 为 18. 8 ［10. 1，无法评估（not evaluable， NE）］月"
        "，\n\n"
        "中位总生存期（overall survival， OS）尚未达到；安全性\n\n方面，62. 5% 的患者出现细胞因子释放综合征"
        "（cyto⁃\n"
        "kine release syndrome， CRS），但无 3 级及以上 CRS 发\n\n生，使用妥珠单抗等药物治疗后，所有 CRS 在"
        "回输后 6\n"
        "天左右得到控制。",
        (
            R("ORR", 87.5),
            R("CR", 79.2),
            R("PFS", 18.8, "months", ci=(10.1, None)),
            R("OS", None, "months"),
            R("CRS", 62.5),
        ),
        id="004-bcma-cart-spaced-decimals",
    ),
    pytest.param(
        "165 例平均 5 线耐药的\n\nRRMM 接受了 Teclistamab 治疗，平均随访（14. 1±4. 5）\n月，PR 及以上疗效为 "
        "63%，其中 CR 及以上疗效为\n\n39. 4%，26. 7% 的患者 MRD 阴性，中位 PFS 为 11. 3\n（4. 7，NE）月；常"
        "见的 "
        "AEs 包括 CRS（72. 1%）、中性粒细\n\n胞 减 少（70. 9%）、贫 血（52. 1%）和 血 小 板 减 少\n\n（40%"
        "）［19］。",
        (
            R("ORR", 63),
            R("CR", 39.4),
            R("MRD_NEG", 26.7),
            R("PFS", 11.3, "months", ci=(4.7, None)),
            R("CRS", 72.1),
            R("AE", 70.9),
            R("AE", 52.1),
            R("AE", 40),
        ),
        id="004-teclistamab",
    ),
    pytest.param(
        "有研究[31]显示, 24 例患者接受了这种治疗方案,78%的患者获得 CR 或 VGPR;在所有可评估的患者中,骨髓瘤特"
        "异性 "
        "CD4+T 细胞和 CD8+T 细胞都扩增了 2 倍以上;值得注意的是,在没有维持治疗的情况下,所有 PR 的患者在疫苗"
        "接种 "
        "3 个月后都转化为 CR,提示疫苗对于骨髓瘤微小残留病灶具有清除作用。",
        (R("VGPR_OR_BETTER", 78),),
        id="004-dc-vaccine-vgpr-or-better",
    ),
    pytest.param(
        "粒单核细胞集落刺激因子(granulocyte-macrophage colony-stimulating factor,GM-CSF)可促进骨髓瘤细胞株"
        "抗原的表达,用于制备 GM-CSF 分泌疫苗,14 例治疗后获得接近 CR(near complete remission,nCR)疗效的多发性"
        "骨髓瘤患者,在来那度胺维持治疗期间接种了 GM-CSF 分泌疫苗,8 例患者(53.3%)患者获得 CR,中位随访 5"
        "(3.15,8.43)年,PFS 没有达到,中位 OS 为7.8(3.51,10.85)年;随访至 7 年,所有患者均检测到GM-CSF 分泌"
        "疫苗诱导的克隆性 T 细胞扩增;该研究提示,来那度胺联合 GM-CSF 分泌疫苗,可以为 nCR 的骨髓瘤患者带来持"
        "久的"
        "免疫反应和长时间的疾病控制[32]。",
        (R("CR", 53.3, count=8), R("PFS", None, "months"), R("OS", 7.8, "years", ci=(3.51, 10.85))),
        id="004-gm-csf-vaccine",
    ),
]

WRITTEN = [
    pytest.param(
        "中位 OS 为 12.5 个月 比 8.1 个月 (P=0.03)。",
        (R("OS", 12.5, "months", p="=0.03", cmp="a"), R("OS", 8.1, "months", p="=0.03", cmp="a")),
        id="median-os-bi-p",
    ),
    pytest.param(
        "两组 2 年无事件生存率分别为 65.2% 和 48.7%(P<0.001)。",
        (R("EFS", 65.2, t=24, p="<0.001", cmp="a"), R("EFS", 48.7, t=24, p="<0.001", cmp="a")),
        id="2y-efs-two-groups",
    ),
    pytest.param("3 级及以上 CRS 发生率为 8.3%。", (R("CRS", 8.3, grade=">=3"),), id="grade-3-or-more-crs"),
    pytest.param(
        "中位无进展生存期尚未达到。",
        (R("PFS", None, "months"),),
        id="median-pfs-not-reached",
    ),
    pytest.param(
        "移植后 100 d 内 II~IV 度急性 GVHD 累积发生率为 25.0%(95%CI 15.2%~36.1%)。",
        (R("AGVHD", 25.0, t=3.3, ci=(15.2, 36.1), grade="II-IV"),),
        id="agvhd-100-days-spaced",
    ),
    pytest.param(
        "中位缓解持续时间为 9.6 个月(95%CI 6.2~13.0)。",
        (R("DOR", 9.6, "months", ci=(6.2, 13.0)),),
        id="median-dor-with-ci",
    ),
    pytest.param(
        "移植后1、3年累积复发率分别为12.0%、20.5%。",
        (R("RELAPSE", 12.0, t=12), R("RELAPSE", 20.5, t=36)),
        id="cir-at-1-and-3-years",
    ),
    pytest.param(
        "总缓解率为 82.6%(19/23),完全缓解率为 56.5%(13/23)。",
        (R("ORR", 82.6, count=19, n=23), R("CR", 56.5, count=13, n=23)),
        id="rates-with-slash-counts",
    ),
    pytest.param(
        "10 例患者中有 5 例达到完全缓解。",
        (R("CR", 50, count=5, n=10),),
        id="count-of-n-zh",
    ),
    pytest.param(
        "无病生存率在 CART 组为 72.4%,在化疗组为 41.0%(P=0.008)。",
        (R("DFS", 72.4, p="=0.008", cmp="a"), R("DFS", 41.0, p="=0.008", cmp="a")),
        id="dfs-by-group-p",
    ),
]

NEGATIVE = [
    pytest.param(
        "复发定义为完全缓解(CR)后再次出现骨髓白血病细胞>5%或发生髓外白血病。", id="002-relapse-definition"
    ),
    pytest.param(
        "慢性GVHD按照传统分为局限型(50%以下的皮肤面积受累或仅有肝脏受累)和广泛型慢性 GVHD(累及任何其他器官,"
        "50%"
        "以上皮肤受累或肝硬化)。",
        id="002-cgvhd-grading-thresholds",
    ),
    pytest.param(
        "移植后骨髓复发31例(75.6%)、髓外复发5例(12.2%)、骨髓和髓外复发 5 例(12.2%)。", id="002-relapse-sites"
    ),
    pytest.param(
        "累及骨髓复发患者骨髓中位原始+幼稚淋巴细胞比例为 66%(8%~ 96%)。", id="002-marrow-blast-share"
    ),
    pytest.param(
        "死亡相关情况:至随访截止共 13 例患者死亡,中位死亡时间为二次移植后 129(33~456)d。",
        id="002-time-to-death",
    ),
    pytest.param("以双侧P<0.05为差异有统计学意义。", id="002-significance-level"),
    pytest.param(
        "多发性骨髓瘤常见于老年患者,85%的患者诊断时年龄超过 55 岁,60%的患者超过 65 岁[3]。",
        id="004-age-shares",
    ),
    pytest.param(
        "作为血液系统第二常见的肿瘤,其发病率占所有肿瘤的 1%,占血液系统肿瘤的 10%[2]。", id="004-incidence"
    ),
    pytest.param("约40%的患者可获得完全缓解。", id="hedged-cr"),
    pytest.param("中位随访 24 个月,总生存率未进行分析。", id="follow-up-os"),
    pytest.param("为预防细胞因子释放综合征,给予托珠单抗 8 mg/kg 静脉滴注。", id="dosing-crs"),
    pytest.param(
        "儿童急性淋巴细胞白血病约占儿童白血病的 75%,其完全缓解率已有明显提高。",
        id="epidemiology-share-before-cr",
    ),
]


@pytest.mark.parametrize(("sentence", "results"), CORPUS + WRITTEN)
def test_sentence_results(sentence: str, results: tuple[R, ...]) -> None:
    assert_extracts(sentence, results, cjk=True)


@pytest.mark.parametrize("sentence", NEGATIVE)
def test_background_sentence_gives_nothing(sentence: str) -> None:
    assert_extracts(sentence, (), cjk=True)
