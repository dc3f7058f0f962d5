"""Forest plots a reviewer can put in a report (kb/exports/plot.py), drawn from the corpus as the real
extractor reads it: one time point per panel, randomised and single-arm results apart, each study
under its name, and labels in every script drawn with their glyphs."""

from __future__ import annotations

import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from kb.evidence.queries import OutcomeFilters
from kb.exports.plot import SECTIONS, forest_plot, label_image, panel_lines, panels
from kb.service import KnowledgeBase
from kb.settings import Settings
from tests.conftest import REPO

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def records(corpus_home):
    kb = KnowledgeBase(Settings(home=corpus_home))
    try:
        yield kb.all_outcomes(OutcomeFilters())
    finally:
        kb.close()


def test_one_panel_per_time_point(records):
    os_rates = [r for r in records if r.endpoint == "OS" and r.statistic == "rate"]
    grouped = panels(os_rates)
    times = [time for time, _ in grouped]
    assert len(times) == len(set(times)) >= 3  # 1-, 2-, 3-year rates... never on one axis
    assert all({r.time_months for r in results} == {time} for time, results in grouped)
    svg = forest_plot(records, "OS", "rate", fmt="svg")
    text = " ".join(ET.fromstring(svg).itertext())
    assert "rate at 1 y" in text and "rate at 2 y" in text and "rate at 3 y" in text


def test_randomised_results_come_apart_from_single_arm_ones_each_under_its_study(records):
    at_two_years = [
        r for r in records if r.endpoint == "OS" and r.statistic == "rate" and r.time_months == 24
    ]
    lines = panel_lines(at_two_years)
    labels = [line.label for line in lines]
    assert labels[0] == SECTIONS[0] and SECTIONS[1] in labels
    randomised = labels[: labels.index(SECTIONS[1])]
    assert any(label.startswith("COG") for label in randomised)  # the randomised trial's heading
    # every result sits under a study heading, indented
    assert all(line.label.startswith("  ") for line in lines if line.record is not None)
    headings = [i for i, line in enumerate(lines) if line.heading == 2]
    assert headings and all(lines[i + 1].record is not None for i in headings)


def _fonts_installed_in_ci() -> None:
    if os.environ.get("CI") == "true":
        done = subprocess.run([str(REPO / "scripts" / "install-fonts")], capture_output=True, text=True)
        assert done.returncode == 0, f"scripts/install-fonts failed in CI: {done.stderr[-2000:]}"


@pytest.mark.parametrize(
    ("script", "label"), [("zh", "总生存率"), ("ja", "全奏効率"), ("ru", "Общая выживаемость")]
)
def test_labels_in_every_script_are_drawn_not_as_boxes(script, label):
    """A glyph the fonts lack is drawn as the same box whatever the character: distinct characters
    drawn the same way are boxes. Distinct ones drawn distinctly (and not as the box of a character
    no font has) are glyphs."""
    _fonts_installed_in_ci()
    box = label_image("\ue000")  # a private-use character: no font has it
    drawn = [label_image(char) for char in dict.fromkeys(label.replace(" ", ""))]
    if any(image == box for image in drawn) and os.environ.get("CI") != "true":
        pytest.skip(f"no font for {script} here: run scripts/install-fonts (as root)")
    assert all(image != box for image in drawn), f"{script} characters are drawn as boxes"
    assert len(set(drawn)) == len(drawn)


def test_a_reviewed_result_says_so_on_the_plot(records):
    from kb.model.records import RecordReview

    maia = [r for r in records if r.study.label == "MAIA" and r.endpoint == "PFS"]
    corrected = maia[0].model_copy(
        update={"arm": "lenalidomide + dexamethasone", "review": RecordReview(status="corrected")}
    )
    labels = [line.label for line in panel_lines([corrected, *maia[1:]])]
    assert "  lenalidomide + dexamethasone (corrected)" in labels
    assert all("(corrected)" not in label for label in labels if "lenalidomide + dexamethasone" not in label)
