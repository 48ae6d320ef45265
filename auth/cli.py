"""Operator commands: `flask registry …`, `flask eds …`, `flask roles …` (API.md).

What they print names a person by given name and surname, never by IIN: the terminal output of a
scripted run lands in the systemd journal, where no IIN may be (SECURITY.md). The operator typed
the IIN and has it; the name confirms the command reached the person meant.
"""

from __future__ import annotations

import csv
import json
import os
from datetime import UTC, datetime
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select

from auth import services
from auth.models import LOCAL_BODIES, ROLES, Person
from extensions import db
from kernel.errors import DomainError

registry_cli = AppGroup("registry", help="The simulated population registry (ГБД ФЛ).")
eds_cli = AppGroup("eds", help="The simulated certification authority.")
roles_cli = AppGroup("roles", help="Official roles.")


def _now() -> datetime:
    return datetime.now(UTC)


def _named(person: Person | None) -> str:
    """How a command's output names a person: given name and surname, never the IIN."""
    return f"{person.given_name} {person.surname}" if person else "the person"


def _fail(error: DomainError) -> None:
    details = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.message
    raise click.ClickException(f"{error.code}: {details}")


@registry_cli.command("add")
@click.option("--iin", required=True)
@click.option("--surname", required=True)
@click.option("--given-name", required=True)
@click.option("--patronymic")
@click.option("--kato", required=True)
@click.option("--email", help="Contact e-mail from the eGov profile (for notifications).")
def registry_add(iin, surname, given_name, patronymic, kato, email):
    """Add a person; birth date and sex come from the IIN."""
    try:
        person = services.add_person(
            iin=iin, surname=surname, given_name=given_name, patronymic=patronymic, kato=kato, email=email
        )
    except DomainError as error:
        _fail(error)
    db.session.commit()
    # not the birth date either: it is the first half of the IIN
    click.echo(f"added {_named(person)}, resident of {person.kato}, to the registry")


def _import_all_or_nothing(path: str, required: set[str], apply_row) -> int:
    """Apply `apply_row` to every CSV row; on any refusal, roll back and list every bad line."""
    problems = []
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = required - set(reader.fieldnames or [])
        if missing:
            raise click.ClickException(f"missing columns: {', '.join(sorted(missing))}")
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        try:
            with db.session.begin_nested():
                apply_row(row)
                db.session.flush()
        except DomainError as error:
            details = "; ".join(f"{k}: {v}" for k, v in error.fields.items()) or error.message
            problems.append(f"line {line}: {details}")
    if problems:
        db.session.rollback()
        raise click.ClickException("nothing changed:\n" + "\n".join(problems))
    db.session.commit()
    return len(rows)


@registry_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def registry_import(path):
    """Bulk add from CSV (iin,surname,given_name,patronymic,kato[,email]); all or nothing."""

    def add(row: dict) -> None:
        services.add_person(
            iin=(row.get("iin") or "").strip(),
            surname=row.get("surname") or "",
            given_name=row.get("given_name") or "",
            patronymic=row.get("patronymic"),
            kato=(row.get("kato") or "").strip(),
            email=row.get("email"),
        )

    count = _import_all_or_nothing(path, {"iin", "surname", "given_name", "kato"}, add)
    click.echo(f"imported {count} people")


def _write(path: Path, data: bytes, private: bool) -> None:
    if private:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # a file left from before keeps its mode through O_CREAT: tighten it first
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)


