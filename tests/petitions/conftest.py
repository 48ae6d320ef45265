"""Petition fixtures: officials with Bearer tokens, signed requests, small thresholds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.auth.test_api import login

BODY = (
    "Жол жөндеу туралы: ауылдағы негізгі көше көктемде су басып, балалар мектепке бара алмайды. "
    "Ұсыныс: көшені биылғы бюджетке енгізу."
)


@pytest.fixture
def small_thresholds(app):
    app.config.update(
        PETITION_RESTRICTED_SUPPORTERS=2,
        PETITION_THRESHOLD_GOVERNMENT=3,
        PETITION_THRESHOLD_CITY_AKIMAT=3,
    )
    return app


class Actor:
    """A citizen or official who talks to the API with a Bearer token."""

    def __init__(self, client, citizen):
        self.client = client
        self.citizen = citizen
        self.token = login(client, citizen).get_json()["access_token"]

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, path, json=None):
        return self.client.post(path, json=json or {}, headers=self.auth)

    def get(self, path):
        return self.client.get(path, headers=self.auth)

    def sign_doc(self, purpose: str, doc: dict) -> str:
        return self.citizen.jws({"purpose": purpose, "iat": int(time.time()), "doc": doc})

    # --- official acts (API.md "Official acts"), signed with this person's official certificate ---

    def doc_of(self, petition) -> dict:
        """The petition's {type, id, digest}: a petition's JSON, its row, or its id (read as its JSON shows it)."""
        if isinstance(petition, int):
            petition = self.get(f"/api/v1/petitions/{petition}").get_json()
        if isinstance(petition, dict):
            return {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
        return petition.signed_doc()

    def act(self, purpose: str, petition, *, role=None, scope=None, body=None, **fields) -> str:
        return self.citizen.act(purpose, self.doc_of(petition), role=role, scope=scope, body=body, **fields)

    def moderate(self, petition, decision: str = "approve", **fields):
        """POST /petitions/{id}/moderation with the signed act petition.moderate."""
        jws = self.act("petition.moderate", petition, role="moderator", decision=decision, **fields)
        return self.post(f"/api/v1/petitions/{_id(petition)}/moderation", {"jws": jws})

    def review(self, petition, purpose: str = "petition.answer", *, role="reviewer", scope=None, body=None, **fields):
        """POST /petitions/{id}/review with a signed act: petition.discussion (at, place) or petition.answer."""
        jws = self.act(purpose, petition, role=role, scope=scope, body=body, **fields)
        return self.post(f"/api/v1/petitions/{_id(petition)}/review", {"jws": jws})


def _id(petition) -> int:
    if isinstance(petition, int):
        return petition
    return petition["id"] if isinstance(petition, dict) else petition.id


@pytest.fixture
def actor(client):
    def make(citizen):
        return Actor(client, citizen)

    return make


@pytest.fixture
def officials(app, make_citizen, actor):
    from auth import services
    from extensions import db

    now = datetime.now(UTC)
    people = {
        "moderator": make_citizen(kato="710000000"),
        "reviewer": make_citizen(kato="710000000"),
        "reviewer_astana": make_citizen(kato="710000000"),
        "admin": make_citizen(kato="710000000", email="admin@example.kz"),
    }
    services.grant_role(people["moderator"].iin, "moderator", None, now)
    services.grant_role(people["reviewer"].iin, "reviewer", "government", now)
    services.grant_role(people["reviewer_astana"].iin, "reviewer", "710000000", now, body="city_akimat")
    services.grant_role(people["admin"].iin, "admin", None, now)
    db.session.commit()
    return {role: actor(citizen) for role, citizen in people.items()}


def create_and_submit(author, addressee="government", territory=None, title="Ауыл көшесін жөндеу керек") -> dict:
    draft = author.post(
        "/api/v1/petitions",
        {"title": title, "body": BODY, "language": "kk", "addressee": addressee, "territory": territory},
    )
    assert draft.status_code == 201, draft.get_json()
    petition = draft.get_json()
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    submitted = author.post(f"/api/v1/petitions/{petition['id']}/submit", {"jws": author.sign_doc("petition.submit", doc)})
    assert submitted.status_code == 200, submitted.get_json()
    return submitted.get_json()


def sign(client, citizen, petition: dict, notify: bool = False):
    doc = {"type": "petition", "id": petition["id"], "digest": petition["digest"]}
    jws = citizen.jws({"purpose": "petition.sign", "iat": int(time.time()), "doc": doc})
    return client.post(f"/api/v1/petitions/{petition['id']}/signatures", json={"jws": jws, "notify": notify})


def form_data(fields: dict) -> dict:
    """An act's members as the page's form posts them beside the JWS (static/js/act-sign.js reads
    them back): a list of objects as rows NAME-N-MEMBER."""
    data = {}
    for name, value in fields.items():
        if isinstance(value, list):
            for n, row in enumerate(value):
                data |= {f"{name}-{n}-{member}": str(item) for member, item in row.items()}
        else:
            data[name] = value
    return data
