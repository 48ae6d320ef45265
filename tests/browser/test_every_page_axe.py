"""Every GET page of the URL map, signed out and signed in with every role, passes axe in Kazakh, Russian and
English on a 390 px phone, with a screenshot of each in build/screenshots/ (`tour-<page>-<lang>.png`).
The pages and their scene are the phone tour's (tests/browser/test_phone_layout.py), so a new page joins
both checks at once."""

from __future__ import annotations

import pytest

from tests.browser.conftest import PageAudit
from tests.browser.test_phone_layout import DISTRICT, ROLES, build_scene, holder, phone_page, signed_in, tour_paths

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIGNED_OUT = (("home", "/"), ("login", "/login"), ("petitions", "/petitions"), ("verify", "/verify"))


@pytest.mark.parametrize("lang", ("kk", "ru", "en"))
def test_every_page_passes_axe_on_a_phone_in_each_language(live_server, browser, tmp_path, screenshots, lang):
    tour = holder(live_server, tmp_path, 2401, ROLES["admin"] + (("secretary", DISTRICT),))
    scene = build_scene(live_server, tmp_path, tour)
    paths = tour_paths(live_server.app, scene)
    failures: list[str] = []

    context, page = phone_page(browser)
    try:
        audit = PageAudit(page, live_server.url, lang, screenshots, prefix="tour-signed-out-")
        for name, path in SIGNED_OUT + (("petition-open", f"/petitions/{scene.petitions['open']}"),):
            audit.check(name, path)
        failures += audit.failures
    finally:
        context.close()

    context, page = signed_in(browser, live_server, tour)
    try:
        audit = PageAudit(page, live_server.url, lang, screenshots, prefix="tour-")
        for name, path in paths:
            audit.check(name, path, status=404 if name == "not-found" else 200)
        failures += audit.failures
    finally:
        context.close()
    assert not failures, "\n\n".join(failures)
