"""report.html of a real (small) run, checked in headless Chromium: the page loads with no console
error, every section is there, and each section's image decodes in the browser and is not blank.
`report A B --html` compares two runs on one page."""

import base64
import io
import json
import re
import shutil
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pytest
from PIL import Image

from pipeline.report.html import SECTIONS
from tests.report import browser

pytestmark = pytest.mark.skipif(browser.chromium() is None, reason="chromium not installed (make setup)")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """digits on cortex-m4, every stage, short: 2 epochs each (teacher cached per machine after the
    first time), 60 samples on the emulator. force: a short teacher may sit near chance."""
    from pipeline import config, targets
    from pipeline.run import run
    recipe = config.with_overrides(config.load_recipe("digits", quick=True), teacher={"epochs": 2},
                                   distill={"epochs": 2}, qat={"epochs": 1})
    recipe = replace(recipe, emulator_samples=60)
    out = tmp_path_factory.mktemp("report") / "digits"
    lines = []
    run(recipe, targets.load("cortex-m4"), out, echo=lines.append, force=True)
    return out, lines


class _Sections(HTMLParser):
    """section id -> the data: URIs of its <img> tags; and every src/href that is not data:."""

    def __init__(self):
        super().__init__()
        self.images, self.external, self.scripts, self._at = {}, [], 0, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section":
            self._at = a.get("id")
            self.images.setdefault(self._at, [])
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if key in a and not a[key].startswith("data:"):
                self.external.append(a[key])
        if tag == "img" and a.get("src", "").startswith("data:image/png;base64,"):
            self.images[self._at].append(a["src"].split(",", 1)[1])


def _parse(page) -> _Sections:
    p = _Sections()
    p.feed(page.read_text())
    return p


def _not_blank(png_bytes: bytes) -> bool:
    a = np.asarray(Image.open(io.BytesIO(png_bytes)).convert("L"))
    return a.size > 0 and int(a.max()) - int(a.min()) > 50


def test_run_writes_a_self_contained_report_html_with_every_section(digits_run):
    out, lines = digits_run
    page = out / "report.html"
    assert f"report: {page}" in lines                    # run prints where the page is
    p = _parse(page)
    assert p.external == [] and p.scripts == 0            # no network, no script
    assert list(p.images) == list(SECTIONS)
    for sid in SECTIONS:
        if sid == "pareto":                               # no --budget: no search ran
            assert p.images[sid] == []
            continue
        assert p.images[sid], f"section {sid} has no image"
        for b64 in p.images[sid]:
            assert _not_blank(base64.b64decode(b64)), sid
    assert "no search.json: this run had no --budget" in page.read_text()
    # how it was trained: the teacher's origin and accuracy, the KD loss, the augmentation
    assert "teacher: trained" in page.read_text() or "teacher: reused the cached" in page.read_text()
    assert "KD loss kd at T = " in page.read_text() and "augmentation: " in page.read_text()
    m = json.loads((out / "metrics.json").read_text())
    # what the sections drew was recorded by the stages: the int8 confusion sums to the samples run
    assert np.sum(m["emulator"]["outcomes"]["confusion"]) == m["emulator"]["samples"] == 60
    assert np.sum(m["teacher"]["outcomes"]["confusion"]) == m["student_int8"]["samples"]
    assert sum(o["instructions"] for o in m["emulator"]["ops"]) <= m["emulator"]["instructions"]
    assert [len(m["training"][s]["loss"]) for s in ("teacher", "distill", "qat")] == [2, 2, 1]


def test_chromium_renders_it_with_no_console_error_and_every_image_decoded(digits_run, tmp_path):
    out, _ = digits_run
    r = browser.render(out / "report.html", tmp_path)
    assert r.errors == [], r.errors
    assert f"{browser.TAG} done" in r.console
    drawn = [s for s in SECTIONS if s != "pareto"]
    assert sorted(r.images) == sorted(drawn)
    for sid, imgs in r.images.items():
        assert all(ok and w > 100 and h > 50 for ok, w, h in imgs), (sid, imgs)
    assert _not_blank(r.screenshot.read_bytes())


def test_the_checks_fail_on_a_broken_image(digits_run, tmp_path):
    """The checks above can fail: an image that is not a PNG is reported by the browser; one cut
    short (which Chromium still draws in part) by the decode in _not_blank."""
    out, _ = digits_run
    page = tmp_path / "report.html"
    text = (out / "report.html").read_text()
    start = text.index('<section id="latency"')
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)", text[start:]).group(1)
    page.write_text(text[:start] + text[start:].replace(b64, base64.b64encode(b"not a png").decode(), 1))
    r = browser.render(page, tmp_path / "shot")
    assert r.images["latency"] == [(False, 0, 0)]
    assert any("failed to load" in e for e in r.errors)
    with pytest.raises(OSError):
        _not_blank(base64.b64decode(b64)[:2000])


def test_report_compares_two_runs_on_one_page(digits_run, tmp_path):
    from click.testing import CliRunner
    from pipeline.cli.report import command
    out, _ = digits_run
    other = tmp_path / "digits-copy"
    shutil.copytree(out, other)
    page = tmp_path / "compare.html"
    r = CliRunner().invoke(command, [str(out), str(other), "--html", "--out", str(page)])
    assert r.exit_code == 0, r.output
    p = _parse(page)
    assert p.external == [] and p.scripts == 0
    for sid in ("accuracy", "footprint", "latency", "latency-ms"):
        assert p.images.get(sid), sid
    text = page.read_text()
    assert "<th>digits</th>" in text and "<th>digits-copy</th>" in text
    rendered = browser.render(page, tmp_path / "shot")
    assert rendered.errors == [] and all(ok for imgs in rendered.images.values() for ok, _, _ in imgs)


def test_the_accuracy_note_says_how_the_student_was_trained():
    from pipeline.report.html import how_trained
    m = {"metric": "accuracy", "teacher": {"origin": "loaded big.keras", "accuracy": 0.9315},
         "distill": {"loss": "dkd", "temperature": 4.0, "student_loss_weight": 0.1, "epochs": 15,
                     "augmentation": {"kind": "image", "shift": 0.0, "flip": True},
                     "labels": {"kept": 2750, "of": 55000, "spec": "5%"}}}
    line = how_trained(m)
    assert line.startswith("teacher: loaded big.keras, test accuracy 93.15%")
    assert "KD loss dkd at T = 4, hard-label weight 0.1, 15 epochs" in line
    assert "augmentation: image (shift 0.0, flip True)" in line
    assert "the student had 2,750 of 55,000 (5%)" in line and "teacher was trained on every label" in line
    assert how_trained({"teacher": {"accuracy": 0.9}}) == "teacher: origin not recorded, test accuracy 90.00%"
