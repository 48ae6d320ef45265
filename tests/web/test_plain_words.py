"""Pages speak the reader's language, not the database's: the account page of every role, the audit log
with an entry of every action, and the statistics page show no role code, no bare KATO code and no
record key (`ballot 74`, `cost 1150000`) in what a reader sees, in Kazakh, Russian and English."""

from __future__ import annotations

import ast
import secrets
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.page_text import raw_codes, raw_labels, visible_text
from tests.petitions.conftest import actor, create_and_submit  # noqa: F401  (the petition fixtures)
from tests.petitions.test_pages import sign_in_page, sign_out_page

ROOT = Path(__file__).resolve().parents[2]
LANGS = ("kk", "ru", "en")
KATOS = ("110000000", "113200000", "113243000", "113243100", "113243200", "710000000")

# Every shape of grant (auth/models.py:RoleGrant), and how the account page names it in each language.
GRANTS = {
    "moderator": ("moderator", None, None),
    "admin": ("admin", None, None),
    "government reviewer": ("reviewer", "government", None),
    "regional reviewer": ("reviewer", "110000000", "region_akimat"),
    "city reviewer": ("reviewer", "710000000", "city_maslikhat"),
    "budget officer": ("budget_officer", "113243000", None),
    "secretary": ("secretary", "113243000", None),
}
ROLE_WORDS = {
    "kk": {
        "government reviewer": "Қазақстан Республикасының Үкіметі",
        "regional reviewer": "Ақмола облысының әкімдігі",
        "city reviewer": "Астана қаласының мәслихаты",
        "budget officer": "Кеңес ауылдық округі",
    },
    "ru": {
        "moderator": "Модератор",
        "government reviewer": "Правительство Республики Казахстан",
        "regional reviewer": "Акимат Акмолинской области",
        "city reviewer": "Маслихат города Астана",
        "budget officer": "Кенесский сельский округ",
    },
    "en": {
        "moderator": "Moderator",
        "admin": "Administrator",
        "government reviewer": "Reviewer — Government of the Republic of Kazakhstan",
        "regional reviewer": "Reviewer — Akimat of Akmola Region",
        "city reviewer": "Reviewer — Maslikhat of Astana",
        "budget officer": "Budget officer — Кеңес ауылдық округі",
        "secretary": "Secretary of the community meeting — Кеңес ауылдық округі",
    },
}


def page_words(client, path: str, lang: str) -> str:
    """The page's visible text, once its labels are checked to be words, not stored keys."""
    response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    assert not raw_labels(html), f"{path} ({lang}) labels a value by its key: {raw_labels(html)}"
    return visible_text(html)


def assert_plain(text: str, lang: str, where: str) -> None:
    found = raw_codes(text, lang, KATOS)
    assert not found, f"{where} ({lang}) shows codes: {found}\n{text}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_account_page_names_every_role_with_the_body_or_territory_it_serves(app, client, make_citizen, lang):
    from auth import services
    from extensions import db

    now = datetime.now(UTC)
    people = {}
    for name, (role, scope, body) in GRANTS.items():
        citizen = make_citizen(kato="710000000" if scope == "710000000" else "113243200")
        services.grant_role(citizen.iin, role, scope, now, body=body)
        people[name] = citizen
    db.session.commit()
    for name, citizen in people.items():
        sign_in_page(client, citizen)
        text = page_words(client, "/account", lang)
        assert_plain(text, lang, f"the account page of a {name}")
        if name in ROLE_WORDS[lang]:
            assert ROLE_WORDS[lang][name] in text, (name, text)
        sign_out_page(client)


