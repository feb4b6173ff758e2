"""Every report page as a reader gets it: wholly Chinese or English, readable offline in a real
browser at desktop and phone width, sortable long tables, a PDF a Chinese manager can forward,
and files colleagues on the same server can open.

One run per language on the bundled sample (the Chinese one with ``--pdf``) and a Chinese run of
01, 04 and 05 on CDNOW (no feedback table), into ``reports/browser-tests/`` (replaced by each test run,
ignored by git). Screenshots of every page at 1280 and 390 px are written to
``reports/browser-tests/<run>/screenshots/`` for people to look at.
"""

from __future__ import annotations

import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
from browser import NO_PROBLEMS, Chromium, needs_chromium
from page_text import chinese_characters, dataset_values, dataset_words, english_words, visible_text

from crmlib import PROJECT_ROOT
from crmlib.files import current_umask

pytestmark = pytest.mark.slow
SAMPLE, CDNOW = PROJECT_ROOT / "data" / "sample", PROJECT_ROOT / "data" / "cdnow"
MAX_ENGLISH_WORDS = 15
WIDTHS = (1280, 390)


def _run(reports: Path, data: Path, name: str, *extra: str) -> Path:
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "run", "--data", str(data), "--name", name,
                           "--reports", str(reports), *extra], capture_output=True, text=True, cwd=PROJECT_ROOT,
                          timeout=1800)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and p.name.endswith(f"-{name}")]
    print(f"report run {name}: {folder}")
    return folder


BROWSER_TESTS = PROJECT_ROOT / "reports" / "browser-tests"


@pytest.fixture(scope="module")
def runs():
    shutil.rmtree(BROWSER_TESTS, ignore_errors=True)
    reports = BROWSER_TESTS
    return {"reports": reports,
            "zh": _run(reports, SAMPLE, "zh", "-p", "lang=zh", "--pdf"),
            "en": _run(reports, SAMPLE, "en"),
            "zh-cdnow": _run(reports, CDNOW, "zh-cdnow", "-p", "lang=zh", "-n", "01", "04", "05")}


@pytest.fixture(scope="module")
def sample_words():
    return dataset_words(SAMPLE)


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.glob("0*.html"))


def test_chinese_pages_are_chinese_from_first_word_to_last(runs, sample_words):
    cdnow_words = dataset_words(CDNOW)
    counts = {}
    for key, words in (("zh", sample_words), ("zh-cdnow", cdnow_words)):
        for page in _pages(runs[key]):
            english = english_words(visible_text(page.read_text(encoding="utf-8")), words)
            counts[f"{key}/{page.name}"] = (len(english), english[:40])
    print({k: n for k, (n, _) in counts.items()})
    assert {k: v for k, v in counts.items() if v[0] > MAX_ENGLISH_WORDS} == {}


def test_english_pages_have_no_chinese_but_the_datas(runs):
    data_text = "\n".join(dataset_values(SAMPLE))
    foreign = {}
    for page in _pages(runs["en"]):
        text = visible_text(page.read_text(encoding="utf-8"))
        runs_of_han = {run for run in _han_runs(text) if run not in data_text}
        if runs_of_han:
            foreign[page.name] = sorted(runs_of_han)[:20]
    assert foreign == {}


def _han_runs(text: str) -> set[str]:
    import re

    return set(re.findall(r"[\u4e00-\u9fff]+", text))


def test_a_dataset_without_feedback_gets_one_sentence_and_no_empty_sections(runs):
    page = (runs["zh-cdnow"] / "05_feedback.html").read_text(encoding="utf-8")
    text = visible_text(page)
    assert "数据集中没有反馈表" in text and "dataset.yaml" in page
    assert page.count("<h2") == 0  # the sections tagged needs-feedback are left out
    assert len(chinese_characters(text)) < 400
    churn = visible_text((runs["zh-cdnow"] / "04_churn.html").read_text(encoding="utf-8"))
    reasons = churn[churn.index("客户自述的离开原因"):]  # the exit-reason section: its heading, then the notice
    assert reasons.split("数据集中没有反馈表")[0].replace("¶", "").strip() == "客户自述的离开原因"


FIRST_SCREEN = """(() => {
    const title = [...document.querySelectorAll('h1')].filter(h => h.offsetParent !== null);
    const card = document.querySelector('.crm-card-value');
    const h2 = document.querySelector('main h2, .jp-Notebook h2');
    const top = el => el ? el.getBoundingClientRect().top : Infinity;
    return {titles: title.length, number_on_first_screen: top(card) + 30 < window.innerHeight,
            cards_before_sections: top(card) < top(h2), number: /[0-9]/.test(card ? card.textContent : '')};
})()"""
FIRST_SCREEN_OK = {"titles": 1, "number_on_first_screen": True, "cards_before_sections": True, "number": True}


