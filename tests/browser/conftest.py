"""Browser fixtures: the app on a real HTTP port (SQLite) and Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.conftest import IN_CI, ROOT, free_port, make_app, wipe

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
SCREENSHOTS = ROOT / "build" / "screenshots"


@pytest.fixture(scope="session")
def sqlite_url(instance_dir, tmp_path_factory) -> str:
    """The browser tests run on SQLite only, migrated by Alembic like the others."""
    from flask_migrate import upgrade

    from factory import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-sqlite') / 'dauys.sqlite3'}"
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        upgrade()
        from extensions import db

        db.engine.dispose()
    return url


@dataclass
class LiveServer:
    url: str
    app: object

    def citizen(
        self,
        tmp_path: Path,
        key_type: str = "ec",
        surname: str = "Сейтқалиева",
        given_name: str = "Айгерім",
        serial: int = 1000,
    ) -> KeyFiles:
        """Add a registry person, issue their key set and write it out as the citizen's files."""
        from auth import services
        from auth.iin import make
        from extensions import db

        with self.app.app_context():
            iin = make(date(1990, 5, 17), "F", serial)
            person = services.add_person(iin=iin, surname=surname, given_name=given_name, kato="113243200")
            key_set = services.issue_key_set(person, key_type, datetime.now(UTC))
            db.session.commit()
            full_name = person.full_name
        folder = tmp_path / f"keys-{iin}"
        folder.mkdir()
        files = {}
        for usage, issued in (("auth", key_set.auth), ("sign", key_set.sign)):
            for kind, data in (("key", issued.key_pem), ("cert", issued.cert_pem)):
                path = folder / f"{usage}.{kind}.pem"
                path.write_bytes(data)
                files[f"{usage}_{kind}"] = path
        return KeyFiles(iin=iin, full_name=full_name, **files)


@dataclass
class KeyFiles:
    iin: str
    full_name: str
    auth_key: Path
    auth_cert: Path
    sign_key: Path
    sign_cert: Path


def _seed_territories(app) -> None:
    from extensions import db
    from kernel.territories import Territory

    rows = [
        Territory(
            kato="110000000",
            name_kk="Ақмола облысы",
            name_ru="Акмолинская область",
            name_en="Akmola Region",
            level="region",
            population=786000,
        ),
        Territory(
            kato="113200000", name_kk="Ақкөл ауданы", name_ru="Аккольский район", level="district", parent="110000000"
        ),
        Territory(
            kato="113243000",
            name_kk="Кеңес ауылдық округі",
            name_ru="Кенесский сельский округ",
            level="rural_district",
            parent="113200000",
        ),
        Territory(
            kato="113243200", name_kk="Кеңес ауылы", name_ru="село Кенес", level="settlement", parent="113243000"
        ),
    ]
    with app.app_context():
        for row in rows:
            db.session.add(row)
            db.session.flush()
        db.session.commit()


@pytest.fixture
def live_server(sqlite_url) -> Iterator[LiveServer]:
    """The app served by werkzeug on 127.0.0.1 in a background thread; wiped afterwards."""
    from werkzeug.serving import make_server

    from workers.queues import wait_for_inprocess

    app = make_app(sqlite_url, WTF_CSRF_ENABLED=True)
    _seed_territories(app)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        wait_for_inprocess()
        wipe(app)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install chromium (make browser)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized page (own cookies) per test."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


class PageAudit:
    """Open a page in a language, screenshot it, and collect axe violations and sideways scrolling."""

    def __init__(self, page, server_url: str, lang: str, screenshots: Path, prefix: str = ""):
        from axe_playwright_python.sync_playwright import Axe

        self.page, self.url, self.lang, self.screenshots, self.prefix = page, server_url, lang, screenshots, prefix
        self.axe = Axe()
        self.failures: list[str] = []

    def check(self, name: str, path: str, status: int = 200) -> None:
        page = self.page
        response = page.goto(f"{self.url}{path}{'&' if '?' in path else '?'}lang={self.lang}")
        assert response is not None and response.status == status, f"{path}: {response and response.status}"
        self.here(name)

    def here(self, name: str) -> None:
        """Audit the page as it is now (after a click, with errors shown …)."""
        page = self.page
        assert page.locator("html").get_attribute("lang") == self.lang
        page.screenshot(path=str(self.screenshots / f"{self.prefix}{name}-{self.lang}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            self.failures.append(f"{name} ({self.lang}): the page is {overflow}px wider than the phone screen")
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        results = self.axe.run(page)
        if results.violations_count:
            self.failures.append(
                f"{name} ({self.lang}): {results.violations_count} violation(s)\n{results.generate_report()}"
            )

    def assert_clean(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


def confirm_act(page, button: str) -> None:
    """Press an official's act button and sign what the page then shows (static/js/act-confirm.js): the
    button alone opens the summary, signs nothing and posts nothing (tests/browser/test_act_confirm.py)."""
    page.click(button)
    page.locator("#act-confirm").wait_for(state="visible")
    page.click("#act-confirm-yes")
