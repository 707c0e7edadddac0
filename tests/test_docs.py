"""What the documentation promises: a README that is a map (the two commands on
its first screen, under 10 KB), links that lead somewhere, and an architecture
table whose functions exist (a module moved: the table's row says where)."""

import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
APPS = ("core.", "moderation.", "notifications.", "botrunner.")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(), flags=re.MULTILINE)
    return {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in headings
    }


def _links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return [
        target
        for target in re.findall(r"\]\(([^)\s]+)\)", text)
        if not target.startswith(("http://", "https://"))
    ]


def _resolves(name: str, module: str | None = None) -> bool:
    """`name` in `module`, or a dotted `module.name` (a module itself counts)."""
    if module is None:
        module, _, name = name.rpartition(".")
    try:
        found = importlib.import_module(module)
    except ImportError:
        return False
    if hasattr(found, name):
        return True
    try:
        importlib.import_module(f"{module}.{name}")
    except ImportError:
        return False
    return True


def test_readme_is_a_map_with_the_two_commands_first():
    first_screen = "\n".join(README.read_text().splitlines()[:20])

    assert README.stat().st_size < 10_000
    assert "make run" in first_screen
    assert "make test" in first_screen


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_links_lead_to_a_file_and_heading(page):
    broken = []
    for target in _links(page):
        path, _, anchor = target.partition("#")
        destination = (page.parent / path).resolve() if path else page
        if not destination.exists() or (
            anchor
            and destination.suffix == ".md"
            and anchor not in _anchors(destination)
        ):
            broken.append(target)

    assert broken == []


def test_architecture_names_a_function_that_exists_for_each_operation():
    section = ARCHITECTURE.read_text().split("## Where each operation lives")[1]
    section = section.split("\n## ")[0]
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in section.splitlines()
        if line.startswith("| ")
    ]
    operations = [row for row in rows if row[1].startswith("`")]
    missing = []
    for operation, module, functions, callers in operations:
        for name in re.findall(r"`([\w.]+)`", functions):
            if not _resolves(name, None if "." in name else module.strip("`")):
                missing.append(f"{operation}: {name}")
        for name in re.findall(r"`([\w.]+\.\w+)`", callers):
            if name.startswith(APPS) and not _resolves(name):
                missing.append(f"{operation} (called from): {name}")

    assert len(operations) > 50
    assert missing == []
