"""Browser journeys: Playwright drives Debian's Chromium (never a downloaded browser)."""

import io
import os
import shutil

import pytest
from django.core.management import call_command

from . import buttons

CHROMIUM = os.environ.get("MINGSHI_CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: scripts/setup.sh installs Debian's chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def accept_dialogs(page):
    """Irreversible buttons ask through window.confirm (static/js/confirm.js); a journey that
    presses one means it, so every dialog is accepted (Playwright dismisses them otherwise)."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


@pytest.fixture
def page(page):
    return accept_dialogs(page)


@pytest.fixture(autouse=True)
def record_buttons(monkeypatch):
    """Every POST the live server answers during a browser test counts as a button pressed."""
    from django.core.handlers.base import BaseHandler

    answer = BaseHandler.get_response

    def get_response(self, request):
        response = answer(self, request)
        buttons.record(request)
        return response

    monkeypatch.setattr(BaseHandler, "get_response", get_response)


@pytest.fixture
def demo_site(live_server, transactional_db):
    """The live server with the demo data in it."""
    call_command("seed_demo", stdout=io.StringIO())
    return live_server


@pytest.fixture
def log_in(page, demo_site, settings):
    def _log_in(username: str):
        page.goto(f"{demo_site.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", settings.MINGSHI_DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{demo_site.url}/")
        return page

    return _log_in


class Clock:
    """The application's idea of today, set by the test (the live server shares the process)."""

    def __init__(self, day):
        self.day = day

    def __call__(self):
        return self.day


@pytest.fixture
def clock(monkeypatch):
    from datetime import date

    fake = Clock(date(2024, 7, 20))
    monkeypatch.setattr("core.clock.today", fake)
    return fake


@pytest.fixture
def as_user(browser, demo_site, settings):
    """A fresh logged-in browser context per user: ``page = as_user("lz_county")``."""
    contexts = []

    def _as(username: str):
        context = browser.new_context(locale="zh-CN", accept_downloads=True)
        contexts.append(context)
        page = accept_dialogs(context.new_page())
        page.set_default_timeout(15_000)
        page.goto(f"{demo_site.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", settings.MINGSHI_DEMO_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(f"{demo_site.url}/")
        return page

    yield _as
    for context in contexts:
        context.close()


def pytest_sessionfinish(session):
    import json
    import os

    out = os.environ.get("MINGSHI_BUTTONS_OUT")
    if out:
        with open(out, "w") as handle:
            json.dump(sorted(buttons.PRESSED), handle, ensure_ascii=False, indent=0)


@pytest.fixture
def phone(browser):
    """New pages at a phone's width (390 px), in Chinese, that accept confirmation dialogs."""
    contexts = []

    def _open():
        context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
        contexts.append(context)
        page = accept_dialogs(context.new_page())
        page.set_default_timeout(15_000)
        return page

    yield _open
    for context in contexts:
        context.close()
