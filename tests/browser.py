"""A headless chromium driven over the DevTools protocol on a pipe (no ports, no extra packages),
for the tests that open report pages: problems seen while loading, JavaScript evaluation,
viewport width, screenshots."""

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import pytest

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
NO_PROBLEMS = {"external_requests": [], "failed_requests": [], "console_errors": [], "exceptions": [],
               "log_errors": []}


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

    def open(self, url: str, width: int | None = None, height: int = 900, fonts: bool = False) -> tuple[dict, str]:
        """Load ``url`` in a fresh tab (``width`` px wide, as a phone when narrow); return problems
        seen and the session for evaluation. ``fonts`` gives the page the CJK font the PDFs use
        (this machine has no system CJK font; readers' machines do), for screenshots."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session)
        if fonts:
            from crmlib.report.pdf import print_styles

            css = print_styles().replace("<style>", "").replace("</style>", "")
            script = ("document.addEventListener('DOMContentLoaded', () => { const s = document.createElement('style');"
                      f" s.textContent = {json.dumps(css)}; document.head.appendChild(s); }});")
            self.call("Page.addScriptToEvaluateOnNewDocument", session, source=script)
        if width is not None:
            self.call("Emulation.setDeviceMetricsOverride", session, width=width, height=height,
                      deviceScaleFactor=1, mobile=width < 600)
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

    def screenshot(self, session: str, path: Path, full_page: bool = False) -> Path:
        """Write a PNG of the viewport (or the whole page) to ``path``."""
        params = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            size = self.call("Page.getLayoutMetrics", session)["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 12000),
                              "scale": 1}
        data = self.call("Page.captureScreenshot", session, **params)["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close_tab(self, session: str) -> None:
        try:
            self.call("Page.close", session)
        except (RuntimeError, TimeoutError):
            pass

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
