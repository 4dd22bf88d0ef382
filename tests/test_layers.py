"""The layers contract holds, and it would catch an import that runs up a floor.

import-linter reads the source (it imports nothing), so the check runs on a copy of the
product's packages with one deliberately wrong import added.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["core", "accounts", "policies", "applications", "studios", "assessments", "funding"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(where: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(where / "pyproject.toml")],
        cwd=where,
        env={"PYTHONPATH": str(where), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy_of_the_house(tmp_path: Path) -> Path:
    for package in [*PACKAGES, "demo", "api"]:
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("templates", "locale", "*.json", "__pycache__"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_layers_hold():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    house = _copy_of_the_house(tmp_path)
    assert _lint(house).returncode == 0  # the copy is as good as the original

    # accounts (floor 2) reaching up into funding (the top app floor)
    (house / "accounts" / "wrong.py").write_text("from funding.models import Allocation\n")
    result = _lint(house)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
    assert "accounts.wrong -> funding.models" in result.stdout


def test_the_publication_seam_is_the_only_exception(tmp_path):
    """The seam is listed import by import: a second upward import from applications fails."""
    house = _copy_of_the_house(tmp_path)
    (house / "applications" / "wrong.py").write_text("from studios.selectors import studios_for\n")
    result = _lint(house)
    assert result.returncode != 0
    assert "applications.wrong -> studios.selectors" in result.stdout


def test_assessments_and_funding_stay_strangers(tmp_path):
    """They share a floor: neither may import the other (the audit workbook gets both apps'
    sheets from the registry in core.exports instead)."""
    house = _copy_of_the_house(tmp_path)
    (house / "funding" / "wrong.py").write_text("from assessments.models import AnnualReport\n")
    result = _lint(house)
    assert result.returncode != 0
    assert "funding.wrong -> assessments.models" in result.stdout


LONG_MODULE = 600


def test_a_long_module_says_why_it_is_one_module():
    """A module that grows becomes a package; one that stays long says why in its docstring."""
    import ast

    unexplained = []
    for package in PACKAGES + ["demo", "api"]:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if text.count("\n") <= LONG_MODULE:
                continue
            docstring = ast.get_docstring(ast.parse(text)) or ""
            if "on purpose" not in docstring:
                unexplained.append(f"{path.relative_to(ROOT)} ({text.count(chr(10))} lines)")
    assert unexplained == []


def test_a_process_starts_without_the_heavy_document_libraries():
    """WeasyPrint (~1 s with Pango), pypdf and qrcode load when a PDF or a QR code is made, not
    in every web worker, job and manage.py command as it starts (loading Django and every
    URL is what a worker does first)."""
    probe = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "print(sorted(m for m in ('weasyprint', 'pypdf', 'qrcode') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
