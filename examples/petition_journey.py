"""An outside client takes a petition from draft to answered using only shared/API.md.

It registers an author, a moderator, a Government reviewer and signers with the
operator commands, then drives the HTTP API with its own JWS code, and checks
every stored deadline against its own count of working days (the `holidays`
package's Kazakhstan calendar: weekends, public holidays and their observed days).
Run it against a server started with small thresholds, e.g.

    DAUYS_PETITION_THRESHOLD_GOVERNMENT=3 DAUYS_PETITION_RESTRICTED_SUPPORTERS=1 flask --app wsgi run
    python examples/petition_journey.py --base-url http://127.0.0.1:5000 --signers 3
"""

from __future__ import annotations

import argparse
import random
import shlex
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

sys.path.insert(0, str(Path(__file__).resolve().parent))
from outside_client import Api, der_b64, iin_for, make_jws  # noqa: E402

KAZAKHSTAN = ZoneInfo("Asia/Almaty")


def working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays.country_holidays("KZ", years=day.year)


def plus_working_days(start: date, n: int) -> date:
    day = start
    while n:
        day += timedelta(days=1)
        n -= working_day(day)
    return day


def kz_day(instant: str) -> date:
    return datetime.fromisoformat(instant).astimezone(KAZAKHSTAN).date()


