"""examples/verify_log.py, the auditor's tool: its Merkle code against RFC 9162's published test tree,
then the tool run for real against a live server on PostgreSQL, on a good log and on logs broken on
purpose (a tampered entry, a forged head, rewritten history, a count that is not the log's)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import select, text

from tests.budgeting.conftest import Officials, add_other_district, eligible_projects, move_to, schedule
from tests.budgeting.test_ballots import vote_online
from tests.conftest import ROOT
from tests.petitions.conftest import Actor, create_and_submit, sign
from tests.publiclog import rfc9162_vectors as v
from tests.publiclog.fill_log import log_everything

TOOL = ROOT / "examples" / "verify_log.py"


def _load_tool():
    spec = importlib.util.spec_from_file_location("verify_log", TOOL)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("verify_log", module)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()
h = bytes.fromhex


# --- the Merkle code, against the published vectors -----------------------------------------------


def test_leaf_hashes_and_every_root_of_the_test_tree():
    leaves = [tool.leaf_hash(h(leaf)) for leaf in v.LEAVES]
    assert [leaf.hex() for leaf in leaves] == v.LEAF_HASHES
    assert [tool.tree_hash(leaves, 0, n).hex() for n in range(9)] == v.ROOTS


def test_a_node_is_the_hash_of_one_and_both_children():
    left, right = h(v.LEAF_HASHES[0]), h(v.LEAF_HASHES[1])
    assert tool.node_hash(left, right).hex() == v.ROOTS[2]
    assert tool.node_hash(right, left).hex() != v.ROOTS[2]


@pytest.mark.parametrize(("index", "size", "path"), v.INCLUSION)
def test_inclusion_proofs_lead_to_the_root(index, size, path):
    leaf = h(v.LEAF_HASHES[index])
    assert tool.root_from_inclusion(index, size, leaf, [h(p) for p in path]).hex() == v.ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), [p for p in v.INCLUSION if p[1] > 1])
def test_a_corrupted_inclusion_proof_never_leads_to_the_root(index, size, path):
    for what, i, n, leaf, root, bad_path in v.corrupted_inclusions(index, size, path):
        leaf_bytes = h(leaf or v.LEAF_HASHES[index])
        got = tool.root_from_inclusion(i, n, leaf_bytes, [h(p) for p in bad_path])
        assert got is None or got.hex() != (root or v.ROOTS[size]), what


def test_inclusion_in_a_tree_too_small_is_refused():
    leaf = h(v.LEAF_HASHES[0])
    for index, size in ((0, 0), (1, 0), (1, 1), (2, 1), (-1, 1)):
        assert tool.root_from_inclusion(index, size, leaf, []) is None


@pytest.mark.parametrize(("first", "second", "path"), v.CONSISTENCY)
def test_consistency_proofs_of_the_test_tree_hold(first, second, path):
    assert tool.consistent(first, second, h(v.ROOTS[first]), h(v.ROOTS[second]), [h(p) for p in path])


@pytest.mark.parametrize(("first", "second", "path"), [p for p in v.CONSISTENCY if p[2]])
def test_a_corrupted_consistency_proof_fails(first, second, path):
    for what, m, n, r1, r2, bad_path in v.corrupted_consistencies(first, second, path):
        assert not tool.consistent(m, n, h(r1), h(r2), [h(p) for p in bad_path]), what


def test_consistency_edge_cases():
    a, b, empty = h(v.SOME_HASH), h(v.ROOTS[1]), h(v.EMPTY_ROOT)
    assert tool.consistent(0, 0, a, a, [])
    assert tool.consistent(0, 1, a, b, [])
    assert tool.consistent(1, 1, b, b, [])
    assert not tool.consistent(1, 1, a, b, [])  # same size, another root
    assert not tool.consistent(1, 0, a, b, [])  # the log shrank
    assert not tool.consistent(2, 1, a, b, [])
    assert not tool.consistent(1, 2, a, b, [])  # an empty proof proves nothing
    assert not tool.consistent(0, 1, empty, empty, [empty])
    assert not tool.consistent(1, 1, empty, empty, [empty])


# --- the tool against a live server on PostgreSQL -------------------------------------------------




pg = pytest.mark.slow


@pytest.fixture(scope="session")
def database_url(postgres_database):
    """These tests run on the production stack only: PostgreSQL."""
    return postgres_database


def run_tool(url: str, *args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, str(TOOL), "--base-url", url, "--head-seconds", "1", "--margin", "1", *args],
        capture_output=True, text=True, timeout=timeout,
    )
    from tests import privacy_guard

    privacy_guard.note("examples/verify_log.py", (done.stdout + done.stderr).encode())
    return done


def failure_line(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in done.stdout.splitlines() if line.startswith("FAIL: ")]
    assert len(lines) == 1, done.stdout + done.stderr
    return lines[0]


_born = count()


@pytest.fixture
def live(app, client, make_citizen, server):
    """A live server on PostgreSQL with a public petition (3 signatures), a restricted one reachable by
    its link only (1), a budget cycle in its voting phase (2 online ballots), all of it in the log."""
    from auth import services
    from extensions import db

    app.config.update(PETITION_RESTRICTED_SUPPORTERS=3, PETITION_THRESHOLD_GOVERNMENT=50, LOG_HEAD_SECONDS=1)
    moderator = make_citizen(kato="710000000")
    services.grant_role(moderator.iin, "moderator", None, datetime.now(UTC))
    db.session.commit()
    author = Actor(client, make_citizen(kato="710000000"))
    moderating = Actor(client, moderator)
    public = create_and_submit(author, title="Ауыл көшесін жөндеу керек")
    restricted = create_and_submit(author, title="Мектепке жаңа автобус керек")
    for petition in (public, restricted):
        assert moderating.moderate(petition['id']).status_code == 200
    signers = [make_citizen(kato="113243200") for _ in range(4)]
    for signer in signers[:3]:
        assert sign(client, signer, public).status_code == 201
    assert sign(client, signers[3], restricted).status_code == 201

    from auth.access import CONSOLE
    from budgeting import services as budget

    add_other_district()

    def resident(kato: str = "113243200"):
        return make_citizen(kato=kato, born=date(1960, 1, 1) + timedelta(days=next(_born) % 15000))

    now = datetime.now(UTC)
    cycle = budget.create_cycle(CONSOLE, kato="113243000", year=now.year, amount=1_000_000, ballot="approval",
                                rule="greedy", min_choices=None, max_choices=None, now=now, **schedule("proposals", now))
    db.session.commit()
    officials = Officials(resident)
    projects = eligible_projects(cycle, resident(), officials["officer"], [200_000, 300_000])
    move_to(cycle, "voting")
    for voter in (resident(), resident()):
        assert vote_online(client, voter, cycle.id, projects[:1]).status_code == 201
    log_everything()
    time.sleep(1.1)  # the server's public counts are kept a second: let them settle
    return {"url": server, "public": public["id"], "restricted": restricted["id"], "cycle": cycle.id,
            "client": client, "signers": signers, "make_citizen": make_citizen}


def canonical(document: dict) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sql(statement: str, **params) -> None:
    from extensions import db

    db.session.execute(text(statement), params)
    db.session.commit()


def root_fingerprint() -> str:
    from cryptography.hazmat.primitives.serialization import Encoding

    from auth.instance_ca import certification_authority

    return hashlib.sha256(certification_authority().root_cert.public_bytes(Encoding.DER)).hexdigest()




@pg
def test_a_good_log_passes_and_its_root_can_be_pinned(live, tmp_path):
    state = tmp_path / "head.json"
    done = run_tool(live["url"], "--state", str(state), "--root-sha256", root_fingerprint())
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "OK"
    # the two approvals and the two screenings (official acts), 4 signatures, 2 ballots
    assert "10 entries" in done.stdout and "3 signature" not in done.stdout
    assert "4 act, 2 ballot, 4 signature" in done.stdout
    assert "(pinned)" in done.stdout
    saved = json.loads(state.read_text())
    assert saved["tree_size"] == 10

    # The log grows; the next run proves the head it saved is a prefix of the new one.
    assert sign(live["client"], live["make_citizen"](kato="113243200"), {"id": live["public"], **_digest(live)}).status_code == 201
    log_everything()
    again = run_tool(live["url"], "--state", str(state))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "consistent with the head of 10 entries" in again.stdout
    assert json.loads(state.read_text())["tree_size"] == 11


def _digest(live) -> dict:
    return {"digest": live["client"].get(f"/api/v1/petitions/{live['public']}").get_json()["digest"]}


@pg
def test_a_root_that_is_not_the_pinned_one_fails(live):
    done = run_tool(live["url"], "--root-sha256", "ab" * 32)
    assert done.returncode == 1
    assert "the root certificate is not the pinned one" in failure_line(done)


@pg
def test_an_unreachable_server_is_exit_2_not_a_verdict(live):
    from tests.conftest import free_port

    done = run_tool(f"http://127.0.0.1:{free_port()}")
    assert done.returncode == 2
    assert "ERROR:" in done.stderr and "FAIL" not in done.stdout


# (a) a tampered entry


@pg
def test_an_entry_changed_in_the_database_is_named(live):
    sql("UPDATE log_entry SET entry = replace(entry, '\"kind\":\"ballot\"', '\"kind\":\"act\"') WHERE idx = 8")  # the first ballot
    done = run_tool(live["url"])
    assert done.returncode == 1
    assert failure_line(done) == "FAIL: entry 8: leaf_hash is not SHA-256(0x00 || entry)"


@pg
def test_an_entry_changed_with_its_leaf_hash_breaks_the_root(live):
    from extensions import db
    from publiclog import merkle
    from publiclog.models import LogEntry

    row = db.session.scalar(select(LogEntry).where(LogEntry.idx == 3))
    changed = canonical({**json.loads(row.entry), "at": "2020-01-01T00:00:00Z"})  # a signature back-dated
    row.entry, row.leaf_hash = changed, merkle.leaf_hash(changed.encode())
    db.session.commit()
    done = run_tool(live["url"])
    assert done.returncode == 1
    assert "the Merkle root of entries 0..9 is not the signed root" in failure_line(done)


@pg
@pytest.mark.parametrize("plant", [
    lambda entry, digits: entry.replace('"purpose":"petition.sign"', f'"purpose":"petition.sign{digits}"'),
    lambda entry, digits: entry.replace('{"at":', f'{{"voter":"{digits}","at":', 1),
    lambda entry, digits: entry.replace('"id":', f'"iin":{digits},"id":', 1),
], ids=["in the purpose", "as a member of its own", "inside the subject"])
def test_an_entry_with_an_iin_in_it_is_personal_data(live, plant):
    from extensions import db
    from publiclog import merkle
    from publiclog.models import LogEntry

    # what an IIN looks like, though no one's: the test's own run must not publish a real one
    digits = "870412300157"
    row = db.session.scalar(select(LogEntry).where(LogEntry.idx == 2))  # the first signature (0, 1: approvals)
    changed = plant(row.entry, digits)
    assert changed != row.entry
    row.entry, row.leaf_hash = changed, merkle.leaf_hash(changed.encode())
    db.session.commit()
    done = run_tool(live["url"])
    assert done.returncode == 1
    assert failure_line(done) == "FAIL: entry 2: holds a 12-digit number (what an IIN looks like)"
    assert digits not in done.stdout + done.stderr  # named, never repeated


# (b) a forged head


def _latest_head():
    from extensions import db
    from publiclog.integrate import latest_head

    db.session.rollback()
    return latest_head(), db


def _sign_as(key_pem: bytes, cert_pem: bytes, claims: dict, x5c_issuing: bool = True, header: dict | None = None) -> str:
    """A head JWS by some other key, made as an outside forger would."""
    import base64

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec as cec
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from auth.instance_ca import certification_authority

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    def der(cert) -> str:
        return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

    key = serialization.load_pem_private_key(key_pem, None)
    leaf = cx509.load_pem_x509_certificate(cert_pem)
    chain = [der(leaf), der(certification_authority().issuing_cert)]
    alg = "ES256" if isinstance(key, cec.EllipticCurvePrivateKey) else "RS256"
    head = b64url(json.dumps(header or {"alg": alg, "x5c": chain}).encode())
    body = b64url(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())
    data = f"{head}.{body}".encode()
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(data, cec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        from cryptography.hazmat.primitives.asymmetric import padding

        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64url(signature)}"


def _self_made_key() -> tuple[bytes, bytes]:
    """A key and certificate of the forger's own, named like the log's, issued by nobody we trust."""
    from datetime import timedelta

    from cryptography import x509 as cx509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec as cec
    from cryptography.x509.oid import NameOID

    from auth import pki

    key = cec.generate_private_key(cec.SECP256R1())
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "Dauys public log")])
    now = datetime.now(UTC)
    cert = (
        cx509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(cx509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(cx509.ExtendedKeyUsage([pki.LOG_SIGNING]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return (key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()), cert.public_bytes(serialization.Encoding.PEM))


FORGERIES = {
    "another key": "the head's certificate is not issued by the issuing CA",
    "a citizen's key": "the head's certificate is not a log certificate",
    "the root changed, the signature kept": "the head says root_hash",
    "a wrong root signed by the real key": "is not the signed root",
    "a header with more than alg and x5c": "the head's JWS header is not exactly",
}


@pg
@pytest.mark.parametrize("forgery", FORGERIES)
def test_a_forged_head_fails(live, forgery):
    from publiclog import heads

    head, db = _latest_head()
    claims = heads.payload(head.tree_size, bytes.fromhex(head.root_hash), json.loads(
        heads._unb64url(head.jws.split(".")[1]))["timestamp"])
    wrong_root = hashlib.sha256(b"another history").hexdigest()
    if forgery == "another key":
        head.jws = _sign_as(*_self_made_key(), claims)
    elif forgery == "a citizen's key":
        citizen = live["signers"][0]
        head.jws = _sign_as(citizen.sign_key, citizen.sign_cert, claims)
    elif forgery == "the root changed, the signature kept":
        head.root_hash = wrong_root
    elif forgery == "a wrong root signed by the real key":
        head.root_hash = wrong_root
        head.jws = heads.sign(heads.log_key(datetime.now(UTC)), {**claims, "root_hash": wrong_root})
    else:
        key = heads.log_key(datetime.now(UTC))
        citizen = live["signers"][0]
        head.jws = _sign_as(citizen.sign_key, citizen.sign_cert, claims,
                            header={"alg": "ES256", "x5c": list(key.x5c), "kid": "log"})
    db.session.commit()
    done = run_tool(live["url"])
    assert done.returncode == 1, done.stdout
    assert FORGERIES[forgery] in failure_line(done)


# (c) history rewritten and signed anew with the real key


def _rewrite_history(grow: bool) -> None:
    """Entry 1 made to say another time, the tree built again from scratch and a new head signed by
    the log's real key, through the server's own functions: what an insider with the database and
    the key could do. The counts stay right; only the history differs."""
    from extensions import db
    from publiclog import entries, integrate, merkle
    from publiclog.models import LogEntry

    db.session.rollback()
    row = db.session.scalar(select(LogEntry).where(LogEntry.idx == 1))
    data = canonical({**json.loads(row.entry), "at": "2020-01-01T00:00:00Z"})
    row.entry, row.leaf_hash = data, merkle.leaf_hash(data.encode())
    db.session.flush()
    for statement in ("UPDATE log_entry SET idx = NULL", "DELETE FROM log_node", "DELETE FROM log_head",
                      "UPDATE log_state SET tree_size = 0"):
        db.session.execute(text(statement))
    db.session.commit()
    if grow:  # an act, so that no count changes
        entries.append("act", "petition", 1, datetime.now(UTC), "forged.jws.act", None, "petition.answer")
        db.session.commit()
    integrate.integrate_all()
    integrate.sign_head(datetime.now(UTC))


@pg
@pytest.mark.parametrize("grow", [True, False], ids=["the log grew", "same size"])
def test_history_rewritten_after_the_last_run_fails_the_consistency_check(live, tmp_path, grow):
    state = tmp_path / "head.json"
    first = run_tool(live["url"], "--state", str(state))
    assert first.returncode == 0, first.stdout + first.stderr
    _rewrite_history(grow)

    fresh = run_tool(live["url"])  # on its own the rewritten log is a fine log …
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    done = run_tool(live["url"], "--state", str(state))  # … but not the one the auditor saw before
    assert done.returncode == 1
    line = failure_line(done)
    assert "since the last run" in line
    if grow:
        assert "the head of 10 entries is not a prefix of the head of 11: history was rewritten" in line
    else:
        assert "the tree of 10 entries has another root now" in line
    assert json.loads(state.read_text())["tree_size"] == 10  # a failed check does not move the saved head


@pg
def test_a_state_file_ahead_of_the_log_means_it_shrank(live, tmp_path):
    state = tmp_path / "head.json"
    state.write_text(json.dumps({"base_url": live["url"], "tree_size": 60, "root_hash": "ab" * 32}))
    done = run_tool(live["url"], "--state", str(state))
    assert done.returncode == 1
    assert "the log shrank from 60 to 10 entries" in failure_line(done)


# (d) a published count that is not the log's


@pg
def test_a_count_above_its_entries_names_the_petition(live):
    sql("UPDATE petition_counter SET count = count + 1 WHERE petition_id = :p AND shard = 0", p=live["public"])
    time.sleep(1.1)  # past the count's cache in the server
    done = run_tool(live["url"])
    assert done.returncode == 1
    assert failure_line(done) == (
        f"FAIL: petition {live['public']}: the log holds 3 but the server published 4 before the head and 4 after it"
    )


@pg
def test_entries_above_the_count_of_a_petition_only_its_link_reaches(live):
    from extensions import db
    from publiclog import entries, integrate

    entries.append("signature", "petition", live["restricted"], datetime.now(UTC), "an.extra.jws", "extra-receipt",
                   "petition.sign", "110000000")
    db.session.commit()
    integrate.integrate_all()
    integrate.sign_head(datetime.now(UTC))
    done = run_tool(live["url"])
    assert done.returncode == 1
    assert failure_line(done) == (
        f"FAIL: petition {live['restricted']}: the log holds 2 but the server published 1 before the head and 1 after it"
    )


@pg
def test_a_ballot_entry_without_a_ballot_names_the_cycle(live):
    from extensions import db
    from publiclog import entries, integrate

    entries.append("ballot", "cycle", live["cycle"], datetime.now(UTC), "a.stuffed.ballot", "stuffed", "ballot.cast")
    db.session.commit()
    integrate.integrate_all()
    integrate.sign_head(datetime.now(UTC))
    done = run_tool(live["url"])
    assert done.returncode == 1
    assert failure_line(done) == (
        f"FAIL: budget cycle {live['cycle']}: the log holds 3 but the server published 2 before the head and 2 after it"
    )


# A live system: the count moves before the log has taken the signature in.


@pg
def test_a_signature_counted_before_its_head_is_waited_for(live, app):
    """Counted at once, in a signed head a moment later (as DAUYS_LOG_HEAD_SECONDS allows): the tool
    waits for a head that holds what it counted, and then agrees."""
    from extensions import db

    assert sign(live["client"], live["make_citizen"](kato="113243200"), {"id": live["public"], **_digest(live)}).status_code == 201
    db.session.remove()
    time.sleep(1.1)  # the count is 4 for everyone; the log still has 3

    def integrate_later():
        with app.app_context():
            log_everything()
            db.session.remove()

    later = threading.Timer(1.5, integrate_later)
    later.start()
    try:
        done = run_tool(live["url"], "--head-seconds", "4")
    finally:
        later.join(timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "waiting for the log to take in what was counted" in done.stdout
    assert "5 signature" in done.stdout


@pg
def test_a_signature_counted_that_never_reaches_the_log_fails(live):
    from extensions import db

    assert sign(live["client"], live["make_citizen"](kato="113243200"), {"id": live["public"], **_digest(live)}).status_code == 201
    db.session.remove()
    time.sleep(1.1)
    started = time.monotonic()
    done = run_tool(live["url"])  # --head-seconds 1 --margin 1: gives up after two seconds
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    assert failure_line(done) == (
        f"FAIL: petition {live['public']}: the log holds 3 but the server published 4 before the head and 4 after it"
    )
