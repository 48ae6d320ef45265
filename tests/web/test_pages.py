"""Pages: three languages, the switcher, CSRF on every form, roles, error pages, security headers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from babel.messages.pofile import read_po

from tests.conftest import ROOT

LANGS = ("kk", "ru", "en")


def sign_in_session(client, app, citizen) -> None:
    """Log the citizen in through the real login form (EDS-signed challenge, CSRF token)."""
    import time

    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    response = client.post("/login", data={"csrf_token": csrf, "jws": jws})
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def csrf_app(database_url):
    """The app with CSRF protection on, as in production."""
    from tests.conftest import make_app, wipe

    app = make_app(database_url)
    app.config["WTF_CSRF_ENABLED"] = True
    with app.app_context():
        yield app
        from extensions import db
        from workers.queues import wait_for_inprocess

        db.session.rollback()
        wait_for_inprocess()
    wipe(app)


@pytest.mark.parametrize(
    ("lang", "sign_in"), [("kk", "ЭЦҚ арқылы кіру"), ("ru", "Войти с ЭЦП"), ("en", "Sign in with EDS")]
)
def test_home_page_speaks_each_language(client, lang, sign_in):
    page = client.get(f"/?lang={lang}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<html lang="{lang}">' in html
    assert sign_in in html
    assert page.headers["Content-Language"] == lang


def test_kazakh_is_the_default(client):
    assert '<html lang="kk">' in client.get("/").get_data(as_text=True)
    russian_browser = client.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert '<html lang="ru">' in russian_browser.get_data(as_text=True)


def test_language_switcher_keeps_the_choice_and_refuses_open_redirects(client):
    response = client.post("/lang", data={"lang": "ru", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert '<html lang="ru">' in client.get("/").get_data(as_text=True)
    evil = client.post("/lang", data={"lang": "en", "next": "https://evil.example/"})
    assert evil.headers["Location"] == "/"
    assert client.post("/lang", data={"lang": "en", "next": "//evil.example"}).headers["Location"] == "/"


def test_every_message_is_translated_in_every_language():
    template = {m.id for m in read_po(open(ROOT / "translations/messages.pot", encoding="utf-8")) if m.id}
    assert len(template) > 50
    for lang in LANGS:
        with open(ROOT / f"translations/{lang}/LC_MESSAGES/messages.po", encoding="utf-8") as handle:
            catalog = read_po(handle)
        translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
        assert template <= translated, f"{lang}: missing {sorted(template - translated)[:5]}"


def test_every_translatable_string_in_the_code_is_in_the_template():
    """A string added without `make extract-messages` would show in English to everyone."""
    from babel.messages.extract import extract_from_dir

    template = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in read_po(open(ROOT / "translations/messages.pot", encoding="utf-8"))
        if m.id
    }
    found = set()
    method_map = [("**/.venv/**", "ignore"), ("**/tests/**", "ignore"), ("**/build/**", "ignore"),
                  ("**/migrations/**", "ignore"), ("**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]
    for _, _, message, _, _ in extract_from_dir(str(ROOT), method_map, keywords={"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}):
        found.add(message if isinstance(message, str) else message[0])
    missing = found - template
    assert not missing, f"run `make extract-messages` and translate: {sorted(missing)[:5]}"


@pytest.mark.parametrize("lang", LANGS)
def test_not_found_page_is_translated_and_has_a_code(client, lang):
    page = client.get(f"/no-such-page?lang={lang}")
    assert page.status_code == 404
    html = page.get_data(as_text=True)
    assert "<code>not_found</code>" in html
    assert f'<html lang="{lang}">' in html


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    csp = headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    secure = client.get("/", base_url="https://dauys.kz").headers
    assert "max-age" in secure["Strict-Transport-Security"]


def test_forms_without_a_csrf_token_are_refused(csrf_app, territories, make_citizen):
    client = csrf_app.test_client()
    for path, data in (("/login", {"jws": "x"}), ("/lang", {"lang": "ru"}), ("/logout", {}),
                       ("/account", {"email": "a@b.kz"}), ("/inbox/read", {}), ("/admin/calendar", {"note": "x"})):
        response = client.post(path, data=data)
        assert response.status_code in (400, 401, 403), path
    # With a session and a valid login, a form still needs its token.
    citizen = make_citizen()
    sign_in_session(client, csrf_app, citizen)
    response = client.post("/account", data={"email": "new@example.kz"})
    assert response.status_code == 400
    assert "reload the page" in client.post("/account?lang=en", data={}).get_data(as_text=True)
    from auth.models import Person
    from extensions import db

    db.session.expire_all()
    assert db.session.get(Person, citizen.iin).email is None


def test_account_page_shows_registry_facts_and_saves_a_contact_email(csrf_app, territories, make_citizen):
    client = csrf_app.test_client()
    citizen = make_citizen()
    sign_in_session(client, csrf_app, citizen)
    page = client.get("/account?lang=en").get_data(as_text=True)
    assert "Сейтқалиева Айгерім" in page
    assert citizen.iin not in page
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    bad = client.post("/account", data={"csrf_token": csrf, "email": "not-an-email"})
    assert bad.status_code == 200 and "Enter a valid e-mail address." in bad.get_data(as_text=True)
    ok = client.post("/account", data={"csrf_token": csrf, "email": "aigerim@example.kz"})
    assert ok.status_code == 302
    from auth.models import Person
    from extensions import db

    db.session.expire_all()
    assert db.session.get(Person, citizen.iin).email == "aigerim@example.kz"


def test_pages_that_need_sign_in_redirect_to_login(client):
    for path in ("/account", "/inbox"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/login?next=" in response.headers["Location"]


def test_calendar_admin_needs_the_admin_role(app, client, make_citizen):
    from auth import services
    from extensions import db

    app.config["WTF_CSRF_ENABLED"] = False
    citizen = make_citizen()
    sign_in_session_nocsrf(client, citizen)
    assert client.get("/admin/calendar").status_code == 403
    services.grant_role(citizen.iin, "admin", None, datetime.now(UTC))
    db.session.commit()
    assert client.get("/admin/calendar").status_code == 200
    response = client.post("/admin/calendar", data={"day": "2026-05-08", "kind": "off", "note": "Decree No. 1"})
    assert response.status_code == 302
    from kernel.work_calendar import load_work_calendar
    from kernel.working_days import add_working_days

    assert add_working_days(load_work_calendar(), date(2026, 5, 6), 1) == date(2026, 5, 12)
    missing_note = client.post("/admin/calendar", data={"day": "2026-05-09", "kind": "working", "note": ""})
    assert missing_note.status_code == 422
    client.post("/admin/calendar/remove", data={"day": "2026-05-08"})
    assert add_working_days(load_work_calendar(), date(2026, 5, 6), 1) == date(2026, 5, 8)


def sign_in_session_nocsrf(client, citizen) -> None:
    import time

    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="auth")
    assert client.post("/login", data={"jws": jws}).status_code == 302


def test_failed_login_shows_the_reason_and_signs_no_one_in(app, client, make_citizen):
    import time

    app.config["WTF_CSRF_ENABLED"] = False
    citizen = make_citizen()
    nonce = client.post("/api/v1/auth/challenge").get_json()["nonce"]
    jws = citizen.jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, usage="sign")
    response = client.post("/login?lang=en", data={"jws": jws})
    assert response.status_code == 400
    assert "Signing in needs your AUTH key: choose the auth.key.pem and auth.cert.pem files" in response.get_data(as_text=True)
    assert client.get("/account").status_code == 302
    empty = client.post("/login?lang=en", data={})
    assert empty.status_code == 400
    assert "Choose your key and certificate files" in empty.get_data(as_text=True)


def test_calendar_cli_prints_deadlines_with_transfers(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["calendar", "add", "2025-03-20", "1"]).output.strip() == "2025-03-26"
    result = runner.invoke(args=["calendar", "transfer", "--day", "2025-03-26", "--off", "--note", "test decree"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["calendar", "add", "2025-03-20", "1"]).output.strip() == "2025-03-27"


def test_every_page_form_refuses_a_post_without_its_csrf_token(csrf_app, territories, make_citizen):
    """Every POST route outside the Bearer-token API, found in the URL map (so a new form cannot
    be forgotten), refuses a signed-in admin's post that lacks the token, before its view runs."""
    from datetime import UTC, datetime

    from auth import services
    from extensions import db

    client = csrf_app.test_client()
    citizen = make_citizen(kato="710000000")
    for role, scope in (("admin", None), ("moderator", None), ("budget_officer", "113243000")):
        services.grant_role(citizen.iin, role, scope, datetime.now(UTC))
    db.session.commit()
    sign_in_session(client, csrf_app, citizen)

    forms = [
        rule for rule in csrf_app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith("/api/")
    ]
    assert len(forms) >= 15, [r.rule for r in forms]
    for rule in forms:
        path = rule.rule
        for argument in rule.arguments:
            path = path.replace(f"<int:{argument}>", "1").replace(f"<{argument}>", "1")
        response = client.post(path + "?lang=en", data={"anything": "x"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert "reload the page" in response.get_data(as_text=True), rule.rule


def test_session_cookies_are_httponly_samesite_and_secure_in_production(tmp_path):
    import secrets

    import config

    values = config.flask_settings(
        config.load(str(tmp_path), {"DAUYS_ENV": "production", "DAUYS_SECRET_KEY": secrets.token_urlsafe(48)})
    )
    assert values["SESSION_COOKIE_HTTPONLY"] and values["REMEMBER_COOKIE_HTTPONLY"]
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_COOKIE_SECURE"] and values["REMEMBER_COOKIE_SECURE"]
