"""Browser tests without Chromium: one line and a green run, or a red run in CI.

Each case runs pytest in a subprocess on a small suite with the gate plugin
(tests/browser/gate.py), registered as tests/conftest.py does. A whole run of
the project's browser tests without Chromium: `CHROMIUM_PATH=/nowhere make test`.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.gate import BrowserGate, chromium_path

CONFTEST = """
from tests.browser.gate import BrowserGate

def pytest_configure(config):
    config.pluginmanager.register(BrowserGate.from_environment(), "browser-gate")
"""
SUITE = """
import pytest

@pytest.mark.browser
def test_in_chromium():
    pass

@pytest.mark.browser
def test_in_chromium_too():
    pass

def test_without_a_browser():
    pass
"""
SKIPPING_ITSELF = """
import pytest

@pytest.mark.browser
def test_in_chromium():
    pytest.skip("no screen today")
"""
MISSING = "/nonexistent/chromium"


def run_pytest(
    directory: Path, *, chromium: str, required: str | None = None, args=()
) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("BROWSER_TESTS_REQUIRED", "PYTEST_ADDOPTS")
    }
    env |= {"CHROMIUM_PATH": chromium, "PYTHONPATH": str(settings.BASE_DIR)}
    if required is not None:
        env["BROWSER_TESTS_REQUIRED"] = required
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-ra", "-p", "no:cacheprovider", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nmarkers =\n    browser: drives Chromium\naddopts = -p no:django\n"
    )
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_suite.py").write_text(SUITE)
    return tmp_path


@pytest.fixture
def chromium(tmp_path: Path) -> str:
    """A file where the gate looks for Chromium (the suite's tests never start it)."""
    path = tmp_path / "bin" / "chromium"
    path.parent.mkdir()
    path.write_text("")
    return str(path)


def summary_lines(output: str, text: str) -> list[str]:
    return [line for line in output.splitlines() if text in line]


def test_gate_without_chromium_skips_browser_tests_with_one_line(suite):
    run = run_pytest(suite, chromium=MISSING)

    assert run.returncode == 0, run.stdout
    [line] = summary_lines(run.stdout, "Chromium not found")
    assert line.startswith("SKIPPED [2] ")
    assert f"Chromium not found at {MISSING}: browser tests skipped" in line
    assert "`apt-get install chromium`" in line
    assert "1 passed, 2 skipped" in run.stdout


def test_gate_without_chromium_fails_the_run_when_required(suite):
    run = run_pytest(suite, chromium=MISSING, required="1")

    assert run.returncode == 1, run.stdout
    assert summary_lines(run.stdout, "Chromium not found")
    assert (
        "BROWSER_TESTS_REQUIRED=1 and 2 browser test(s) skipped: the run fails."
        in run.stdout
    )


def test_gate_with_chromium_runs_browser_tests(suite, chromium):
    run = run_pytest(suite, chromium=chromium, required="1")

    assert run.returncode == 0, run.stdout
    assert "3 passed" in run.stdout
    assert not summary_lines(run.stdout, "Chromium not found")


@pytest.mark.parametrize(("required", "code"), [("1", 1), (None, 0), ("0", 0)])
def test_gate_fails_a_required_run_with_any_skipped_browser_test(
    suite, chromium, required, code
):
    (suite / "test_suite.py").write_text(SKIPPING_ITSELF)

    run = run_pytest(suite, chromium=chromium, required=required)

    assert run.returncode == code, run.stdout
    assert "no screen today" in run.stdout


def test_project_suite_has_the_gate(request):
    """tests/conftest.py registers the gate for the project's own browser tests."""
    gate = request.config.pluginmanager.get_plugin("browser-gate")

    assert isinstance(gate, BrowserGate)
    assert gate.chromium == chromium_path()
