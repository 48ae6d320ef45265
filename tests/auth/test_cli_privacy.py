"""Operator commands name the person, never the IIN: a scripted run's terminal output lands in the systemd journal,
and SECURITY.md promises no IIN in any log line or process output. Each command is run as an operator would, on
success and on refusal, and its whole output (stdout and stderr) is searched for every IIN the test knows."""

from __future__ import annotations

from datetime import date

from auth.iin import make

IIN = "850302400123"
STRANGER = make(date(1977, 7, 7), "M", 4242)  # a valid IIN no one in the registry holds


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _no_iin(result, *iins: str) -> str:
    text = result.output + (str(result.exception) if result.exception and not isinstance(result.exception, SystemExit) else "")
    for iin in iins:
        assert iin not in text, text
    return text


def test_registry_and_key_commands_name_the_person_not_the_iin(app, territories, tmp_path):
    added = run(app, "registry", "add", "--iin", IIN, "--surname", "Сейтқалиева", "--given-name", "Айгерім",
                "--kato", "113243200")
    assert added.exit_code == 0 and "Айгерім Сейтқалиева" in _no_iin(added, IIN)
    assert "1985-03-02" not in added.output and "850302" not in added.output  # the birth date is half the IIN
    again = run(app, "registry", "add", "--iin", IIN, "--surname", "Сейтқалиева", "--given-name", "Айгерім",
                "--kato", "113243200")
    _no_iin(again, IIN)

    issued = run(app, "eds", "issue", "--iin", IIN, "--out", str(tmp_path / "keys"))
    assert issued.exit_code == 0 and "Айгерім Сейтқалиева" in _no_iin(issued, IIN)
    unknown = run(app, "eds", "issue", "--iin", STRANGER, "--out", str(tmp_path / "none"))
    assert unknown.exit_code != 0 and "not_found" in _no_iin(unknown, STRANGER)

    revoked = run(app, "eds", "revoke", "--iin", IIN)
    assert revoked.exit_code == 0 and "revoked 2 certificate(s) of Айгерім Сейтқалиева" in _no_iin(revoked, IIN)
    nobody = run(app, "eds", "revoke", "--iin", STRANGER)
    assert "revoked 0" in _no_iin(nobody, STRANGER)


def test_bulk_import_and_bulk_issue_print_counts_only(app, territories, tmp_path):
    import json

    second = make(date(1990, 1, 1), "M", 19)
    rows = tmp_path / "people.csv"
    rows.write_text(f"iin,surname,given_name,patronymic,kato\n{IIN},Сейтқалиева,Айгерім,,113243200\n"
                    f"{second},Омаров,Ерлан,,113243100\n", encoding="utf-8")
    imported = run(app, "registry", "import", str(rows))
    assert imported.exit_code == 0
    _no_iin(imported, IIN, second)
    refused = run(app, "registry", "import", str(rows))  # both already in the registry
    assert refused.exit_code != 0
    _no_iin(refused, IIN, second)

    out = tmp_path / "bulk.jsonl"
    bulk = run(app, "eds", "issue-bulk", "--count", "3", "--kato", "113243200", "--out", str(out))
    assert bulk.exit_code == 0
    _no_iin(bulk, *(json.loads(line)["iin"] for line in out.read_text(encoding="utf-8").splitlines()))


def test_role_commands_print_no_iin(app, make_citizen):
    citizen = make_citizen()
    for args in (
        ("roles", "grant", "--iin", citizen.iin, "--role", "reviewer", "--scope", "government"),
        ("roles", "grant", "--iin", citizen.iin, "--role", "reviewer", "--scope", "nowhere"),
        ("roles", "grant", "--iin", STRANGER, "--role", "moderator"),
        ("roles", "revoke", "--iin", citizen.iin, "--role", "reviewer"),
        ("roles", "revoke", "--iin", STRANGER, "--role", "reviewer"),
    ):
        _no_iin(run(app, *args), citizen.iin, STRANGER)


def test_the_demo_seed_says_whose_key_folder_is_whose_without_an_iin(app, instance_dir):
    from sqlalchemy import select

    from auth.models import Person
    from extensions import db

    seeded = run(app, "demo", "seed")
    assert seeded.exit_code == 0, seeded.output
    assert "moderator" in seeded.output and "demo-keys" in seeded.output
    _no_iin(seeded, *db.session.scalars(select(Person.iin)))