class Person:
    def __init__(self, flask: list[str], api: Api, kato: str, born: date, name: tuple[str, str]):
        self.iin = iin_for(born, male=random.random() < 0.5, serial=random.randrange(10000))
        subprocess.run([*flask, "registry", "add", "--iin", self.iin, "--surname", name[0], "--given-name", name[1],
                        "--kato", kato], check=True, capture_output=True)
        folder = Path(tempfile.mkdtemp(prefix="dauys-journey-"))
        subprocess.run([*flask, "eds", "issue", "--iin", self.iin, "--out", str(folder), "--key", "ec"], check=True,
                       capture_output=True)
        self.files = {name: (folder / name).read_bytes() for name in
                      ("auth.key.pem", "auth.cert.pem", "sign.key.pem", "sign.cert.pem")}
        self.api = api
        self.issuing = api.issuing_ca()
        self.token: str | None = None

    def sign(self, payload: dict, usage: str = "sign") -> str:
        return make_jws({**payload, "iat": int(time.time())}, self.files[f"{usage}.key.pem"],
                        [der_b64(self.files[f"{usage}.cert.pem"]), self.issuing])

    def take_office(self, flask: list[str]) -> Person:
        """The official key set of the person's role (API.md "Official acts"): `flask eds issue-official`."""
        folder = Path(tempfile.mkdtemp(prefix="dauys-journey-official-"))
        subprocess.run([*flask, "eds", "issue-official", "--iin", self.iin, "--out", str(folder), "--key", "ec"],
                       check=True, capture_output=True)
        for name in ("official.key.pem", "official.cert.pem"):
            self.files[name] = (folder / name).read_bytes()
        return self

    def act(self, purpose: str, doc: dict, **fields) -> dict:
        """The body of an official act: {jws}, the decision in the signed payload."""
        return {"jws": self.sign({"purpose": purpose, "doc": doc, **fields}, "official")}

    def login(self) -> Person:
        nonce = self.api.nonce()
        status, body = self.api.call("POST", "/auth/token", {"jws": self.sign({"purpose": "auth", "nonce": nonce}, "auth")})
        assert status == 200, body
        self.token = body["access_token"]
        return self

    def call(self, method: str, path: str, body: dict | None = None):
        return self.api.call(method, path, body, token=self.token)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--flask", default="flask --app wsgi")
    parser.add_argument("--kato", default="113243200")
    parser.add_argument("--signers", type=int, default=3, help="how many signers the server's threshold needs")
    args = parser.parse_args()
    flask, api = shlex.split(args.flask), Api(args.base_url)
    failures = 0

    def expect(label: str, got: object, wanted: object) -> None:
        nonlocal failures
        failures += got != wanted
        print(f"{'ok ' if got == wanted else 'FAIL'} {label}: {got}" + ("" if got == wanted else f" (wanted {wanted})"))

    author = Person(flask, api, args.kato, date(1985, 6, 1), ("Омарова", "Гүлнар")).login()
    moderator = Person(flask, api, args.kato, date(1979, 2, 2), ("Ахметов", "Ерлан"))
    reviewer = Person(flask, api, args.kato, date(1975, 3, 3), ("Байжанов", "Асқар"))
    subprocess.run([*flask, "roles", "grant", "--iin", moderator.iin, "--role", "moderator"], check=True, capture_output=True)
    subprocess.run([*flask, "roles", "grant", "--iin", reviewer.iin, "--role", "reviewer", "--scope", "government"],
                   check=True, capture_output=True)
    moderator.take_office(flask).login()
    reviewer.take_office(flask).login()

    status, draft = author.call("POST", "/petitions", {
        "title": "Ауылға жаңа мектеп салу керек", "language": "kk", "addressee": "government",
        "body": "Ауылдағы мектеп 1962 жылы салынған, сыныптар тар. Ұсыныс: жаңа мектеп салуды бюджетке енгізу."})
    expect("draft created", (status, draft.get("state")), (201, "draft"))
    doc = {"type": "petition", "id": draft["id"], "digest": draft["digest"]}
    status, petition = author.call("POST", f"/petitions/{draft['id']}/submit",
                                   {"jws": author.sign({"purpose": "petition.submit", "doc": doc})})
    expect("submitted", (status, petition.get("state")), (200, "moderation"))
    expect("moderation_due_on = submitted + 20 working days", petition["moderation_due_on"],
           plus_working_days(kz_day(petition["submitted_at"]), 20).isoformat())

    status, petition = moderator.call("POST", f"/petitions/{draft['id']}/moderation",
                                      moderator.act("petition.moderate", doc, decision="approve"))
    expect("approved", (status, petition.get("state")), (200, "restricted"))
    expect("restricted_until = approval + 10 working days", petition["restricted_until"],
           plus_working_days(kz_day(datetime.now(UTC).isoformat()), 10).isoformat())

    for index in range(args.signers):
        signer = Person(flask, api, args.kato, date(1990, 1, 1 + index), ("Жұмабаев", "Бекзат"))
        status, receipt = api.call("POST", f"/petitions/{draft['id']}/signatures",
                                   {"jws": signer.sign({"purpose": "petition.sign", "doc": doc})})
        expect(f"signature {index + 1}", status, 201)
    status, petition = api.call("GET", f"/petitions/{draft['id']}")
    expect("threshold reached", petition["state"], "under_review")
    expect("review_due_on = the day after the threshold + 40 working days", petition["review_due_on"],
           plus_working_days(kz_day(petition["threshold_reached_at"]), 40).isoformat())

    at = (datetime.now(UTC) + timedelta(days=10)).replace(microsecond=0).isoformat()
    status, petition = reviewer.call("POST", f"/petitions/{draft['id']}/review",
                                     reviewer.act("petition.discussion", doc, at=at, place="Астана, Үкімет үйі"))
    expect("discussion published", (status, petition["discussion"]["place"]), (200, "Астана, Үкімет үйі"))
    # a supporting answer reasons in at least 200 characters, names its measures and the day its report is due
    today = kz_day(datetime.now(UTC).isoformat())
    measures = [
        {"body": "Білім басқармасы", "what": "Мектептің жобалау-сметалық құжаттамасын әзірлеу",
         "due_on": (today + timedelta(days=90)).isoformat()},
        {"body": "Аудан әкімдігі", "what": "Құрылысқа мердігерді конкурс арқылы таңдау",
         "due_on": (today + timedelta(days=150)).isoformat()},
    ]
    report_due_on = (today + timedelta(days=180)).isoformat()
    text = ("Петиция қаралды және қолдау тапты. Мектеп құрылысы 2027 жылғы жергілікті бюджетке енгізілді: "
            "алдымен жобалау-сметалық құжаттама әзірленеді, содан кейін мемлекеттік сатып алу арқылы мердігер "
            "таңдалады. Жұмыстың барысы туралы есеп белгіленген күні жарияланады.")
    status, petition = reviewer.call("POST", f"/petitions/{draft['id']}/review", reviewer.act(
        "petition.answer", doc, decision="supported", text=text, measures=measures, report_due_on=report_due_on))
    expect("answered", (status, petition.get("state"), (petition.get("answer") or {}).get("decision")),
           (200, "answered", "supported"))
    expect("measures and report date published", ([(m["body"], m["due_on"]) for m in petition.get("measures", [])],
                                                  petition.get("report_due_on")),
           ([(m["body"], m["due_on"]) for m in measures], report_due_on))
    expect("the three acts published, oldest first", [a["purpose"] for a in petition["acts"]],
           ["petition.moderate", "petition.discussion", "petition.answer"])
    expect("responsible official named", petition["answer"]["official"].startswith("Байжанов"), True)
    print("all steps as API.md says" if not failures else f"{failures} step(s) off the contract")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