def _every_action(make_actor, make_citizen) -> set[str]:
    """One audit entry of every action, with the details its use case records (services.record's
    callers), about real rows where the page names them by their title."""
    from audit import services as audit
    from auth.access import CONSOLE
    from auth.services import account_for
    from budgeting import services as budget
    from extensions import db
    from tests.budgeting.conftest import DISTRICT, VILLAGE_1, proposal_body, schedule

    now = datetime.now(UTC)
    author = make_actor(make_citizen(surname="Жұмабаев", given_name="Ерлан"))
    petition = create_and_submit(author, title="Ауыл көшесіне жарық орнату керек")["id"]
    user = account_for(author.citizen.iin, now)
    cycle = budget.create_cycle(
        CONSOLE,
        kato=DISTRICT,
        year=now.year,
        amount=5_000_000,
        ballot="approval",
        rule="greedy",
        min_choices=None,
        max_choices=None,
        now=now,
        **schedule("proposals", now),
    )
    proposal = budget.create_proposal(
        cycle, user, proposal_body(title="Домбыралы ауылына шам", settlement=VILLAGE_1), now
    )
    db.session.flush()
    name = "Дана Оспанова"
    entries = [
        ("petition.moderate", "petition", petition, {"decision": "reject", "reason": "duplicate"}),
        (
            "petition.schedule_discussion",
            "petition",
            petition,
            {"at": datetime(2026, 3, 12, 10, 0, tzinfo=UTC).isoformat(), "place": "Ақкөл аудандық әкімдігі"},
        ),
        ("petition.answer", "petition", petition, {"decision": "partly_supported"}),
        ("petition.follow_up", "petition", petition, {}),
        ("petition.report", "petition", petition, {"done": 2}),
        (
            "proposal.screen",
            "proposal",
            proposal.id,
            {"cycle": cycle.id, "eligible": True, "cost": 1_150_000, "reason": None},
        ),
        ("proposal.implementation", "proposal", proposal.id, {"status": "in_progress", "spent": 450_000}),
        ("ballot.paper", "ballot", 74, {"cycle": cycle.id, "receipt": secrets.token_urlsafe(18)}),
        ("ballot.voter_check", "person", "p-2", {"name": "Серік Әбілов", "cycle": cycle.id, "result": "already_voted"}),
        (
            "role.grant",
            "person",
            "p-1",
            {"name": name, "role": "reviewer", "scope": "110000000", "body": "region_akimat"},
        ),
        (
            "role.withdraw",
            "person",
            "p-1",
            {"name": name, "role": "budget_officer", "scope": "113243000", "official_certificates_revoked": 1},
        ),
        (
            "certificate.revoke",
            "person",
            "p-1",
            {"name": name, "serials": [secrets.token_hex(20), secrets.token_hex(20)], "login_sessions_ended": 2},
        ),
        (
            "certificate.issue_official",
            "person",
            "p-1",
            {"name": name, "role": "reviewer", "body": "region_akimat:110000000", "staff_serial": "DS-4F2A9C11B0"},
        ),
        ("calendar.transfer", "day", date(2026, 5, 8).isoformat(), {"working": False, "note": "Үкімет қаулысы"}),
        ("calendar.remove_transfer", "day", date(2026, 5, 9).isoformat(), {}),
    ]
    for action, subject_type, subject_id, details in entries:
        audit.record(action, None, subject_type, subject_id, now, **details)
    db.session.commit()
    return {action for action, *_ in entries}


@pytest.mark.parametrize("lang", LANGS)
def test_the_audit_log_words_an_entry_of_every_action(app, client, make_citizen, actor, lang):  # noqa: F811
    from audit import services
    from auth import services as auth_services
    from extensions import db

    recorded = _every_action(actor, make_citizen)
    assert recorded == set(services.ACTIONS)  # a new action needs its entry here, and its words
    admin = make_citizen(kato="710000000")
    auth_services.grant_role(admin.iin, "admin", None, datetime.now(UTC))
    db.session.commit()
    sign_in_page(client, admin)
    text = page_words(client, "/admin/audit", lang)
    assert_plain(text, lang, "the audit log")
    expected = {
        "kk": ("Ауыл көшесіне жарық орнату керек", "Домбыралы ауылына шам", "Ақмола облысының әкімдігі"),
        "ru": ("Ауыл көшесіне жарық орнату керек", "Домбыралы ауылына шам", "Акимат Акмолинской области"),
        "en": (
            "Petition: Ауыл көшесіне жарық орнату керек",
            "Proposal: Домбыралы ауылына шам",
            "Paper ballot No. 74",
            "Reviewer — Akimat of Akmola Region",
            "Checked cost",
        ),
    }[lang]
    with app.test_request_context(f"/?lang={lang}"):
        from budgeting.pages import money
        from i18n import format_date  # as every page writes a day (kernel/local_formats.py)

        # the checked cost as money is written, the calendar's day as a date is written
        expected += (money(1_150_000), format_date(date(2026, 5, 8), "long"))
    for words in expected:
        assert words in text, f"{words!r} not in:\n{text}"


