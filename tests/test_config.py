"""Configuration: DAUYS_* variables override the DOMAIN.md defaults; production needs a secret."""

import secrets

import pytest

import config


def test_environment_overrides_rule_defaults_with_their_types(tmp_path):
    values = config.load(str(tmp_path), {"DAUYS_PETITION_THRESHOLD_GOVERNMENT": "100", "DAUYS_RATELIMIT_ENABLED": "false"})
    assert values["PETITION_THRESHOLD_GOVERNMENT"] == 100
    assert values["RATELIMIT_ENABLED"] is False
    assert values["PETITION_REVIEW_WORKING_DAYS_CENTRAL"] == 40
    assert values["DATABASE_URL"] == f"sqlite:///{tmp_path / 'dauys.sqlite3'}"


def test_the_review_reminder_days_are_a_setting_checked_at_start(tmp_path):
    assert config.load(str(tmp_path), {})["PETITION_REVIEW_REMINDER_WORKING_DAYS"] == (5, 1)  # DOMAIN.md
    values = config.load(str(tmp_path), {"DAUYS_PETITION_REVIEW_REMINDER_WORKING_DAYS": "3,1"})
    assert values["PETITION_REVIEW_REMINDER_WORKING_DAYS"] == (3, 1)
    assert config.load(str(tmp_path), {"DAUYS_PETITION_REVIEW_REMINDER_WORKING_DAYS": "10"})[
        "PETITION_REVIEW_REMINDER_WORKING_DAYS"] == (10,)
    for wrong in ("0,1", "5,-1", "5,5"):
        with pytest.raises(RuntimeError, match="DAUYS_PETITION_REVIEW_REMINDER_WORKING_DAYS"):
            config.load(str(tmp_path), {"DAUYS_PETITION_REVIEW_REMINDER_WORKING_DAYS": wrong})
    for wrong in ((), [5, 1], (5, 1.5), (True,)):
        with pytest.raises(RuntimeError, match="DAUYS_PETITION_REVIEW_REMINDER_WORKING_DAYS"):
            config.load(str(tmp_path), {}, {"PETITION_REVIEW_REMINDER_WORKING_DAYS": wrong})


@pytest.mark.parametrize(
    ("key", "raw"),
    [
        ("PETITION_REVIEW_REMINDER_WORKING_DAYS", "5;1"),
        ("PETITION_REVIEW_REMINDER_WORKING_DAYS", "5,,1"),
        ("PETITION_REVIEW_REMINDER_WORKING_DAYS", "five,one"),
        ("MIN_AGE", "eighteen"),
        ("PETITION_COLLECTION_MONTHS", "6.5"),
        ("RATELIMIT_ENABLED", "flase"),
        ("RATELIMIT_ENABLED", "2"),
    ],
)
def test_a_setting_that_does_not_parse_is_refused_at_start_naming_it(tmp_path, key, raw):
    with pytest.raises(RuntimeError, match=f"DAUYS_{key} must be"):
        config.load(str(tmp_path), {f"DAUYS_{key}": raw})


def test_yes_and_no_settings_take_the_usual_words(tmp_path):
    for raw, expected in (("1", True), (" Yes", True), ("ON", True), ("0", False), ("no", False), ("Off ", False)):
        assert config.load(str(tmp_path), {"DAUYS_RATELIMIT_ENABLED": raw})["RATELIMIT_ENABLED"] is expected


def test_production_refuses_to_start_without_a_secret(tmp_path):
    with pytest.raises(RuntimeError, match="DAUYS_SECRET_KEY"):
        config.load(str(tmp_path), {"DAUYS_ENV": "production"})


def test_plain_postgresql_urls_are_driven_by_psycopg3(tmp_path):
    values = config.load(str(tmp_path), {"DAUYS_DATABASE_URL": "postgresql://u@h/db"})
    assert config.flask_settings(values)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_production_cookies_are_secure(tmp_path):
    values = config.load(str(tmp_path), {"DAUYS_ENV": "production", "DAUYS_SECRET_KEY": secrets.token_urlsafe(48)})
    settings = config.flask_settings(values)
    assert settings["SESSION_COOKIE_SECURE"] and settings["SESSION_COOKIE_HTTPONLY"]
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_a_gunicorn_worker_parses_the_trust_anchors_before_its_first_request(app):
    """gunicorn.conf.py's post_worker_init: the first signature a worker serves pays no CA loading."""
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    app.extensions.pop("dauys_trust", None)
    app.extensions.pop("dauys_ca", None)

    settings["post_worker_init"](SimpleNamespace(wsgi=app))

    assert app.extensions["dauys_trust"].issuing.subject == app.extensions["dauys_ca"].issuing_cert.subject


def test_the_gunicorn_warm_up_leaves_other_apps_alone(tmp_path):
    """The bench serves bare Flask with the same settings: no CA may appear in its folder."""
    import runpy
    from pathlib import Path
    from types import SimpleNamespace

    from flask import Flask

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    other = Flask("other", instance_path=str(tmp_path / "instance"))

    settings["post_worker_init"](SimpleNamespace(wsgi=other))
    settings["post_worker_init"](SimpleNamespace(wsgi=lambda environ, start_response: []))

    assert not (tmp_path / "instance").exists()


def test_the_address_emails_link_to_is_read_from_dauys_base_url_and_checked(tmp_path):
    assert config.load(str(tmp_path), {})["BASE_URL"] == "http://127.0.0.1:5000"
    values = config.load(str(tmp_path), {"DAUYS_BASE_URL": "https://dauys.example:8443/app"})
    assert values["BASE_URL"] == "https://dauys.example:8443/app"
    for wrong in ("dauys.kz", "ftp://dauys.kz", "http://", "https://dauys.kz:port", "https://a b.kz",
                  "https://user:pw@dauys.kz", "https://dauys.kz/?next=x", "https://dauys.kz/#x", "javascript:alert(1)"):
        with pytest.raises(RuntimeError, match="DAUYS_BASE_URL"):
            config.load(str(tmp_path), {"DAUYS_BASE_URL": wrong})


@pytest.mark.parametrize(("environ", "expected"), [({}, "http://0.0.0.0:8123"), ({"DAUYS_BASE_URL": "https://demo.example"}, "https://demo.example")])
def test_make_demo_links_its_emails_to_the_host_and_port_it_serves_on(environ, expected):
    """`make demo HOST=… PORT=…` serves there, so its e-mails link there; a DAUYS_BASE_URL set already is kept."""
    import os
    import shutil
    import subprocess
    from pathlib import Path

    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    root = Path(__file__).resolve().parent.parent
    plan = subprocess.run(["make", "-n", "demo", "HOST=0.0.0.0", "PORT=8123"], cwd=root, capture_output=True,
                          text=True, check=True).stdout.splitlines()
    (serve,) = [line for line in plan if " run --host 0.0.0.0 --port 8123" in line]
    flask = serve[serve.index(".venv/bin/flask"):]
    shown = subprocess.run(["sh", "-c", serve.replace(flask, "printenv DAUYS_BASE_URL")], capture_output=True, text=True,
                           env={"PATH": os.environ["PATH"], **environ}, check=True).stdout.strip()
    assert shown == expected
