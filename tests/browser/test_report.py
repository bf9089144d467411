"""The HTML report as a person sees it: rendered by headless Debian Chromium, DOM and screenshot."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from homeshift.readiness import Thresholds, assess
from homeshift.readiness_inputs import read_plan
from homeshift.report import write_report
from homeshift.roster import load_roster
from homeshift.verify.results import read_results

FIXTURES = Path(__file__).parents[1] / "fixtures" / "readiness"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium is not installed"),
]


def chromium(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--window-size=1280,2000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, Path]:
    """Write the report once, then dump its DOM and take one screenshot."""
    base = tmp_path_factory.mktemp("report")
    plan = read_plan(FIXTURES / "plan.json")
    results = read_results(FIXTURES / "results.json")
    readiness = assess(
        load_roster(FIXTURES / "roster.csv"),
        plan.waves,
        results.desktop_verdicts(),
        results.headend_loads(),
        Thresholds(),
        unschedulable=plan.unschedulable,
    )
    report = write_report(
        readiness,
        base / "report.html",
        sources={"roster": "roster.csv"},
        created=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    )
    url = report.resolve().as_uri()
    dom = chromium(base / "profile-dom", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    png = base / "report.png"
    shot = chromium(base / "profile-shot", f"--screenshot={png}", url)
    assert shot.returncode == 0, shot.stderr[-2000:]
    return dom.stdout, png, report


def visible_text(dom: str) -> str:
    body = re.sub(r"<(style|title)[^>]*>.*?</\1>", " ", dom, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_title_counts_and_metadata_are_shown(rendered: tuple[str, Path, Path]) -> None:
    dom, _, _ = rendered
    text = visible_text(dom)
    assert "<title>homeshift readiness report</title>" in dom
    assert "homeshift readiness report" in text
    assert re.search(r'id="count-green">3<', dom)
    assert re.search(r'id="count-yellow">1<', dom)
    assert re.search(r'id="count-red">2<', dom)
    assert "Generated 2026-12-01T08:00:00+00:00" in text
    assert "headend load threshold 80%" in text


def test_red_agent_and_reason_are_listed(rendered: tuple[str, Path, Path]) -> None:
    text = visible_text(rendered[0])
    assert "Red list (2)" in text
    assert "E0000002" in text
    assert "desktop BER-D0000002: service csc_vpnagent is Stopped (expected Running)" in text
    assert "no signed data-protection declaration on file" in text


def test_svg_plots_have_one_bar_per_headend_wave_and_site(
    rendered: tuple[str, Path, Path],
) -> None:
    dom = rendered[0]

    def bars(chart_id: str) -> int:
        match = re.search(rf'<svg[^>]*id="{chart_id}".*?</svg>', dom, flags=re.S)
        assert match, f"chart {chart_id} missing"
        return len(re.findall(r'<g class="bar', match.group(0)))

    assert bars("headend-load") == 2
    assert bars("wave-readiness") == 3  # wave 1, wave 2, unscheduled
    assert bars("site-readiness") == 2
    assert "asa-02" in dom and "20 / 100 (20%)" in dom


def test_report_is_self_contained(rendered: tuple[str, Path, Path]) -> None:
    source = rendered[2].read_text()
    assert "<script" not in source
    assert not re.search(r'(src|href)="(https?:)?//', source)


def test_screenshot_is_a_real_picture(rendered: tuple[str, Path, Path]) -> None:
    from PIL import Image

    png = rendered[1]
    assert png.exists() and png.stat().st_size > 20_000
    with Image.open(png) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None
    assert len(colours) > 50  # text, tiles, bars: not a blank page
    rgb = {c for _, c in colours}
    # the tiles' and bars' colours are actually painted
    assert (46, 157, 74) in rgb and (208, 49, 45) in rgb