@needs_chromium
@pytest.mark.browser
def test_every_page_reads_offline_at_desktop_and_phone_width(runs):
    profile = Path(tempfile.mkdtemp(prefix="crm-chromium-"))
    browser = Chromium(profile)
    seen, wide, first = {}, {}, {}
    try:
        for key in ("zh", "en", "zh-cdnow"):
            shots = runs[key] / "screenshots"
            shots.mkdir(exist_ok=True)
            for page in [*_pages(runs[key]), runs["reports"] / "index.html"]:
                for width in WIDTHS:
                    problems, session = browser.open(page.as_uri(), width=width, fonts=True)
                    seen[f"{key}/{page.name}@{width}"] = problems
                    scroll = browser.evaluate(session, "document.documentElement.scrollWidth")
                    if width < 600 and scroll > width:
                        wide[f"{key}/{page.name}"] = scroll
                    if width < 600 and page.name.startswith("0"):
                        first[f"{key}/{page.name}"] = browser.evaluate(session, FIRST_SCREEN)
                    browser.screenshot(session, shots / f"{page.stem}-{width}.png")
                    browser.close_tab(session)
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    print("screenshots:", [str(runs[k] / "screenshots") for k in ("zh", "en", "zh-cdnow")])
    assert {k: v for k, v in seen.items() if v != NO_PROBLEMS} == {}
    assert wide == {}  # no page-level sideways scroll on a phone
    # the first screen of a phone: one title, then KPI cards with numbers, before any section heading
    assert {k: v for k, v in first.items() if v != FIRST_SCREEN_OK} == {}


@needs_chromium
@pytest.mark.browser
def test_long_tables_sort_and_search_offline_and_link_their_csv(runs):
    profile = Path(tempfile.mkdtemp(prefix="crm-chromium-"))
    browser = Chromium(profile)
    try:
        problems, session = browser.open((runs["zh"] / "01_overview.html").as_uri(), width=1280)
        assert problems == NO_PROBLEMS
        assert browser.evaluate(session, "document.querySelectorAll('div.dt-container table').length") >= 1
        assert browser.evaluate(session, "document.querySelector('div.dt-container input[type=search]') !== null")
        href = browser.evaluate(session, "document.querySelector('a.crm-csv').getAttribute('href')")
        assert href == "exports/scorecard.csv" and (runs["zh"] / href).is_file()
        # click the value-at-risk header twice: descending order, largest first
        first_values = browser.evaluate(session, """(() => {
            const table = document.querySelector('div.dt-container table');
            const headers = [...table.querySelectorAll('thead th')];
            const column = headers.findIndex(th => th.textContent.includes('风险价值'));
            headers[column].click(); headers[column].click();
            return [...table.querySelectorAll('tbody tr')].slice(0, 5)
                .map(tr => parseFloat(tr.children[column].dataset.order));
        })()""")
        assert first_values == sorted(first_values, reverse=True) and len(first_values) == 5
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def test_the_chinese_overview_pdf_is_a4_and_its_text_is_chinese(runs):
    from pypdf import PdfReader

    pdf = runs["zh"] / "01_overview.pdf"
    reader = PdfReader(pdf)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4 in points
    text = unicodedata.normalize("NFKC", "".join(page.extract_text() for page in reader.pages))
    for name in ("本月购买客户", "流失率", "客单价", "风险价值"):
        assert name in text
    assert all((runs["zh"] / f"{page.stem}.pdf").is_file() for page in _pages(runs["zh"]))


def _image_dpi(pdf: Path) -> list[float]:
    """Pixels per inch, as drawn, of every image on every page (image width / drawn width)."""
    from pypdf import PdfReader

    found = []
    for page in PdfReader(pdf).pages:
        images = page["/Resources"].get("/XObject", {})

        def visit(operator, operands, cm, tm, images=images):
            image = images.get(operands[0]).get_object() if operator == b"Do" and operands[0] in images else None
            if image is not None and image.get("/Subtype") == "/Image" and math.hypot(cm[0], cm[1]) > 0:
                found.append(image["/Width"] / (math.hypot(cm[0], cm[1]) / 72))

        page.extract_text(visitor_operand_before=visit)
    return found


def test_pdf_charts_are_sharp(runs):
    """Charts are 2x PNGs shown at 1x size, so A4 prints them at about 200 dpi, not the screen's 96."""
    dpi = _image_dpi(runs["zh"] / "01_overview.pdf")
    assert len(dpi) >= 3 and min(dpi) >= 190, [round(d) for d in dpi]


def test_everything_a_run_writes_is_readable_as_the_umask_allows(runs):
    umask = current_umask()
    files = [p for p in runs["reports"].rglob("*") if p.is_file() and "screenshots" not in p.parts
             and not p.name.startswith(".")]
    wrong = {str(p): oct(stat.S_IMODE(p.stat().st_mode)) for p in files
             if stat.S_IMODE(p.stat().st_mode) & ~umask & 0o444 != 0o444 & ~umask}
    assert files and wrong == {}


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="reading as another user needs root and setpriv (util-linux)")
def test_another_user_can_read_the_shared_reports(runs):
    if current_umask() & 0o005:
        pytest.skip(f"the umask {current_umask():03o} keeps other users out on purpose")
    reports = runs["reports"]
    private = next((p for p in reports.parents if not p.stat().st_mode & 0o001), None)
    if private is not None:
        pytest.skip(f"{private} (above the reports) is closed to other users, so they could not reach any report")
    folder = runs["zh"]
    targets = [reports / "index.html", folder / "manifest.json", folder / "01_overview.html",
               folder / "01_overview.pdf", folder / "01_overview.ipynb", *sorted((folder / "exports").iterdir())]
    for target in targets:
        done = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat", str(target)],
                              capture_output=True)
        assert done.returncode == 0, f"{target}: {done.stderr.decode(errors='replace')}"
        assert done.stdout == target.read_bytes()
