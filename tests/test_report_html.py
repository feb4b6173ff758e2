"""The shareable HTML: data text escaped, pseudonymised when asked, and readable offline in a real
headless browser (no console errors, no failed or external network requests).

The browser tests drive Debian's chromium over the DevTools protocol on a pipe
(``--remote-debugging-pipe``); they are skipped where chromium is not installed (.ci/run installs it).
"""

import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crmlib import PROJECT_ROOT
from crmlib.data.load import load_dataset
from crmlib.notebook import pseudonym

TEXT = Path(__file__).parent / "fixtures" / "notebooks" / "text"
CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")

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


class Chromium:
    """A headless chromium driven over the DevTools protocol on a pipe (no ports, no extra packages)."""

    def __init__(self, profile: Path):
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        # keep both child ends above 4 so that moving them to fds 3 and 4 cannot clobber each other
        child_in = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)

        def wire():
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--no-first-run", "--disable-extensions", "--disable-background-networking",
             f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=wire, pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(child_in)
        os.close(child_out)
        self.write, self.read = to_browser_w, from_browser_r
        self.buffer, self.next_id, self.events = b"", 0, []

    def _messages(self, timeout: float):
        ready, _, _ = select.select([self.read], [], [], timeout)
        if ready:
            chunk = os.read(self.read, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self.buffer += chunk
        while b"\0" in self.buffer:
            raw, self.buffer = self.buffer.split(b"\0", 1)
            yield json.loads(raw)

    def call(self, method: str, session: str | None = None, **params):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for reply in self._messages(0.5):
                if reply.get("id") == self.next_id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                self.events.append(reply)
        raise TimeoutError(method)

    def wait_for(self, event: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if any(e.get("method") == event for e in self.events):
                return
            self.events.extend(self._messages(0.5))
        raise TimeoutError(event)

    def settle(self, seconds: float) -> None:
        """Keep collecting events for a moment after load (late requests, console errors)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.events.extend(self._messages(0.2))

    def open(self, url: str) -> tuple[dict, str]:
        """Load ``url`` in a fresh tab; return problems seen and the session for evaluation."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session)
        self.events = []
        self.call("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired")
        self.settle(1.5)
        mine = [e for e in self.events if e.get("sessionId") == session]
        requests = [e["params"]["request"]["url"] for e in mine if e["method"] == "Network.requestWillBeSent"]
        problems = {
            "external_requests": [u for u in requests if not u.startswith(("file:", "data:", "about:"))],
            "failed_requests": [e["params"].get("errorText") for e in mine if e["method"] == "Network.loadingFailed"],
            "console_errors": [e["params"] for e in mine if e["method"] == "Runtime.consoleAPICalled"
                               and e["params"].get("type") in ("error", "assert")],
            "exceptions": [e["params"] for e in mine if e["method"] == "Runtime.exceptionThrown"],
            "log_errors": [e["params"]["entry"].get("text") for e in mine
                           if e["method"] == "Log.entryAdded" and e["params"]["entry"].get("level") == "error"],
        }
        return problems, session

    def evaluate(self, session: str, expression: str):
        result = self.call("Runtime.evaluate", session, expression=expression, returnByValue=True)
        return result["result"].get("value")

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self.write)
        os.close(self.read)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield chromium
    chromium.close()


NO_PROBLEMS = {"external_requests": [], "failed_requests": [], "console_errors": [], "exceptions": [],
               "log_errors": []}


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
