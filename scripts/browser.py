"""A headless Chromium (Debian's, through chromium-driver) that logs in to Home Assistant and reads what it shows.

Used by the dashboard's browser test and by scripts/screenshots. Home Assistant's frontend is
built of web components: what a user sees lives in nested shadow roots, so the page is read
with small scripts that walk them, taking only text that is laid out (a conditional card that
is hidden does not count).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
import os
from pathlib import Path
import shutil
import tempfile
import time
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
"""Chromium as a test browser: nothing reaches the internet, no sandbox as root, no GPU."""
PAUSE = 0.25
LOGIN_FIELDS = 2
"""User name and password."""

VISIBLE_TEXT = """
const parts = [];
const walk = (node) => {
  if (node.nodeType === Node.TEXT_NODE) {
    const range = document.createRange();
    range.selectNodeContents(node);
    if (range.getClientRects().length) parts.push(node.textContent);
    return;
  }
  if (node.shadowRoot) walk(node.shadowRoot);
  for (const child of node.childNodes) walk(child);
};
walk(document.body);
return parts.join(" ").replace(/\\s+/g, " ");
"""
"""Return the text a user sees on the page, from every shadow root."""

VISIBLE_INPUTS = """
const found = [];
const walk = (node) => {
  if (node.nodeType !== Node.ELEMENT_NODE && node.nodeType !== Node.DOCUMENT_FRAGMENT_NODE) return;
  if (node.tagName === "INPUT" && node.getClientRects().length) found.push(node);
  if (node.shadowRoot) walk(node.shadowRoot);
  for (const child of node.children ?? []) walk(child);
};
walk(document.body);
return found;
"""
"""Return the text fields a user sees, in the order of the page."""


VISIBLE_ELEMENT = """
const [tag, text, label] = arguments;
const walk = function* (node) {
  for (const child of [...(node.shadowRoot?.children ?? []), ...(node.children ?? [])]) {
    yield child;
    yield* walk(child);
  }
};
const CHOICES = ["option", "menuitem", "menuitemradio", "listitem", "button"];
const parent = (node) => node.parentElement ?? node.getRootNode().host ?? null;
for (const element of walk(document.body)) {
  if (!element.getClientRects().length) continue;
  if (tag && element.localName === tag) return element;
  if (label && (element.label === label || element.getAttribute("aria-label") === label)) return element;
  // A list item may hold its own words beside a second line: its own text counts too.
  const own = [...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE);
  const ownText = own.map((node) => node.textContent).join("").trim();
  if (text && (element.textContent.trim() === text || ownText === text)) {
    // The choice the user clicks: the option, menu or list item the text is in.
    for (let node = element; node; node = parent(node)) {
      if (CHOICES.includes(node.getAttribute?.("role"))) return node;
    }
    return element;  // a button's own words: the click reaches the button
  }
}
return null;
"""
"""Return the first visible element of a tag, labelled label, or the visible choice (option, menu or list item,
button) saying text."""


class BrowserError(Exception):
    """The page did not come to show what was expected in time."""


def chromium_available() -> bool:
    """Whether Debian's chromium and chromium-driver are installed (scripts/setup installs them)."""
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


class Browser:
    """One headless Chromium window with a fresh profile."""

    def __init__(self, driver: webdriver.Chrome) -> None:
        """Wrap a started driver; use Browser.started() to get one."""
        self.driver = driver

    @classmethod
    @contextlib.contextmanager
    def started(cls, width: int = 1280, height: int = 900) -> Iterator[Browser]:
        """Start Chromium with a fresh profile, and stop it and remove the profile on leaving."""
        profile = tempfile.mkdtemp(prefix="hanyang-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (*FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        # Selenium would otherwise look for a browser and driver to download.
        os.environ["SE_OFFLINE"] = "true"
        driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        try:
            yield cls(driver)
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)

    def wait_for[T](self, what: str, probe: Callable[[], T | None], within: float = 30.0) -> T:
        """Return probe's first truthy answer, or raise BrowserError after within seconds."""
        deadline = time.monotonic() + within
        while True:
            with contextlib.suppress(Exception):
                if answer := probe():
                    return answer
            if time.monotonic() > deadline:
                raise BrowserError(f"{what} within {within} s; the page shows: {self.text()[:800]}")
            time.sleep(PAUSE)

    def script(self, script: str, *args: Any) -> Any:
        """Run a script in the page and return its result."""
        # Selenium leaves this one method unannotated.
        return self.driver.execute_script(script, *args)  # type: ignore[no-untyped-call]

    def text(self) -> str:
        """Return the text the page shows now."""
        text: str = self.script(VISIBLE_TEXT)
        return text

    def wait_for_text(self, *texts: str, within: float = 30.0) -> str:
        """Wait until the page shows every one of texts; return what it shows then."""

        def showing() -> str | None:
            shown = self.text()
            return shown if all(text in shown for text in texts) else None

        return self.wait_for(f"the page shows {texts}", showing, within)

    def log_in(self, url: str, username: str, password: str) -> None:
        """Open Home Assistant at url and log in through its login page, as a user types."""
        self.driver.get(url)

        def login_fields() -> list[WebElement] | None:
            inputs: list[WebElement] = self.script(VISIBLE_INPUTS)
            return inputs if len(inputs) >= LOGIN_FIELDS else None

        fields = self.wait_for("the login form", login_fields)
        fields[0].send_keys(username)
        fields[1].send_keys(password + Keys.ENTER)
        self.wait_for("the logged-in frontend", self.frontend_ready)

    def frontend_ready(self) -> bool:
        """Whether the frontend is connected and knows the states."""
        ready: bool = self.script(
            "const app = document.querySelector('home-assistant');"
            "return Boolean(app && app.hass && app.hass.connected && app.hass.states);"
        )
        return ready

    def open(self, url: str) -> None:
        """Navigate within the logged-in frontend."""
        self.driver.get(url)
        self.wait_for("the frontend", self.frontend_ready)

    def click(
        self,
        *,
        tag: str | None = None,
        option: str | None = None,
        label: str | None = None,
        within: float = 30.0,
    ) -> None:
        """Click, as a user does, the first visible element of a tag, the choice saying option, or the button labelled label."""
        element: WebElement = self.wait_for(
            f"a visible {tag or option or label}",
            lambda: self.script(VISIBLE_ELEMENT, tag, option, label),
            within,
        )
        element.click()

    def screenshot(self, path: Path) -> None:
        """Save what the window shows as a PNG."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
