#!/usr/bin/env bash
# Set up a checkout from clean: system packages, the .venv, Python dependencies.
# Safe to run again: each step does only what is missing. Sourced by dev.sh and test.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# fonts-noto-cjk: Chinese glyphs in PDFs; libharfbuzz-subset0: fast font subsetting in
# WeasyPrint; poppler-utils: pdffonts/pdftotext to check PDFs; gettext: message catalogues;
# chromium: the browser journeys (Playwright drives Debian's Chromium, never a download).
APT_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 poppler-utils gettext chromium)

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
fi
if ((${#missing[@]})); then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
      echo "!! not root and no sudo: install these yourself: ${missing[*]}" >&2; SUDO="skip"; fi
  fi
  if [ "$SUDO" != "skip" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
if [ ! -x .venv/bin/uv ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check uv
fi
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.mingshi-deps
if [ ! -f "$stamp" ] || ! cmp -s pyproject.toml "$stamp"; then
  echo "==> installing Python dependencies"
  .venv/bin/uv pip install -q --python .venv/bin/python -r pyproject.toml --extra dev
  cp pyproject.toml "$stamp"
fi
