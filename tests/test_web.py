"""The web page, the paper page and the browsing routes (studies, papers), over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from kb.model.records import OutcomeRecord
from tests import evidence_kb
from tests.conftest import LiveServer
from tests.test_error_shape import assert_canonical_error


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = LiveServer(evidence_kb.build(tmp_path_factory.mktemp("web")).home)
    yield live
    live.stop()


def page(server: LiveServer, path: str, status: int = 200) -> str:
    response = server.client.get(path)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    return response.text


def test_the_search_page_works_without_javascript(server):
    html = page(server, "/")
    assert "<script" not in html.lower()
    assert '<form class="search" method="get" action="/"' in html
    for name in ("q", "antigen", "drug_class", "intervention", "disease", "line", "population", "endpoint"):
        assert f'name="{name}"' in html
    assert '<option value="CD19">CD19 (4)</option>' in html
    assert "8 results" in html
    assert '<a href="/papers/ru?format=html" lang="ru">Блинатумомаб у детей и взрослых</a>' in html


def test_a_search_in_russian_reads_as_the_intervention(server):
    html = page(server, "/?q=" + quote("блинатумомаб"))
    assert "read as intervention: blinatumomab" in html
    assert "4 results" in html
    assert '<option value="blinatumomab" selected>' in html
    again = page(server, "/?intervention=blinatumomab&q=" + quote("блинатумомаб"))  # the form sent again
    assert "read as intervention: blinatumomab" in again and "4 results" in again
    # the source sentence in its language, the value marked, the paper one click away
    assert (
        '<td class="evidence" lang="ru">В исследовании TOWER медиана ОВ составила <mark>7,7</mark> мес'
        in html
    )
    assert 'href="/papers/ru?format=html&amp;highlight=ru-r1#r-ru-r1"' in html
    # beside a sentence in another language, an English gloss of its terms and numbers, marked as one
    gloss = re.search(r'<span class="gloss" lang="en"[^>]*>(.*?)</span>', html)
    assert gloss and "overall survival" in gloss.group(1) and "7.7 months" in gloss.group(1)
    # downloads of the comparison of the same results, and the plot of the commonest endpoint
    for name in ("csv", "xlsx", "md", "html", "json", "csvw", "ris", "bibtex"):
        assert f'href="/compare?intervention=blinatumomab&amp;format={name}"' in html
    assert 'src="/compare/plot?intervention=blinatumomab&amp;endpoint=OS&amp;format=svg"' in html


def test_a_search_of_several_words_reads_each_concept(server):
    html = page(server, "/?q=" + quote("блинатумомаб OS"))
    assert "read as intervention: blinatumomab, endpoint: overall survival" in html and "2 results" in html
    html = page(server, "/?q=" + quote("CAR-T 95％CI"))
    assert "read as drug class: CAR-T; “95％CI” searched in the source sentences" in html
    assert "1 result" in html


def test_form_fields_left_empty_mean_any(server):
    html = page(server, "/?q=&antigen=&disease=MM&min_n=&sort=-value")
    assert "3 results" in html
    assert html.index("87.5%") < html.index("31.8 mo")  # sorted by value, descending
    assert '<option value="-value" selected>' in html


def test_words_that_name_no_concept_search_the_sentences(server):
    html = page(server, "/?q=" + quote("95％CI"))
    assert "searched in the source sentences" in html and "1 result" in html
    assert "<mark>48.9</mark>" in html


def test_a_refused_filter_is_shown_on_the_page(server):
    html = page(server, "/?disease=CML", status=400)
    assert 'role="alert">unknown disease &#39;CML&#39;; known:' in html
    assert '<form class="search"' in html


def test_the_paper_page_marks_every_evidence_sentence_in_the_full_text(server):
    html = page(server, "/papers/zh?format=html&highlight=zh-r4")
    assert '<div class="fulltext" lang="zh">' in html
    assert '<span class="anchor" id="r-zh-r4"></span><mark class="ev focus"' in html
    assert html.count('<mark class="ev') == 3  # three evidence sentences (two results share one)
    assert 'href="/papers/zh?format=ris"' in html
    browser = server.client.get("/papers/zh", headers={"Accept": "text/html,application/xhtml+xml"})
    assert browser.headers["content-type"].startswith("text/html")


def test_paper_json_has_the_text_and_the_offsets_to_highlight(server):
    body = server.client.get("/papers/zh").json()
    assert body["paper"]["language"] == "zh" and body["text"] == evidence_kb.TEXT_ZH
    assert [s["label"] for s in body["studies"]] == ["MAIA", "phase I (ref 13)", "zh (own cohort)"]
    records = [OutcomeRecord.model_validate(r) for r in body["results"]]
    assert len(records) == 4
    for highlight in body["highlights"]:
        record = next(r for r in records if r.id == highlight["record_id"])
        assert body["text"][highlight["char_start"] : highlight["char_end"]] == record.evidence.text
    assert server.client.get("/papers/zh.txt", params={"include_text": "false"}).json()["text"] is None


def test_papers_list_and_citation(server):
    body = server.client.get("/papers").json()
    assert [(p["id"], p["language"], p["results"], p["studies"]) for p in body["results"]] == [
        ("ru", "ru", 4, 2),
        ("zh", "zh", 4, 3),
    ]
    assert server.client.get("/papers", params={"language": "zh"}).json()["total"] == 1
    ris = server.client.get("/papers/ru", params={"format": "ris"}).text
    assert re.search(r"^TI  - Блинатумомаб у детей и взрослых\r$", ris, re.M)
    assert_canonical_error(server.client.get("/papers/nope"), 404, "not_found", "no paper 'nope'")


def test_studies_and_one_study_with_its_arms(server):
    body = server.client.get("/studies", params={"antigen": "CD38"}).json()
    assert body["total"] == 1
    maia = body["results"][0]
    assert (maia["label"], maia["registry_ids"], maia["arms"]) == (
        "MAIA",
        ["NCT02252172"],
        ["对照组", "达雷妥尤单抗组"],
    )
    detail = server.client.get(maia["href"]).json()
    assert detail["study"]["design"] == "randomized phase III"
    assert [(a["label"], a["results"], a["endpoints"]) for a in detail["arms"]] == [
        ("达雷妥尤单抗组", 1, ["PFS"]),
        ("对照组", 1, ["PFS"]),
    ]
    assert [r["id"] for r in detail["results"]] == ["zh-r1", "zh-r2"]
    own = server.client.get("/studies", params={"study_role": "own", "limit": 1}).json()
    assert (own["total"], len(own["results"])) == (2, 1)
    assert_canonical_error(server.client.get("/studies/nope"), 404, "not_found", "no study 'nope'")


def test_static_files(server):
    response = server.client.get("/static/style.css")
    assert response.status_code == 200 and "mark" in response.text


def test_a_question_the_filters_cannot_answer_shows_the_closest_passages_and_no_plot(server):
    """A plain question whose words match no filter and no sentence: the page says so and shows the
    search's hits (in any language), never an empty page with a broken plot."""
    html = page(server, "/?q=" + quote("how durable were the remissions achieved in this cohort"))
    assert "0 results" in html
    assert "No result matched the filters read from" in html
    section = html.split('<section class="semantic">', 1)[1].split("</section>", 1)[0]
    assert section.count("<li>") >= 3
    assert "<img" not in html


def test_a_question_the_filters_answer_shows_no_semantic_fallback(server):
    html = page(server, "/?q=" + quote("блинатумомаб"))
    assert '<section class="semantic">' not in html


def test_the_filters_read_from_a_question_are_chips_that_remove_themselves(server):
    html = page(server, "/?q=" + quote("блинатумомаб OS"))
    chips = re.findall(r'<a class="chip" href="/\?([^"]*)"[^>]*>([^<]*)</a>', html)
    labels = [label for _, label in chips]
    assert "intervention: blinatumomab ×" in labels and "endpoint: OS ×" in labels
    without_endpoint = next(query for query, label in chips if label.startswith("endpoint"))
    assert "endpoint=" not in without_endpoint and "intervention=blinatumomab" in without_endpoint
