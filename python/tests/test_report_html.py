"""The HTML report: one self-contained page a partnership officer can send on.

Opened in headless Chromium (Debian's `chromium`, installed by `make browser`,
which `make test` runs first): it renders with no console errors and its charts
are on the screen, not only in the markup."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

import partnercrm as pc

BLUE, ORANGE, GREEN = (0x3B, 0x6E, 0xA5), (0xC9, 0x82, 0x2B), (0x2E, 0x7D, 0x4F)


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("no chromium: `make browser` installs Debian's chromium package")
    return found


def test_the_page_is_self_contained_and_holds_every_section(seed: pc.Dataset) -> None:
    page = seed.report_html()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for section in ("partners", "agreements", "contributions", "outcomes", "network", "groups"):
        assert f'<section id="{section}">' in page
    assert page.count("<svg") >= 5  # partners, money per currency, outcomes, network, each group
    # Nothing to fetch: no scripts, no links, no remote images or fonts.
    assert not re.search(r"<script|<link|src=|url\(|https?://(?!www\.w3\.org/2000/svg)", page)
    # Unknown money is said to be unknown, never a zero total.
    assert "<td>UBS</td><td>unknown</td>" in page
    assert "Global Migration Group: membership and chair terms" in page


def test_chromium_renders_the_charts_with_no_console_errors(seed: pc.Dataset, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    html.write_text(seed.report_html(), encoding="utf-8")
    shot = tmp_path / "report.png"
    run = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--enable-logging=stderr", "--v=0", "--window-size=1100,4000", f"--screenshot={shot}", html.as_uri()],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    pixels = (matplotlib.image.imread(shot)[:, :, :3] * 255).round().astype(int)
    for colour, chart in ((BLUE, "partners"), (ORANGE, "contributions"), (GREEN, "outcomes")):
        drawn = np.all(np.abs(pixels - np.array(colour)) <= 3, axis=-1).sum()
        assert drawn > 2_000, f"the {chart} chart is not on the screen ({drawn} pixels)"