def write_key_set(key_set: services.KeySet, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for key in (key_set.auth, key_set.sign):
        _write(out / f"{key.usage}.key.pem", key.key_pem, private=True)
        _write(out / f"{key.usage}.cert.pem", key.cert_pem, private=False)
    _write(out / "ca-chain.pem", key_set.chain_pem, private=False)


def write_official_key_set(key_set: services.OfficialKeySet, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    _write(out / "official.key.pem", key_set.key.key_pem, private=True)
    _write(out / "official.cert.pem", key_set.key.cert_pem, private=False)
    _write(out / "ca-chain.pem", key_set.chain_pem, private=False)


@eds_cli.command("issue")
@click.option("--iin", required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False))
@click.option("--key", "key_type", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True)
def eds_issue(iin, out, key_type):
    """Issue a person's AUTH and SIGN key set into DIR."""
    person = db.session.get(Person, iin)
    if person is None:
        raise click.ClickException("not_found: no person with this IIN is in the registry")
    key_set = services.issue_key_set(person, key_type, _now())
    write_key_set(key_set, Path(out))
    db.session.commit()
    click.echo(f"issued {key_type} AUTH and SIGN keys for {_named(person)} into {out}")


@eds_cli.command("issue-official")
@click.option("--iin", required=True)
@click.option("--out", "out", required=True, type=click.Path(file_okay=False))
@click.option("--key", "key_type", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True)
@click.option("--role", type=click.Choice(ROLES), help="Which role, when the person holds more than one.")
@click.option("--scope", help="Which grant of the role: its KATO code or 'government'.")
@click.option("--body", type=click.Choice(LOCAL_BODIES), help="Which local body, for a reviewer.")
def eds_issue_official(iin, out, key_type, role, scope, body):
    """Issue the official certificate of a person who holds a role into DIR (official.key.pem,
    official.cert.pem, ca-chain.pem): it names them, the role and the body, and a staff serial, not the IIN."""
    person = db.session.get(Person, iin)
    if person is None:
        raise click.ClickException("not_found: no person with this IIN is in the registry")
    try:
        grant = services.official_grant(iin, role, scope, body)
    except DomainError as error:
        _fail(error)
    issued = services.issue_official_key_set(person, grant, key_type, _now())
    db.session.commit()
    write_official_key_set(issued, Path(out))
    click.echo(
        f"issued the {key_type} official certificate of {_named(person)} as {grant.role} "
        f"({issued.key.cert.subject.rfc4514_string()}) into {out}"
    )


@eds_cli.command("issue-bulk")
@click.option("--count", type=click.IntRange(1, 1_000_000), required=True)
@click.option("--kato", required=True)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option("--key", "key_type", type=click.Choice(["rsa", "ec"]), default="rsa", show_default=True)
def eds_issue_bulk(count, kato, out, key_type):
    """Testing aid: add COUNT synthetic adult residents of KATO and issue their keys (JSON lines)."""
    from demo.people import synthetic_adults

    existing = set(db.session.scalars(select(Person.iin)))
    now = _now()
    written = 0
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # every line holds private keys
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        for batch in synthetic_adults(count, kato, existing, now.date()):
            for fields in batch:
                try:
                    person = services.add_person(**fields)
                except DomainError as error:
                    _fail(error)
                key_set = services.issue_key_set(person, key_type, now)
                line = {
                    "iin": person.iin,
                    "surname": person.surname,
                    "given_name": person.given_name,
                    "kato": person.kato,
                    "auth_key": key_set.auth.key_pem.decode(),
                    "auth_cert": key_set.auth.cert_pem.decode(),
                    "sign_key": key_set.sign.key_pem.decode(),
                    "sign_cert": key_set.sign.cert_pem.decode(),
                }
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
                written += 1
            db.session.commit()
    click.echo(f"issued {written} key sets into {out}")


@eds_cli.command("revoke")
@click.option("--iin", required=True)
def eds_revoke(iin):
    """Revoke that person's certificates (they go on the CRL at once)."""
    revoked = services.revoke_certificates(iin, _now())
    db.session.commit()
    person = db.session.get(Person, iin)
    click.echo(f"revoked {revoked} certificate(s) of {_named(person)}; every login session made with them has ended")


@roles_cli.command("grant")
@click.option("--iin", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--scope", help="A reviewer's 'government' or KATO code; an officer's or secretary's rural district.")
@click.option("--body", type=click.Choice(LOCAL_BODIES), help="The local body a KATO-scoped reviewer serves.")
def roles_grant(iin, role, scope, body):
    """Grant a role for the one body or territory the official serves.

    A reviewer serves the Government (--scope government) or one local body (--scope KATO --body
    ADDRESSEE); officers and secretaries serve their rural district (--scope KATO); moderators and
    admins take neither.
    """
    try:
        services.grant_role(iin, role, scope, _now(), body=body)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    served = " ".join(part for part in (body, scope) if part)
    click.echo(f"granted {role}{' for ' + served if served else ''}")


@roles_cli.command("revoke")
@click.option("--iin", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--scope", help="Only the grant for this KATO code or 'government' (default: every grant of the role).")
@click.option("--body", type=click.Choice(LOCAL_BODIES), help="Only the grant for this local body.")
def roles_revoke(iin, role, scope, body):
    """Withdraw a role; the official loses it on their next request."""
    try:
        withdrawn = services.withdraw_role(iin, role, scope, _now(), body=body)
    except DomainError as error:
        _fail(error)
    db.session.commit()
    click.echo(f"withdrew {withdrawn} {role} grant(s){' for ' + scope if scope else ''}")


@registry_cli.command("population")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def registry_population(path):
    """Refresh official population figures from CSV (kato,population,as_of); all or nothing."""
    from datetime import date

    from kernel.territories import Territory

    def update(row: dict) -> None:
        territory = db.session.get(Territory, (row.get("kato") or "").strip())
        try:
            population = int(row["population"])
            as_of = date.fromisoformat(row["as_of"].strip())
        except (ValueError, AttributeError):
            population, as_of = 0, None
        if territory is None or population <= 0 or as_of is None:
            raise DomainError("validation_error", fields={"row": "a known kato, a positive population, an ISO as_of"})
        territory.population = population
        territory.population_as_of = as_of

    count = _import_all_or_nothing(path, {"kato", "population", "as_of"}, update)
    click.echo(f"updated {count} population figure(s)")
