"""Turkish extraction cases: sentences of paper 001 (a review of blinatumomab in pediatric ALL),
sentences written in the same style, and background sentences that must give nothing.

Expected results follow the curator's gold (../shared/gold/seeds.yaml, paper 001).
"""

from __future__ import annotations

import pytest

from tests.extraction_cases import (
    R,
    assert_extracts,
)

CORPUS = [
    pytest.param(
        "Bu çalışmada, kemik iliğinde %25'ten fazla blastı olan R/R ALL hastalarının %39'unda iki döngü "
        "Blinatumomab ile tam remisyon sağlandığı, bunların %52'sinde tam MKH yanıtı elde edildiği "
        "bildirilmiştir (9).",
        (R("CR", 39), R("MRD_NEG", 52)),
        id="subject-suffix-cr-and-mrd",
    ),
    pytest.param(
        "İlk açık etiketli çalışmanın aksine, ikinci veya daha sonraki relapsı olan veya allo-HKHT sonrası "
        "herhangi bir relapsı olan veya diğer tedavilere dirençli olan ve daha düşük tümör yükü olan (≥%5 "
        "blast veya <%5 blast ancak MKH seviyesi ≥ 10 -3 olanlar) hastaların dahil edildiği başka bir "
        "çalışmada, 110 hastadan 69'unda ilk iki döngü Blinatumomab tedavisi ile tam remisyon sağlandığı; "
        "bunlardan 45'inin (%65) allo-HKHT'ye ilerlediği, Blinatumomab sonrası allo-HKHT alan hastaların, "
        "almayanlara kıyasla genel sağkalım ve nükssüz sağkalım açısından iyileşme eğilimi gösterdiği "
        "bildirilmiştir (10).",
        (R("CR", 62.7, count=69, n=110), R("HSCT_RATE", 65, count=45)),
        id="rialto-count-of-n",
    ),
    pytest.param(
        "2.9 yıl medyan takip süresi ile, Blinatumomab grubunda 2 yıllık hastalıksız sağkalım oranı %54,4 "
        "iken, kemoterapi grubunda %39, 2 yıllık genel sağkalım oranı Blinatumomab grubunda %71,3 iken, "
        "kemoterapi grubunda %58,4 olarak bulunmuştur.",
        (
            R("DFS", 54.4, t=24, cmp="a"),
            R("DFS", 39, t=24, cmp="a"),
            R("OS", 71.3, t=24, cmp="b"),
            R("OS", 58.4, t=24, cmp="b"),
        ),
        id="cog-2y-dfs-os-by-arm",
    ),
    pytest.param(
        "Bu çalışmada, Blinatumomab ile yapılan post-reindüksiyon tedavisinin hastalıksız sağkalım açısından "
        "istatistiksel olarak anlamlı bir fark yaratmadığı, ancak Blinatumomab grubu ile kemoterapi grubu "
        "arasındaki genel sağkalım (%71,3'e karşı %58,4) ve MKH negatifliği (%75'e karşı %32) açısından "
        "istatistiksel açıdan Blinatumomab lehine anlamlı sonuçlara ulaşılmıştır (15).",
        (
            R("OS", 71.3, cmp="a"),
            R("OS", 58.4, cmp="a"),
            R("MRD_NEG", 75, cmp="b"),
            R("MRD_NEG", 32, cmp="b"),
        ),
        id="cog-karsi-pairs",
    ),
    pytest.param(
        "Ortalama 22,4 aylık takip süresinin ardından Blinatumomab grubunda, kemoterapi grubuna kıyasla daha "
        "fazla hastada MKH'de remisyona ulaşıldığı gözlenmiş (%90 karşı %54) ve Blinatumomab grubundaki daha "
        "fazla hasta HKHT'ye ilerleyebilmiştir.",
        (R("MRD_NEG", 90, cmp="a"), R("MRD_NEG", 54, cmp="a")),
        id="locatelli-mrd-karsi",
    ),
    pytest.param(
        "21 hasta en az bir Blinatumomab kürü almış ve 12'si (%57) 4 siklusu tamamlamıştır.",
        (R("TREATMENT_COMPLETION", 57, count=12),),
        id="treatment-completion-count",
    ),
    pytest.param(
        "Ortanca 14.3 aylık takip süresinde kümülatif relaps insidansı %29, bir yıllık genel sağkalım %85, "
        "progresyonsuz sağkalım ise %71 bulunmuştur (17).",
        (R("RELAPSE", 29), R("OS", 85, t=12), R("PFS", 71, t=12)),
        id="gaballa-word-landmark",
    ),
    pytest.param(
        "Bu çalışmada, remisyon sonrası Blinatumomab ve ardından kemoterapi alan hastalar ile standart "
        "kemoterapi alan hastalar karşılaştırılmış ve sonuçta Blinatumomab öncesi MKH pozitif olan "
        "hastaların %97'sinde yanıt alındığı, olaysız sağkalım ve genel sağkalım oranlarının iki grupta "
        "karşılaştırılabilir düzeyde olduğu, kemoterapiyi tolere edemeyen çocuklarda birincil tedavide "
        "Blinatumomab'ın etkili ve güvenli olduğu bildirilmiştir (18).",
        (R("MRD_NEG", 97),),
        id="response-of-mrd-positive-is-mrd-response",
    ),
    pytest.param(
        "Yeni tanı Ph-ALL'de birinci basamak tedavide Blinatumomab kullanımı ile ilgili çalışmalarda; Lu ve "
        "ark. (19), yaptıkları çalışmada düşük yoğunluklu kemoterapiye ek olarak Blinatumomab alan tüm "
        "hastaların komplet remisyona, %89'unun MKH negatifliğine ulaştığını, iyi tolere edilen bir "
        "indüksiyon rejimi olduğunu bildirmiştir.",
        (R("MRD_NEG", 89),),
        id="lu-mrd-89",
    ),
    pytest.param(
        "GIMEMA LAL2317 çalışmasında, standart indüksiyonkonsolidasyona ek olarak 2 kür Blinatumomab "
        "uygulanan 18-65 yaş aralığındaki 146 hasta arasında, 12 ayda olaysız sağkalım ve hastalıksız "
        "sağkalımın sırasıyla %84 ve %72 olduğu, Fransız QUEST çalışmasında, allo-HCT'ye geçiş olarak "
        "konsolidasyon ve idame fazlarına 5 siklusa kadar Blinatumomab eklenen yüksek riskli hastalarda "
        "(KMT2A yeniden düzenlemesi, IKZF1 intragenik delesyonu ve/veya indüksiyon sonrası MKH'si ≥10 -4 "
        "olanlar) 2,5 yılda olaysız sağkalımın %79, hastalıksız sağkalımın %72 olduğu bildirilmiştir (20,21"
        ").",
        (R("EFS", 84, t=12), R("DFS", 72, t=12), R("EFS", 79, t=30), R("DFS", 72, t=30)),
        id="gimema-quest-landmarks",
    ),
    pytest.param(
        "Ph+ ALL'de birinci basamak tedavide Blinatumomab kullanımı ile ilgili çalışmalarda; İtalyan bir gr"
        "up "
        "indüksiyonda dasatinib + deksametazon kullanarak, ardından 2-5 kür Blinatumomab ve dasatinib idame "
        "tedavisi uyguladıkları çalışmalarında komplet remisyon oranını %98, moleküler yanıt oranını %60, "
        "18. ayda olaysız sağkalım ve genel sağkalım oranlarını sırasıyla %88 ve %95 olarak bildirmişlerdir "
        "(22).",
        (R("CR", 98), R("MOLECULAR_RESPONSE", 60), R("EFS", 88, t=18), R("OS", 95, t=18)),
        id="d-alba-four-endpoints",
    ),
    pytest.param(
        "Ortanca yaşı 57 (20-83) yıl olan 40 hasta arasında %96'sı komplet remisyona ulaşırken, 2 yılda "
        "genel sağkalım olasılığı %95 olarak bulunmuş, sadece bir hastanın ilk komplet remisyonda allojenik "
        "kök hücre nakline alınması gerekmiştir.",
        (R("CR", 96), R("OS", 95, t=24)),
        id="jabbour-cr-and-2y-os",
    ),
    pytest.param(
        "Kemoterapinin çıkarıldığı ve Blinatumomab'ın dahil edildiği faz II GIMEMA LAL2116 D-ALBA "
        "çalışmasında, 3 yıllık genel sağkalım oranı %80 ve hastalıksız sağkalım oranı %71 olarak elde "
        "edilmiştir, bu da Ph+ ALL'li yetişkinlerde kemoterapinin tamamen çıkarılmasının mümkün olabileceği"
        "ni "
        "göstermektedir (25).",
        (R("OS", 80, t=36), R("DFS", 71, t=36)),
        id="d-alba-3y",
    ),
    pytest.param(
        "Üç yıllık olaysız sağkalım ve genel sağkalım transplant sonrası sırasıyla %47 ve %81 olup, bu hasta "
        "alt grubunda tarihsel sonuçlarla kıyaslandığında olumlu bir tablo ortaya çıkmıştır.",
        (R("EFS", 47, t=36), R("OS", 81, t=36)),
        id="clesham-word-number-landmark",
    ),
    pytest.param(
        "Toplam 28 hastanın (%93), Blinatumomab infüzyonu sonrası ya MKH'sının negatifleştiği ya da düşük "
        "düzeylere (<5×10 -4 , 10.000 normal hücreye karşı <5 lösemik hücre) ulaştığı, kemoterapiye devam "
        "eden tüm hastaların tedavilerinin sonraki aşamasında MKH'lerinin negatif olduğu, ayrıca iki yıllık "
        "hastalıksız sağkalımlarının %81,6 olduğu ve sadece Interfant-06 kemoterapi protokolü alan "
        "infantlarda ise bu oranın %49,4 olduğu bulunmuştur.",
        (R("MRD_NEG", 93, count=28), R("DFS", 81.6, t=24, cmp="a"), R("DFS", 49.4, t=24, cmp="a")),
        id="inge-mrd-and-dfs-vs-historical",
    ),
    pytest.param(
        "Benzer şekilde, genel sağkalım için karşılık gelen değerler sırasıyla %93,3 ve %65,8 olarak "
        "bulunmuştur.",
        (R("OS", 93.3, cmp="a"), R("OS", 65.8, cmp="a")),
        id="inge-os-respectively",
    ),
    pytest.param(
        "Bir Faz III çalışmada, herhangi bir grade'deki SiSS'nin insidansı %16, grade ≥3 SiSS'ün insidansı "
        "%5 olarak bildirilmiştir.",
        (R("CRS", 16, grade="any"), R("CRS", 5, grade=">=3")),
        id="crs-any-grade-and-grade-3",
    ),
    pytest.param(
        "Bununla birlikte, immünoglobulin seviyelerinin yavaş iyileştiği bildirilmiş olduğundan, kalıcı "
        "hipogamaglobulinemi veya artmış enfeksiyon riski durumunda immünoglobulin replasmanı "
        "düşünülmelidir. d) Hematolojik toksisite Genel olarak, Blinatumomab ile sitopeni görülme oranı "
        "standart kemoterapi ile tedavi edilen hastalara göre daha düşüktür (%60'a karşılık %70).",
        (R("AE", 60, cmp="a"), R("AE", 70, cmp="a")),
        id="cytopenia-karsilik",
    ),
    pytest.param(
        "Özellikle derece ≥3 nötropeni, trombositopeni ve anemi için oranlar Blinatumomab ve kemoterapi "
        "kollarında sırasıyla %18'e karşı %27, %15'e karşı %28 ve %20'ye karşı %35'tir.",
        (
            R("AE", 18, cmp="a", grade=">=3"),
            R("AE", 27, cmp="a", grade=">=3"),
            R("AE", 15, cmp="b", grade=">=3"),
            R("AE", 28, cmp="b", grade=">=3"),
            R("AE", 20, cmp="c", grade=">=3"),
            R("AE", 35, cmp="c", grade=">=3"),
        ),
        id="grade-3-cytopenias-three-pairs",
    ),
]

