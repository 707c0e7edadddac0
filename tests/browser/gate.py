"""Browser tests on a machine without Chromium: skipped, or a failed run in CI.

Without Chromium the tests marked `browser` (tests/browser/, tests/e2e/) are
skipped, and the summary says so in one line, with how to run them. With
BROWSER_TESTS_REQUIRED=1 (CI) a browser test skipped for any reason, a missing
Chromium included, fails the run.

No Django here: it is a plain pytest plugin, tested by running pytest on it.
"""

import os
from pathlib import Path

import pytest

MARKER = "browser"
CHROMIUM_ENV = "CHROMIUM_PATH"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
REQUIRED_ENV = "BROWSER_TESTS_REQUIRED"


def chromium_path() -> Path:
    """Return where the browser tests take Chromium from (CHROMIUM_PATH overrides)."""
    return Path(os.environ.get(CHROMIUM_ENV) or DEFAULT_CHROMIUM)


def browser_tests_required() -> bool:
    return os.environ.get(REQUIRED_ENV, "").strip().lower() in {"1", "true", "yes"}


class BrowserGate:
    """Skip browser tests without Chromium; fail a run that skipped any, if required."""

    def __init__(self, chromium: Path, *, required: bool) -> None:
        self.chromium = chromium
        self.required = required
        self.skipped: set[str] = set()

    @classmethod
    def from_environment(cls) -> "BrowserGate":
        return cls(chromium_path(), required=browser_tests_required())

    @property
    def missing_reason(self) -> str:
        return (
            f"Chromium not found at {self.chromium}: browser tests skipped; install "
            f"it with `apt-get install chromium` (or set {CHROMIUM_ENV}) to run them"
        )

    # After the skip marks (a test they skip keeps its own reason) and before the
    # test's fixtures (live server, database), so a skip costs nothing. Raised
    # here, every skip has this one location: the summary folds them into one line.
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if item.get_closest_marker(MARKER) and not self.chromium.is_file():
            pytest.skip(self.missing_reason)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped and MARKER in report.keywords:
            self.skipped.add(report.nodeid)

    def pytest_terminal_summary(
        self, terminalreporter: pytest.TerminalReporter
    ) -> None:
        if self.required and self.skipped:
            terminalreporter.write_line(
                f"{REQUIRED_ENV}=1 and {len(self.skipped)} browser test(s) "
                "skipped: the run fails.",
                red=True,
                bold=True,
            )

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.required and self.skipped and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
