"""The wiring: every feature registers what it owns from its init_app, and the factory only calls them.

What the app has is compared with what it had before the features registered themselves (the lists
below, and tests/openapi_v1.json: the bytes GET /api/v1/openapi.json answered on main at 1b66267,
before the document was split per feature). A change to the API document is a change to the outside
contract: regenerate that file only when API.md changes with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import Flask

import audit
import auth
import budgeting
import demo
import home
import notifications
import petitions
import publiclog
import verification
import workers
from petitions import calendar_admin

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT_BEFORE = Path(__file__).resolve().parent / "openapi_v1.json"

# What each feature's init_app registers, and nothing else.
OWNED = {
    workers: {
        "blueprints": set(), "cli": set(), "kinds": set(), "actions": (),
        "jobs": (("workers.jobs.purge_auth_nonces", 3600),), "paths": set(), "schemas": set(),
    },
    petitions: {
        "blueprints": {"petitions_api", "petition_exports", "petition_statistics_api", "petitions", "officials"},
        "cli": set(),
        "kinds": {
            "petition.approved", "petition.rejected", "petition.opened", "petition.lapsed", "petition.closed",
            "petition.threshold_reached", "petition.review_reminder", "petition.review_overdue",
            "petition.discussion_scheduled", "petition.answered", "petition.moderation_delayed",
            "petition.contested", "petition.follow_up_reminder", "petition.follow_up_overdue", "petition.followed_up",
            "petition.report_reminder", "petition.report_overdue", "petition.reported",
        },
        "actions": (
            "petition.moderate", "petition.schedule_discussion", "petition.answer", "petition.follow_up", "petition.report",
        ),
        "jobs": (("petitions.jobs.tick", 60),),
        "paths": {
            "/petitions", "/petitions/rules", "/petitions/{id}", "/petitions/{id}/submit",
            "/petitions/{id}/moderation", "/petitions/{id}/signatures", "/petitions/{id}/count",
            "/petitions/{id}/review", "/petitions/{id}/ratings", "/moderation/queue", "/review/queue", "/exports/{name}.{fmt}",
            "/statistics/bodies", "/exports/bodies.csv", "/calendar", "/petitions/{id}/follow",
        },
        "schemas": {"Petition", "PetitionPage", "Count", "BodyRecords", "Calendar"},
    },
    budgeting: {
        "blueprints": {"budget_api", "budgeting", "budget_officials"},
        "cli": {"budget"},
        "kinds": {
            "budget.proposal_screened", "budget.phase_changed", "budget.results", "budget.petition_proposal_funded",
        },
        "actions": ("proposal.screen", "proposal.implementation", "ballot.paper", "ballot.voter_check"),
        "jobs": (("budgeting.jobs.tick", 60),),
        "paths": {
            "/budget/cycles", "/budget/cycles/{id}", "/budget/cycles/{id}/proposals", "/budget/proposals/{id}",
            "/budget/proposals/{id}/submit", "/budget/proposals/{id}/screening",
            "/budget/proposals/{id}/implementation", "/budget/cycles/{id}/ballots",
            "/budget/cycles/{id}/paper-ballots", "/budget/cycles/{id}/follow", "/budget/cycles/{id}/results",
            "/budget/cycles/{id}/ballots.pb",
        },
        "schemas": {"Cycle", "Proposal"},
    },
    publiclog: {
        "blueprints": {"publiclog_api"}, "cli": {"log"}, "kinds": set(), "actions": (),
        "jobs": (("publiclog.jobs.tick", 5),),
        "paths": {"/log/head", "/log/entries", "/log/proof", "/log/consistency"},
        "schemas": {"LogHead", "LogEntries", "InclusionProof", "ConsistencyProof"},
    },
    verification: {
        "blueprints": {"verification"}, "cli": set(), "kinds": set(), "actions": (), "jobs": (), "paths": set(),
        "schemas": set(),
    },
    auth: {
        "blueprints": {"auth_api", "auth"},
        "cli": {"registry", "eds", "roles"},
        "kinds": set(),
        "actions": ("role.grant", "role.withdraw", "certificate.revoke", "certificate.issue_official"),
        "jobs": (),
        "paths": {"/eds/ca", "/eds/crl", "/territories", "/auth/challenge", "/auth/token", "/auth/logout", "/me"},
        "schemas": {"Jws", "Territory"},
    },
    home: {
        "blueprints": {"home"}, "cli": set(), "kinds": set(), "actions": (), "jobs": (), "paths": set(),
        "schemas": set(),
    },
    calendar_admin: {
        "blueprints": {"calendar_admin"}, "cli": {"calendar"}, "kinds": set(),
        "actions": ("calendar.transfer", "calendar.remove_transfer"), "jobs": (), "paths": set(), "schemas": set(),
    },
    audit: {
        "blueprints": {"audit_admin"}, "cli": set(), "kinds": set(), "actions": (), "jobs": (),
        "paths": set(), "schemas": set(),
    },
    notifications: {
        "blueprints": {"notifications_api", "notifications"}, "cli": set(), "kinds": set(), "actions": (),
        "jobs": (), "paths": {"/me/notifications", "/me/notification-settings"}, "schemas": set(),
    },
    demo: {
        "blueprints": set(), "cli": {"demo"}, "kinds": set(), "actions": (), "jobs": (), "paths": set(),
        "schemas": set(),
    },
}

# The roles whose work queue each feature's init_app registers as the page they land on (auth/landing.py).
LANDINGS = {petitions: {"moderator", "reviewer"}, budgeting: {"budget_officer", "secretary"}, audit: {"admin"}}

# The app as it was wired before, by hand, in factory.py, workers/schedule.py, audit/services.py and openapi.py.
BLUEPRINTS_BEFORE = {
    "audit_admin", "auth", "auth_api", "budget_api", "budget_officials", "budgeting", "calendar_admin", "home",
    "i18n", "notifications", "notifications_api", "officials", "openapi", "petition_exports", "petition_statistics_api",
    "petitions", "petitions_api", "publiclog_api", "verification",
}
API_BLUEPRINTS_BEFORE = {
    "auth_api", "notifications_api", "petitions_api", "petition_exports", "petition_statistics_api", "budget_api",
    "publiclog_api", "openapi",
}
CLI_BEFORE = {"budget", "calendar", "db", "demo", "eds", "log", "registry", "roles"}
KINDS_BEFORE = {
    "account.welcome", "budget.phase_changed", "budget.proposal_screened", "budget.results", "petition.answered",
    "petition.approved", "petition.closed", "petition.discussion_scheduled", "petition.lapsed", "petition.opened",
    "petition.rejected", "petition.review_overdue", "petition.review_reminder", "petition.threshold_reached",
    "petition.moderation_delayed", "petition.contested", "petition.follow_up_reminder", "petition.follow_up_overdue",
    "petition.followed_up", "petition.report_reminder", "petition.report_overdue", "petition.reported",
    "budget.petition_proposal_funded",  # from petition to budget (issue 14)
}
ACTIONS_BEFORE = (
    "petition.moderate", "petition.schedule_discussion", "petition.answer", "petition.follow_up", "petition.report",
    "proposal.screen",
    "proposal.implementation", "ballot.paper", "ballot.voter_check", "role.grant", "role.withdraw", "certificate.revoke", "certificate.issue_official",
    "calendar.transfer", "calendar.remove_transfer",
)
JOBS_BEFORE = (
    ("workers.jobs.purge_auth_nonces", 3600), ("petitions.jobs.tick", 60), ("budgeting.jobs.tick", 60),
    ("publiclog.jobs.tick", 5),
)
TABLES_BEFORE = {
    "audit_log", "auth_nonce", "budget_ballot", "budget_cycle", "budget_follower", "budget_proposal",
    "calendar_transfer", "eds_certificate", "email_delivery", "log_entry", "log_head", "log_node", "log_state", "official_act",
    "login_session", "notification", "outbox_event", "person", "petition", "petition_counter", "petition_measure",
    "petition_milestone", "petition_rating",
    "petition_follower", "notification_setting",  # following and how one hears (README "Beyond API.md")
    "role_grant", "signature", "territory", "user_account",
}


@pytest.fixture
def wired(instance_dir, tmp_path):
    """An app made by the factory, on a SQLite file that is never migrated: the wiring needs no tables."""
    from tests.conftest import make_app

    return make_app(f"sqlite:///{tmp_path / 'wiring.sqlite3'}")


@pytest.fixture
def fresh_registries(monkeypatch):
    """Empty process-wide registries of notification kinds and audit actions, restored afterwards.

    KINDS is emptied in place, not replaced: notifications.services holds that very dict (a module
    first imported during this test must not keep a throwaway one)."""
    from audit import services
    from notifications import events

    kinds = dict(events.KINDS)
    events.KINDS.clear()
    monkeypatch.setattr(services, "ACTIONS", ())
    yield events, services
    events.KINDS.clear()
    events.KINDS.update(kinds)


def _registered(app: Flask, registries) -> dict:
    import openapi
    from workers import schedule

    events, services = registries
    document = openapi.document(app)
    return {
        "blueprints": set(app.blueprints),
        "cli": set(app.cli.commands),
        "kinds": set(events.KINDS),
        "actions": services.ACTIONS,
        "jobs": schedule.periodic(app),
        "paths": set(document["paths"]),
        "schemas": set(document["components"]["schemas"]) - {"Error"},
    }


@pytest.mark.parametrize("feature", list(OWNED), ids=lambda feature: feature.__name__)
def test_each_feature_registers_what_it_owns_from_its_init_app(feature, fresh_registries):
    app = Flask("bare")
    feature.init_app(app)
    assert _registered(app, fresh_registries) == OWNED[feature]


@pytest.mark.parametrize("feature", list(OWNED), ids=lambda feature: feature.__name__)
def test_each_feature_registers_the_landing_pages_of_its_roles(feature, fresh_registries):
    from auth import landing

    app = Flask("bare")
    feature.init_app(app)
    assert set(landing.registered(app)) == LANDINGS.get(feature, set())


def test_every_role_lands_somewhere(wired):
    from auth import landing
    from auth.models import ROLES

    assert set(landing.registered(wired)) == set(ROLES)


def test_the_factory_wires_every_feature_and_only_through_init_app():
    import factory

    assert set(factory.FEATURES) == set(OWNED)
    owned = {kind: [] for kind in ("blueprints", "cli", "kinds", "actions", "jobs", "paths", "schemas")}
    for feature in factory.FEATURES:  # in the factory's order: the order of actions and jobs
        for kind, things in OWNED[feature].items():
            owned[kind].extend(things)
    assert set(owned["blueprints"]) | {"i18n", "openapi"} == BLUEPRINTS_BEFORE  # the platform's two
    assert set(owned["cli"]) | {"db"} == CLI_BEFORE  # Flask-Migrate's
    assert set(owned["kinds"]) | {"account.welcome"} == KINDS_BEFORE  # the notifications' own
    assert tuple(owned["actions"]) == ACTIONS_BEFORE
    assert tuple(owned["jobs"]) == JOBS_BEFORE
    before = json.loads(DOCUMENT_BEFORE.read_text())
    assert set(owned["paths"]) == set(before["paths"])
    assert set(owned["schemas"]) | {"Error"} == set(before["components"]["schemas"])
    for kind in ("blueprints", "cli", "kinds", "actions", "jobs", "paths", "schemas"):
        assert len(owned[kind]) == len(set(owned[kind])), f"two features register the same {kind}"


def test_the_app_has_what_it_had_when_the_factory_listed_everything(wired):
    from audit import services
    from extensions import csrf, db
    from notifications import events
    from workers import schedule

    assert set(wired.blueprints) == BLUEPRINTS_BEFORE
    assert set(wired.cli.commands) == CLI_BEFORE
    assert set(events.KINDS) == KINDS_BEFORE
    assert services.ACTIONS == ACTIONS_BEFORE
    assert schedule.periodic(wired) == JOBS_BEFORE
    assert set(db.metadata.tables) == TABLES_BEFORE
    exempt = {bp.name if hasattr(bp, "name") else bp for bp in csrf._exempt_blueprints}
    assert {name for name in wired.blueprints if name in exempt} == API_BLUEPRINTS_BEFORE
    api_prefixed = {name for name, bp in wired.blueprints.items() if (bp.url_prefix or "").startswith("/api/v1")}
    assert api_prefixed == API_BLUEPRINTS_BEFORE  # the API's blueprints, and only they, skip the CSRF check
    before_request = [f.__name__ for f in wired.before_request_funcs[None]]
    # auth forgets the last request's user before a request can be refused (and its page rendered)
    assert before_request == ["csrf_protect", "_fresh_user", "_refuse_nul_characters", "_fresh_locale"]
    assert wired.login_manager.login_view == "auth.login"


def test_every_registered_job_is_a_job(wired):
    from workers import queues, schedule

    for path, seconds in schedule.periodic(wired):
        assert callable(queues.resolve(path)), path
        assert seconds > 0


def test_the_api_document_is_byte_for_byte_the_one_written_in_a_single_file(wired):
    answer = wired.test_client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    assert answer.data == DOCUMENT_BEFORE.read_bytes()


def test_the_documented_error_codes_are_the_stable_codes_both_ways(wired):
    import openapi
    from kernel.errors import CODES, HTTP_STATUS_CODES

    enum = openapi.document(wired)["components"]["schemas"]["Error"]["properties"]["error"]["properties"]["code"]["enum"]
    assert enum == list(CODES)  # no code undocumented, none documented that kernel/errors does not have
    assert set(HTTP_STATUS_CODES.values()) | {"validation_error"} <= set(CODES)


def test_a_path_or_a_job_registered_twice_is_refused():
    import openapi
    from workers import schedule

    app = Flask("bare")
    openapi.add(app, {"/x": {}}, {"X": {}})
    with pytest.raises(ValueError, match="/x"):
        openapi.add(app, {"/x": {}})
    with pytest.raises(ValueError, match="Error"):
        openapi.add(app, {}, {"Error": {}})  # the frame's own schema is no feature's to replace
    schedule.every(app, 60, "workers.jobs.relay")
    with pytest.raises(ValueError, match="workers.jobs.relay"):
        schedule.every(app, 30, "workers.jobs.relay")
    assert schedule.periodic(app) == (("workers.jobs.relay", 60),)


def test_audit_actions_registered_again_are_listed_once(fresh_registries):
    _events, services = fresh_registries
    services.register_actions("petition.moderate", "petition.answer")
    services.register_actions("petition.answer", "role.grant", "role.grant")
    assert services.ACTIONS == ("petition.moderate", "petition.answer", "role.grant")


def test_the_clock_enqueues_the_jobs_the_features_registered(wired, monkeypatch):
    from workers import clock, jobs, queues

    monkeypatch.setattr(jobs, "relay", lambda: 0)  # the outbox's relay is test_outbox's
    enqueued: list[str] = []
    monkeypatch.setattr(queues, "enqueue", lambda path, *args, **kwargs: enqueued.append(path))
    ticking = clock.Clock(wired)
    ticking.tick(1000.0)
    assert enqueued == [path for path, _ in JOBS_BEFORE]
    enqueued.clear()
    ticking.tick(1003.0)  # three seconds on: nothing is due
    assert enqueued == []
    ticking.tick(1061.0)  # a minute on: the minute jobs and the log's again, not the hourly one
    assert enqueued == ["petitions.jobs.tick", "budgeting.jobs.tick", "publiclog.jobs.tick"]


def test_importing_the_factory_registers_nothing_and_init_app_does(instance_dir, tmp_path):
    """In a fresh interpreter: importing factory (and the modules that describe the notification kinds)
    registers no kind, action or job; making an app does."""
    script = textwrap.dedent(
        f"""
        import sys
        import factory
        features = {{"auth", "petitions", "budgeting", "audit", "notifications", "workers", "demo", "publiclog",
                    "verification"}}
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in features and "." in m)
        assert loaded == ["petitions.calendar_admin"], loaded  # the packages only: no blueprint, no model

        import budgeting.notifications, petitions.notifications
        from audit import services
        from notifications.events import KINDS
        assert set(KINDS) == {{"account.welcome"}}, sorted(KINDS)
        assert services.ACTIONS == (), services.ACTIONS

        from tests.conftest import make_app
        app = make_app("sqlite:///{tmp_path / 'fresh.sqlite3'}")
        from workers import schedule
        print(len(KINDS), len(services.ACTIONS), len(schedule.periodic(app)))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [str(len(KINDS_BEFORE)), str(len(ACTIONS_BEFORE)), str(len(JOBS_BEFORE))]


def test_the_migrations_make_the_whole_schema_the_features_declare(app):
    """Every table a feature's init_app imports is the one Alembic made (both databases are migrated)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from extensions import db

    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def test_the_api_documents_frame_imports_no_feature():
    """Features import openapi's helpers to write their fragments: openapi must import none of them."""
    from tests.test_import_graph import FEATURES, import_graph

    graph = import_graph(ROOT)
    assert {target for target in graph["openapi"] if target.split(".")[0] in FEATURES | {"factory"}} == set()
