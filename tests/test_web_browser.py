"""The web page in a real browser (Debian's Chromium, headless, JavaScript off): screenshots and DOM.

Screenshots are written to build/screenshots/ (or $HEMEKB_SCREENSHOTS) for a person to look at.
Without Chromium the tests are skipped with a message; in CI (CI=true) scripts/install-chromium
is run first, and a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import REPO, LiveServer

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
# JavaScript off for pages (a content setting of the new profile; --blink-settings=scriptEnabled=false
# would also stop the scripts headless Chromium itself runs to dump the DOM or take a screenshot).
NO_JAVASCRIPT = '{"profile": {"default_content_setting_values": {"javascript": 2}}}'

WIDTH, HEIGHT = 1400, 2400


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    path = find_chromium()
    if path is None and os.environ.get("CI") == "true":
        install = subprocess.run([str(REPO / "scripts" / "install-chromium")], capture_output=True, text=True)
        path = find_chromium()
        if path is None:
            pytest.fail(
                f"Chromium is needed in CI and scripts/install-chromium failed: {install.stderr[-2000:]}"
            )
    if path is None:
        pytest.skip("Chromium is not installed: run scripts/install-chromium (as root) for the browser tests")
    return path


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("HEMEKB_SCREENSHOTS", REPO / "build" / "screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def server(corpus_home: Path) -> Iterator[LiveServer]:
    live = LiveServer(corpus_home)
    yield live
    live.stop()


def browse(chromium: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        (Path(profile) / "Default").mkdir()
        (Path(profile) / "Default" / "Preferences").write_text(NO_JAVASCRIPT, encoding="utf-8")
        return subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def screenshot(chromium: str, url: str, target: Path) -> None:
    target.unlink(missing_ok=True)
    result = browse(chromium, f"--screenshot={target}", url)
    assert target.exists(), result.stderr[-2000:]
    from PIL import Image

    with Image.open(target) as image:
        assert image.size == (WIDTH, HEIGHT)
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20) or []
        assert len(colors) > 200, f"{target} looks blank"
    print(f"screenshot: {target}")


def dom(chromium: str, url: str) -> str:
    result = browse(chromium, "--dump-dom", url)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_javascript_is_off_in_these_tests(chromium, tmp_path):
    page = tmp_path / "script.html"
    page.write_text('<p id="x">static</p><script>document.getElementById("x").textContent = "ran"</script>')
    assert '<p id="x">static</p>' in dom(chromium, page.as_uri())


def test_search_page_in_a_browser(chromium, server, shots):
    url = f"{server.url}/?q={quote('блинатумомаб')}"
    html = dom(chromium, url)
    assert "read as intervention: blinatumomab" in html
    assert '<td class="evidence" lang="ru">' in html and "<mark>" in html
    assert '<img src="/compare/plot?intervention=blinatumomab&amp;endpoint=' in html
    screenshot(chromium, url, shots / "search-blinatumomab.png")


def test_filters_and_plot_in_a_browser(chromium, server, shots):
    url = f"{server.url}/?disease=MM&endpoint=PFS&sort=-value"
    html = dom(chromium, url)
    assert (
        "MAIA" in html and "POLLUX" in html and "B-cell acute lymphoblastic" not in html.split("<tbody>")[1]
    )
    screenshot(chromium, url, shots / "mm-pfs.png")


def test_paper_page_in_a_browser(chromium, server, shots):
    records = server.client.get("/outcomes", params={"line": "relapse after allo-HSCT", "min_n": 41}).json()[
        "results"
    ]
    record = next(r for r in records if r["endpoint"] == "OS" and r["time_months"] == 36)
    url = f"{server.url}/papers/{record['paper']['id']}?format=html&highlight={quote(record['id'])}"
    html = dom(chromium, url)
    assert f'id="r-{record["id"]}"' in html and 'class="ev focus"' in html
    screenshot(chromium, url, shots / "paper-zh.png")


def test_comparison_table_in_a_browser(chromium, server, shots):
    url = f"{server.url}/compare?antigen=CD38&format=html"
    html = dom(chromium, url)
    assert "ALCYONE" in html and "PFS median" in html
    screenshot(chromium, url, shots / "compare-cd38.png")
