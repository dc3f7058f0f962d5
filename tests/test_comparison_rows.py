"""One comparison per row (kb/evidence/comparisons.py, GET /compare?layout=comparisons) over the corpus as the
real extractor reads it: arms side by side with their own n, effects computed by statsmodels,
evidence levels, and the formats a reviewer takes home."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from openpyxl import load_workbook

from kb.evidence.comparisons import EVIDENCE_LEVELS, ArmResult, computed_effects, evidence_level
from tests.conftest import LiveServer, run_kb


@pytest.fixture(scope="module")
def server(corpus_home) -> Iterator[LiveServer]:
    live = LiveServer(corpus_home, timeout=60)
    yield live
    live.stop()


def _rows(server: LiveServer, **params: object) -> list[dict]:
    answer = server.client.get("/compare", params={"layout": "comparisons", **params})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["layout"] == "comparisons"
    return body["rows"]


def _arm(events: int | None, n: int | None, record: str) -> ArmResult:
    return ArmResult(label=record, n=n, events=events, text="", record=record)


@pytest.mark.parametrize(
    ("design", "level"),
    [
        ("randomized phase III", "randomised phase III"),
        ("Randomised phase 2 trial", "randomised phase II"),
        ("randomized phase I/II", "randomised trial, other phase"),
        ("single-arm phase II", "single-arm trial"),
        ("phase I", "trial, randomisation not stated"),
        ("retrospective cohort", "retrospective cohort"),
        ("prospective registry", "prospective cohort"),
        ("case report", "case report"),
        (None, "design not stated"),
    ],
)
def test_a_stated_design_maps_to_one_evidence_level(design, level):
    assert evidence_level(design) == level and level in EVIDENCE_LEVELS


def test_effects_from_events_and_totals_are_statsmodels_estimates_with_95_percent_cis():
    effects = {e.measure: e for e in computed_effects(_arm(30, 100, "a"), _arm(15, 100, "b"))}
    assert set(effects) == {"risk ratio", "odds ratio", "risk difference"}
    assert effects["risk ratio"].value == pytest.approx(2.0)
    assert effects["odds ratio"].value == pytest.approx(30 / 70 / (15 / 85))
    assert effects["risk difference"].value == pytest.approx(0.15)
    # Newcombe's hybrid score interval, checked on the paper's own example: 56/70 vs 48/80 gives
    # 0.0524 to 0.3339 (Newcombe 1998, Stat Med 17:873, Table II, method 10)
    rd = next(
        e for e in computed_effects(_arm(56, 70, "a"), _arm(48, 80, "b")) if e.measure == "risk difference"
    )
    assert (rd.ci_low, rd.ci_high) == pytest.approx((0.0524, 0.3339), abs=5e-5)
    assert all(
        e.computed and e.ci_level == 0.95 and "statsmodels" in (e.method or "") for e in effects.values()
    )
    assert all(e.records == ["a", "b"] for e in effects.values())


def test_no_effect_is_computed_without_both_arms_events_and_totals_or_from_a_zero_cell_ratio():
    assert computed_effects(_arm(30, None, "a"), _arm(15, 100, "b")) == []
    assert computed_effects(_arm(120, 100, "a"), _arm(15, 100, "b")) == []  # more events than patients
    zero = {e.measure: e for e in computed_effects(_arm(7, 18, "a"), _arm(0, 34, "b"))}
    assert "risk ratio" not in zero  # 7/18 against 0/34: an infinite ratio is not shown
    assert zero["risk difference"].value == pytest.approx(7 / 18)


def test_an_add_on_trial_puts_the_backbone_in_the_control_column(server):
    rows = _rows(server, intervention="daratumumab", endpoint="PFS")
    pollux = next(r for r in rows if r["study"]["label"] == "POLLUX")
    assert "daratumumab" in pollux["experimental"]["label"]
    assert pollux["control"]["label"] == "lenalidomide + dexamethasone"
    assert (pollux["experimental"]["value"], pollux["control"]["value"]) == (44.5, 17.5)
    assert pollux["evidence_level"] == "randomised phase III" and pollux["report"] == "secondary report"
    assert pollux["study"]["registry_ids"]


def test_each_arm_keeps_its_own_n_and_events_and_the_effects_are_computed(server):
    rows = _rows(server, language="ru", endpoint="CR")
    row = next(
        r for r in rows if r["experimental"]["events"] is not None and r["control"]["events"] is not None
    )
    sides = (row["experimental"], row["control"])
    assert all(side["n"] is not None and side["events"] <= side["n"] for side in sides)
    assert sides[0]["n"] != sides[1]["n"]  # the arm's n, not the cohort's
    ratio = next(e for e in row["computed"] if e["measure"] == "risk ratio")
    expected = (sides[0]["events"] / sides[0]["n"]) / (sides[1]["events"] / sides[1]["n"])
    assert ratio["value"] == pytest.approx(expected) and ratio["computed"] is True
    assert ratio["ci_low"] < ratio["value"] < ratio["ci_high"]
    assert row["report"] == "own report"


def test_rows_come_strongest_evidence_first(server):
    levels = [EVIDENCE_LEVELS.index(r["evidence_level"]) for r in _rows(server)]
    assert levels == sorted(levels) and levels[0] == 0


def test_the_formats_hold_the_same_rows_with_links_to_registries(server):
    params = {"layout": "comparisons", "intervention": "daratumumab"}
    rows = _rows(server, intervention="daratumumab")
    table = list(
        csv.DictReader(io.StringIO(server.client.get("/compare", params={**params, "format": "csv"}).text))
    )
    assert [(r["study"], r["experimental value"]) for r in table] == [
        (r["study"]["label"], r["experimental"]["text"]) for r in rows
    ]
    assert {"risk ratio (computed)", "reported effect", "evidence level", "control n"} <= set(table[0])
    html = server.client.get("/compare", params={**params, "format": "html"}).text
    nct = rows[0]["study"]["registry_ids"][0]
    assert f'<a href="https://clinicaltrials.gov/study/{nct}">{nct}</a>' in html
    xlsx = server.client.get("/compare", params={**params, "format": "xlsx"}).content
    sheet = load_workbook(io.BytesIO(xlsx))["comparison"]
    header = [c.value for c in sheet[1]]
    registry = sheet.cell(row=2, column=header.index("registry") + 1)
    assert registry.hyperlink is not None and registry.hyperlink.target.endswith(registry.value.split(";")[0])
    csvw = server.client.get("/compare", params={**params, "format": "csvw"}).json()
    columns = {c["name"]: c for c in csvw["tableSchema"]["columns"]}
    assert columns["experimental_n"]["datatype"] == "integer"
    assert server.client.get("/compare", params={"layout": "rows"}).status_code == 422


def test_the_cli_exports_the_same_comparison_rows(corpus_home, server):
    done = run_kb(
        corpus_home, "export", "compare", "--layout", "comparisons", "--disease", "MM", "--format", "csv"
    )
    assert done.returncode == 0, done.stderr
    over_http = server.client.get(
        "/compare", params={"layout": "comparisons", "disease": "MM", "format": "csv"}
    )
    assert done.stdout.replace("\r\n", "\n") == over_http.text.replace("\r\n", "\n")