def test_every_detail_an_action_records_is_worded_for_the_audit_page(app):
    """Read off the code: each `audit.record(action, …, key=…)` call's keys (its literal keywords, the
    keys of dicts it spreads, or of the dict a spread name was assigned) are keys that action's words cover."""
    from audit import wording

    words = wording.words(app)
    recorded: dict[str, set[str]] = {}
    for path in ROOT.glob("*/*.py"):
        if path.parts[-2] in ("tests", ".venv", "build", "migrations", "bench", "examples"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            assigned = {
                target.id: node.value
                for node in ast.walk(function)
                if isinstance(node, ast.Assign)
                for target in node.targets
                if isinstance(target, ast.Name)
            }
            for call in ast.walk(function):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "record"
                    and isinstance(call.func.value, ast.Name)
                    and call.func.value.id == "audit"
                    and call.args
                    and isinstance(call.args[0], ast.Constant)
                ):
                    continue
                keys = recorded.setdefault(call.args[0].value, set())
                for keyword in call.keywords:
                    if keyword.arg is not None:
                        keys.add(keyword.arg)
                        continue
                    spread = keyword.value
                    if isinstance(spread, ast.Name):
                        spread = assigned[spread.id]
                    keys.update(
                        key.value
                        for node in ast.walk(spread)
                        if isinstance(node, ast.Dict)
                        for key in node.keys
                        if isinstance(key, ast.Constant)
                    )
    assert set(recorded) == set(words), "every recorded action has words, and only those"
    unworded = {
        action: sorted(keys - words[action].keys) for action, keys in recorded.items() if keys - words[action].keys
    }
    assert not unworded, f"details the audit page would show by their code: {unworded}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_statistics_page_names_every_body_with_its_territory(app, client, make_citizen, actor, lang):  # noqa: F811
    villager = actor(make_citizen(kato="113243200"))
    townsman = actor(make_citizen(kato="710000000", surname="Жұмабаев", given_name="Ерлан"))
    create_and_submit(villager)
    create_and_submit(villager, addressee="region_akimat", territory="110000000", title="Облыс жолдарын жөндеу керек")
    create_and_submit(townsman, addressee="city_maslikhat", territory="710000000", title="Қала саябағын абаттандыру")
    text = page_words(client, "/statistics", lang)
    assert_plain(text, lang, "the statistics page")
    names = {
        "kk": ("Ақмола облысының әкімдігі", "Астана қаласының мәслихаты"),
        "ru": ("Акимат Акмолинской области", "Маслихат города Астана"),
        "en": ("Akimat of Akmola Region", "Maslikhat of Astana"),
    }[lang]
    for name in names:
        assert name in text


def test_a_territory_the_registry_lacks_is_named_as_such_never_by_its_bare_code(app):
    from kernel.bodies import body_names
    from kernel.territories import named_places

    with app.test_request_context("/"):
        assert named_places({"199999999", None}, "ru") == {"199999999": "территория 199999999"}
        assert named_places({"199999999"}, "en") == {"199999999": "territory 199999999"}
        kk, ru, en = body_names("region_akimat", None, "199999999")
    assert (kk, ru, en) == (
        "199999999 аумағының әкімдігі",
        "Акимат (территория 199999999)",
        "Akimat of territory 199999999",
    )