WRITTEN = [
    pytest.param(
        "Blinatumomab grubunda tam remisyon oranı %45'e karşı %30 olarak bulunmuştur (p=0,02).",
        (R("CR", 45, p="=0.02", cmp="a"), R("CR", 30, p="=0.02", cmp="a")),
        id="cr-karsi-p",
    ),
    pytest.param("3 yıllık genel sağkalım %62,5 olarak bulundu.", (R("OS", 62.5, t=36),), id="3y-os"),
    pytest.param("Medyan genel sağkalım 18,5 ay idi.", (R("OS", 18.5, "months"),), id="median-os-months"),
    pytest.param(
        "Medyan olaysız sağkalıma ulaşılmadı.", (R("EFS", None, "months"),), id="median-efs-not-reached"
    ),
    pytest.param(
        "30 hastadan 24'ünde (%80) MKH negatifliği sağlandı.",
        (R("MRD_NEG", 80, count=24, n=30),),
        id="mrd-count-of-n-with-percent",
    ),
    pytest.param(
        "İnotuzumab kolunda nüks oranı %12,5, kemoterapi kolunda ise %25,0 idi.",
        (R("RELAPSE", 12.5, cmp="a"), R("RELAPSE", 25, cmp="a")),
        id="relapse-by-arm",
    ),
    pytest.param(
        "Grade ≥3 sitokin salınım sendromu hastaların %8'inde görüldü.",
        (R("CRS", 8, grade=">=3"),),
        id="grade-3-crs",
    ),
    pytest.param(
        "2 yıllık nükssüz sağkalım %70 (%95 GA: 58-82) olarak hesaplandı.",
        (R("RFS", 70, t=24, ci=(58, 82)),),
        id="rfs-with-turkish-ci",
    ),
    pytest.param(
        "Nörotoksisite hastaların %14'ünde, sitokin salınım sendromu ise %22'sinde gelişti.",
        (R("NEUROTOX", 14), R("CRS", 22)),
        id="neurotox-and-crs",
    ),
]

