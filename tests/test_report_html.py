"""The shareable HTML: data text escaped, pseudonymised when asked, and readable offline in a real
headless browser (no console errors, no failed or external network requests).

The browser tests drive Debian's chromium over the DevTools protocol on a pipe (tests/browser.py);
they are skipped where chromium is not installed (.ci/run installs it).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser import NO_PROBLEMS, Chromium, needs_chromium

from crmlib import PROJECT_ROOT
from crmlib.data.load import load_dataset
from crmlib.notebook import pseudonym

TEXT = Path(__file__).parent / "fixtures" / "notebooks" / "text"

DATASET_YAML = """name: Text fixture <b>shop</b>
currency: CNY
tables:
  transactions:
    file: transactions.csv
    date_format: "%Y-%m-%d"
    columns: {customer_id: customer_id, order_date: date, amount: amount}
  feedback:
    file: feedback.csv
    columns: {customer_id: customer_id, text: comment}
"""
FEEDBACK = ('customer_id,comment\n'
            'C00001,"<script>alert(1)</script> bad <img src=x onerror=alert(2)> mail me: ann@example.com"\n'
            'C00002,"很好 <b>great</b> call 13912345678"\n')


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    data = tmp_path_factory.mktemp("textdata")
    (data / "dataset.yaml").write_text(DATASET_YAML, encoding="utf-8")
    (data / "transactions.csv").write_text(
        "customer_id,date,amount\nC00001,2024-01-02,10\nC00001,2024-02-02,12\nC00002,2024-01-05,20\n")
    (data / "feedback.csv").write_text(FEEDBACK, encoding="utf-8")
    reports = tmp_path_factory.mktemp("reports")
    env = {k: v for k, v in os.environ.items() if k != "CRM_WORKBOOK_SALT"}
    done = subprocess.run([sys.executable, "-m", "crmlib.cli", "run", "--data", str(data), "--name", "text",
                           "--notebooks-dir", str(TEXT), "--reports", str(reports), "--pseudonymize"],
                          capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    (folder,) = [p for p in reports.iterdir() if p.is_dir() and not p.is_symlink()]
    return data, reports, folder


@pytest.mark.slow
def test_feedback_text_is_escaped_in_the_html(text_run):
    _, _, folder = text_run
    page = (folder / "01_text.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<b>great</b>" not in page
    assert "&lt;script&gt;alert(1)" in page and "&lt;b&gt;great&lt;/b&gt;" in page
    assert "Text fixture &lt;b&gt;shop&lt;/b&gt;" in page  # the dataset name in the header, too


@pytest.mark.slow
def test_pseudonymised_html_hides_ids_and_contacts_but_exports_keep_them(text_run):
    data, _, folder = text_run
    salt = load_dataset(data).fingerprint[:16]
    page = (folder / "01_text.html").read_text(encoding="utf-8")
    for secret in ("C00001", "C00002", "ann@example.com", "13912345678"):
        assert secret not in page
    assert pseudonym("C00001", salt) in page and pseudonym("C00002", salt) in page
    # the printed line is not pseudonymised by the notebook; the runner's scrubber caught it
    executed = (folder / "01_text.ipynb").read_text(encoding="utf-8")
    assert "printed: C00001" in executed and f"printed: {pseudonym('C00001', salt)}" in page
    export = (folder / "exports" / "feedback_text.csv").read_text(encoding="utf-8-sig")
    assert "C00001" in export and "ann@example.com" in export


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


@needs_chromium
@pytest.mark.browser
@pytest.mark.slow
def test_index_and_report_open_offline_without_errors(browser, text_run):
    _, reports, folder = text_run
    problems, session = browser.open((reports / "index.html").as_uri())
    assert problems == NO_PROBLEMS
    assert browser.evaluate(session, "document.querySelectorAll('a[href$=\".html\"]').length") >= 1
    problems, session = browser.open((folder / "01_text.html").as_uri())
    assert problems == NO_PROBLEMS
    # the chart is embedded and decodes; the escaped feedback shows as text, not as markup
    assert browser.evaluate(session, "[...document.images].filter(i => i.complete && i.naturalWidth > 0).length") >= 1
    assert browser.evaluate(session, "document.body.innerText.includes('<script>alert(1)</script>')")
    assert browser.evaluate(session, "document.querySelectorAll('main script, main img[src=x]').length") == 0
    assert browser.evaluate(session, "document.querySelector('nav.crm-nav a').getAttribute('href')") == "../index.html"


@needs_chromium
@pytest.mark.browser
def test_the_browser_check_sees_external_and_broken_resources(browser, tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><script src="https://cdn.invalid/require.min.js"></script>'
                    '</head><body><img src="missing.png"><script>console.error("boom")</script></body></html>')
    problems, _ = browser.open(page.as_uri())
    assert problems["external_requests"] == ["https://cdn.invalid/require.min.js"]
    assert len(problems["failed_requests"]) == 2
    assert [c["args"][0]["value"] for c in problems["console_errors"]] == ["boom"]
