"""In a real browser on a phone: the new-petition form chooses the citizen's own region when a regional
body is chosen, not the first of the list (static/js/petition-form.js, issue 15, item 5), and a refused
form's summary at the top links to the field, which takes the focus; axe on it in Kazakh."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PageAudit
from tests.browser.test_login_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _abai_region(server) -> None:
    """A region before Akmola in KATO order, where the citizen does not live."""
    from extensions import db
    from kernel.territories import Territory

    with server.app.app_context():
        db.session.add(
            Territory(
                kato="100000000",
                name_kk="Абай облысы",
                name_ru="Абайская область",
                name_en="Abai Region",
                level="region",
                population=603000,
            )
        )
        db.session.commit()
        db.session.remove()


def test_a_regional_petition_starts_on_the_citizens_region_and_a_refusal_is_on_its_field(
    live_server, phone, tmp_path, screenshots
):
    _abai_region(live_server)
    keys = live_server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=6001)  # Kenes, Akmola region
    sign_in(phone, live_server, keys.auth_key, keys.auth_cert, lang="kk")
    phone.wait_for_url(re.compile(r"/account$"))
    audit = PageAudit(phone, live_server.url, "kk", screenshots, prefix="forms-")
    phone.goto(f"{live_server.url}/petitions/new")
    first_region = phone.evaluate("document.querySelector('#territory optgroup[data-level=region] option').value")
    assert first_region == "100000000"  # the list starts with another region
    phone.select_option("#addressee", "region_akimat")
    assert phone.input_value("#territory") == "110000000"  # the citizen's own, by the registry
    phone.select_option("#addressee", "government")
    assert phone.locator("#territory-field").is_hidden()
    phone.select_option("#addressee", "region_maslikhat")
    assert phone.input_value("#territory") == "110000000"

    # A region they do not live in: refused on the territory's field, the summary linking to it.
    phone.select_option("#territory", "100000000")
    phone.fill("#title", "Облыстық жолды жөндеу керек")
    phone.fill("#body", "Облыстық жол көктемде су астында қалады, ауыл мектепке бара алмайды. Ұсыныс: жолды жөндеу.")
    with phone.expect_navigation():
        phone.click("#petition-form button[type=submit]")
    assert phone.locator("#territory-error").is_visible()
    assert phone.locator(".flashes").count() == 0
    assert phone.evaluate("document.activeElement.id") == "error-summary"  # read first
    assert phone.get_attribute("#territory", "aria-invalid") == "true"
    assert "territory-error" in phone.get_attribute("#territory", "aria-describedby")
    phone.click("#error-summary a[href='#territory']")
    assert phone.evaluate("document.activeElement.id") == "territory"
    audit.here("petition-refused")  # (it opens every <details>, the header's menu too: after the click)
    audit.assert_clean()