NEGATIVE = [
    pytest.param(
        "Çağdaş tedavi yaklaşımları, ALL için 5 yıllık olaysız sağkalım ve genel sağkalım oranlarını "
        "sırasıyla %80 ve %90'ın üzerine çıkarmış ve kümülatif nüks riskini %10'un altına düşürmüştür.",
        id="corpus-over-80-and-90",
    ),
    pytest.param(
        "Ne yazık ki, pediatrik hastaların yaklaşık %15'inde hastalık relapsı (tekrar) gelişmektedir (1).",
        id="corpus-hedged-relapse",
    ),
    pytest.param(
        "Relaps/refrakter (R/R) ALL, tam remisyondan sonra blastların (>%5) yeniden ortaya çıkması veya "
        "indüksiyon sonunda tam remisyona ulaşılamaması olarak tanımlanır (2).",
        id="corpus-relapse-definition",
    ),
    pytest.param(
        "Genel olarak, birincil tedavinin tamamlanmasından sonra relaps olan hastaların çoğu ikinci bir tam "
        "remisyona ulaşabilir ve bu hastalar için iyileşme oranları yaklaşık %50'dir.",
        id="corpus-hedged-cure",
    ),
    pytest.param(
        "Bununla birlikte, tedavi sırasında relaps olan hastaların yalnızca %50-%70'si ikinci bir remisyona "
        "ulaşabilir ve iyileşme oranları yalnızca %20-%30'dur (1).",
        id="corpus-ranges",
    ),
    pytest.param(
        "Locatelli ve ark. (16), morfolojik olarak tam remisyonda (M1 kemik iliği, <5% blast) olan veya "
        "randomizasyon sırasında M2 kemik iliği (≥%5 ve <%25 blast) olan yüksek riskli ilk relapsını yaşayan "
        "18 yaşından küçük 108 çocuğu incelemişlerdir.",
        id="corpus-marrow-thresholds",
    ),
    pytest.param(
        "Ph+ ALL sıklığı yaşla birlikte artar ve çocuklarda yaklaşık %2 ila %5, yetişkinlerde ise %25 "
        "oranında görülür.",
        id="corpus-epidemiology",
    ),
    pytest.param(
        "Blinatumomab ile tedavi edilen ALL hastalarında febril nötropeni oranları %24 ile %28 arasında "
        "değişirken, kemoterapi alanlarda bu oran %39 dolayındadır (3,6).",
        id="corpus-range-and-hedge-after",
    ),
    pytest.param(
        "Kateter ilişkili kan dolaşımı enfeksiyonları %3 ila %11 arasında değişen yüksek oranlarda "
        "görülmektedir (42,43).",
        id="corpus-range-ila",
    ),
    pytest.param(
        "Hastaların bir kısmında SiSS dışı durumlar da olmak üzere karaciğer enzimlerinde 3. derece veya "
        "daha ciddi yükselme olmuş ve bu durum hastaların %1'inden azında tedavinin kesilmesiyle "
        "sonuçlanmıştır.",
        id="corpus-less-than-1-non-crs",
    ),
    pytest.param("Hastaların yaklaşık %40'ında nüks oranı artmaktadır.", id="hedged-relapse"),
    pytest.param(
        "Tam remisyon, kemik iliğinde %5'ten az blast olması olarak tanımlandı.", id="cr-definition"
    ),
    pytest.param(
        "Sitokin salınım sendromunu önlemek için ilk dozdan 30 dakika önce 10 mg/m2 deksametazon verildi.",
        id="dosing-crs-prophylaxis",
    ),
    pytest.param(
        "Medyan takip süresi 24 ay olup genel sağkalım analizi bu tarihte yapıldı.", id="follow-up-os"
    ),
]


@pytest.mark.parametrize(("sentence", "results"), CORPUS + WRITTEN)
def test_sentence_results(sentence: str, results: tuple[R, ...]) -> None:
    assert_extracts(sentence, results)


@pytest.mark.parametrize("sentence", NEGATIVE)
def test_background_sentence_gives_nothing(sentence: str) -> None:
    assert_extracts(sentence, ())
