"""In a real browser on a phone: a citizen signs, follows the receipt's link to /verify, and the page's own
JavaScript proves the signature is in the signed log; a proof or a head tampered with on the way is
a failure in plain words. The page's Merkle and JWS code is held to RFC 9162's test tree and to heads
signed here with ES256 and RS256. axe on the page, in Kazakh."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.browser.conftest import PageAudit
from tests.browser.test_petition_flow import ApiActor, grant, official_files, small_thresholds
from tests.publiclog import rfc9162_vectors as v
from tests.publiclog.fill_log import log_everything

pytestmark = [pytest.mark.browser, pytest.mark.slow]

OK_TITLE = {"kk": "Түбіртегіңіз ашық журналда бар", "ru": "Ваша квитанция есть в открытом журнале",
            "en": "Your receipt is in the public log"}
BAD_PROOF = "Дәлел журнал қол қойған түбірге жеткізбейді"
BAD_HEAD = "Журналдың күйіне Dauys куәландырушы орталығы берген журнал сертификатымен қол қойылмаған"


def signed_petition(server, tmp_path) -> dict:
    """A petition collecting signatures, submitted by one citizen and approved by a moderator."""
    small_thresholds(server)
    moderator = server.citizen(tmp_path, surname="Оспанова", given_name="Дана", serial=3001)
    grant(server, moderator, "moderator")
    author = ApiActor(server, server.citizen(tmp_path, surname="Жұмабаев", given_name="Ерлан", serial=3002))
    petition = author.submit(author.draft("Ауыл көшесін жөндеу керек"))
    moderating = ApiActor(server, moderator)
    files = official_files(server, moderator, tmp_path, "moderator")
    moderating.post(f"/petitions/{petition['id']}/moderation",
                    moderating.act(files, "petition.moderate", petition, decision="approve"))
    return petition


def more_entries(server, count: int) -> None:
    """Other entries after ours, so that its audit path is not empty."""
    from extensions import db
    from publiclog import entries, integrate

    with server.app.app_context():
        for i in range(count):
            entries.append("act", "petition", 1, datetime.now(UTC), f"an.act.{i}", None, "petition.answer")
        db.session.commit()
        integrate.integrate_all()
        integrate.sign_head(datetime.now(UTC))
        db.session.remove()


def fill(server) -> None:
    with server.app.app_context():
        log_everything()
        from extensions import db

        db.session.remove()


def test_a_signature_is_proven_in_the_log_by_the_browser_and_tampering_shows(live_server, phone, tmp_path, screenshots):
    petition = signed_petition(live_server, tmp_path)
    signer = live_server.citizen(tmp_path, surname="Сейтқалиева", given_name="Айгерім", serial=3003)
    page = phone
    page.goto(f"{live_server.url}/petitions/{petition['id']}?lang=kk")
    page.set_input_files("#sign-key-file", str(signer.sign_key))
    page.set_input_files("#sign-cert-file", str(signer.sign_cert))
    page.click("#sign-submit")
    receipt = page.locator("#sign-status .receipt")
    receipt.wait_for()
    code = receipt.inner_text()
    fill(live_server)
    more_entries(live_server, 4)

    # The receipt's link opens /verify with it; the browser checks the proof and the head's signature.
    page.click("#sign-status a.verify-link")
    page.wait_for_url(re.compile(r"/verify\?receipt="))
    assert page.locator("#receipt").input_value() == code
    result = page.locator("#verify-result.verify-ok")
    result.wait_for()
    text = result.inner_text()
    assert OK_TITLE["kk"] in text
    assert "№ 2 жазба" in text and "6 жазбаның" in text  # entry 2 of 6: entry 1 is the approval, an official act
    assert "«Dauys public log»" in text and "Dauys Issuing CA" in text
    months = "қаңтар|ақпан|наурыз|сәуір|мамыр|маусым|шілде|тамыз|қыркүйек|қазан|қараша|желтоқсан"
    # a Kazakh date, written as the server writes a day (kernel/local_formats.py:DAY_LABELS), then the time
    assert re.search(rf"\d{{1,2}} ({months}) \d{{4}}\u202fж\., \d{{2}}:\d{{2}}:\d{{2}}", text), text
    main = page.inner_text("main")
    assert "Қолтаңба" in main and f"№ {petition['id']} петиция" in main and "Ақмола облысы" in main
    assert signer.iin not in page.content()
    page.screenshot(path=str(screenshots / "verify-kk.png"), full_page=True)

    # A proof changed on its way: one hex digit of the audit path flipped.
    def tampered_proof(route):
        response = route.fetch()
        body = response.json()
        first = body["audit_path"][0]
        body["audit_path"][0] = ("1" if first[0] != "1" else "2") + first[1:]
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/api/v1/log/proof*", tampered_proof)
    page.reload()
    failed = page.locator("#verify-result.verify-fail")
    failed.wait_for()
    assert BAD_PROOF in failed.inner_text()
    page.unroute("**/api/v1/log/proof*")

    # A head whose signature was changed on its way.
    def tampered_head(route):
        response = route.fetch()
        body = response.json()
        head, payload, signature = body["jws"].split(".")
        raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
        raw[5] ^= 1
        body["jws"] = f"{head}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/api/v1/log/head", tampered_head)
    page.reload()
    failed.wait_for()
    assert BAD_HEAD in failed.inner_text()
    page.unroute("**/api/v1/log/head")

    # Another receipt's entry handed out for ours.
    def other_entry(route):
        response = route.fetch()
        body = response.json()
        entry = json.loads(body["entry"])
        entry["receipt"] = "sha256:" + "0" * 64
        body["entry"] = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        route.fulfill(response=response, body=json.dumps(body))

    page.route("**/api/v1/log/proof*", other_entry)
    page.reload()
    failed.wait_for()
    assert "Журнал бұл түбіртекке тиесілі емес жазбамен жауап берді" in failed.inner_text()


def test_a_receipt_not_yet_in_a_head_and_one_not_in_the_log(live_server, phone):
    from extensions import db
    from publiclog import entries

    with live_server.app.app_context():
        entries.append("signature", "petition", 1, datetime.now(UTC), "a.pending.jws", "pending-receipt-0001",
                       "petition.sign", "110000000")
        db.session.commit()
        db.session.remove()
    response = phone.goto(f"{live_server.url}/verify?receipt=pending-receipt-0001&lang=en")
    assert response.status == 200
    assert "waits for the log's next signed head" in phone.inner_text("main")
    phone.locator("#verify-result.verify-wait").wait_for()  # the browser asks, and is told: not yet

    response = phone.goto(f"{live_server.url}/verify?receipt=no-such-receipt-000&lang=en")
    assert response.status == 404
    assert phone.locator("#not-in-log").count() == 1
    response = phone.goto(f"{live_server.url}/verify?receipt=%3Cscript%3E&lang=en")
    assert response.status == 422
    assert phone.locator("#receipt-error").count() == 1


# --- the page's Merkle and JWS code, held to published vectors and independent signers -------------


def _module(page, server) -> None:
    page.goto(f"{server.url}/verify?lang=en")
    page.evaluate(f"async () => {{ window.lv = await import('{server.url}/static/js/log-verify.js'); }}")


def test_the_browser_merkle_code_gives_the_rfc_9162_test_tree(live_server, phone):
    _module(phone, live_server)
    got = phone.evaluate(
        """async ([leaves, inclusion]) => {
          const leafHashes = [];
          for (const leaf of leaves) leafHashes.push(lv.toHex(await lv.leafHash(lv.fromHex(leaf))));
          const roots = [];
          for (const [index, size, path] of inclusion) {
            const root = await lv.rootFromInclusion(index, size, lv.fromHex(leafHashes[index]), path.map(lv.fromHex));
            roots.push(root && lv.toHex(root));
          }
          const bad = [];
          for (const [index, size, path] of inclusion) {
            if (!path.length) continue;
            const flipped = path.map(lv.fromHex); flipped[0][0] ^= 8;
            const r1 = await lv.rootFromInclusion(index, size, lv.fromHex(leafHashes[index]), flipped);
            const r2 = await lv.rootFromInclusion(index + 1, size, lv.fromHex(leafHashes[index]), path.map(lv.fromHex));
            const r3 = await lv.rootFromInclusion(index, size, lv.fromHex(leafHashes[index]), path.slice(1).map(lv.fromHex));
            bad.push([r1 && lv.toHex(r1), r2 && lv.toHex(r2), r3 && lv.toHex(r3)]);
          }
          const none = [await lv.rootFromInclusion(0, 0, new Uint8Array(32), []),
                        await lv.rootFromInclusion(1, 1, new Uint8Array(32), []),
                        await lv.rootFromInclusion(-1, 1, new Uint8Array(32), [])];
          return {leafHashes, roots, bad, none, receipt: await lv.receiptHash("  abc  ")};
        }""",
        [v.LEAVES, [list(p) for p in v.INCLUSION]],
    )
    assert got["leafHashes"] == v.LEAF_HASHES
    assert got["roots"] == [v.ROOTS[size] for _, size, _ in v.INCLUSION]
    for (_, size, _), tries in zip([p for p in v.INCLUSION if p[2]], got["bad"]):
        assert v.ROOTS[size] not in tries
    assert got["none"] == [None, None, None]
    assert got["receipt"] == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def _head_signed_with(alg: str) -> tuple[dict, str]:
    """A head-shaped JWS by a key and certificate made here (the 'issuing CA' is the certificate itself)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1()) if alg == "ES256" else rsa.generate_private_key(65537, 2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Test log {alg}")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(7).not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()

    def b64url(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    timestamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    claims = {"purpose": "log.head", "tree_size": 8, "root_hash": v.ROOTS[8], "timestamp": timestamp}
    signing_input = f"{b64url(json.dumps({'alg': alg, 'x5c': [der, der]}).encode())}.{b64url(json.dumps(claims).encode())}"
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    else:
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    head = {"tree_size": 8, "root_hash": v.ROOTS[8], "timestamp": timestamp, "jws": f"{signing_input}.{b64url(signature)}"}
    return head, der


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_the_browser_verifies_a_head_signed_with_either_algorithm_and_refuses_a_changed_one(live_server, phone, alg):
    head, der = _head_signed_with(alg)
    _module(phone, live_server)
    got = phone.evaluate(
        """async ([head, der]) => {
          const issuing = Uint8Array.from(atob(der), (c) => c.charCodeAt(0));
          const outcome = async (h, ca) => {
            try { return await lv.verifyHead(h, ca || issuing); } catch (e) { return "refused: " + e.message; }
          };
          const [p0, p1, p2] = head.jws.split(".");
          const otherSig = p2.slice(0, 10) + (p2[10] === "A" ? "B" : "A") + p2.slice(11);
          return {
            good: await outcome(head),
            signature: await outcome({...head, jws: [p0, p1, otherSig].join(".")}),
            size: await outcome({...head, tree_size: 9}),
            root: await outcome({...head, root_hash: "00".repeat(32)}),
            issuing: await outcome(head, new Uint8Array([1, 2, 3])),
          };
        }""",
        [head, der],
    )
    assert got["good"] == {"subject": f"Test log {alg}", "issuer": f"Test log {alg}"}
    assert got["signature"] == "refused: signature"
    assert got["size"] == got["root"] == "refused: payload"
    assert got["issuing"] == "refused: x5c[1] is not the published issuing CA"


def test_the_verify_page_passes_axe_in_kazakh(live_server, phone, tmp_path, screenshots):
    from extensions import db
    from publiclog import entries

    with live_server.app.app_context():
        entries.append("ballot", "cycle", 1, datetime.now(UTC), "a.ballot.jws", "ballot-receipt-0001", "ballot.cast")
        db.session.commit()
        db.session.remove()
    more_entries(live_server, 2)
    audit = PageAudit(phone, live_server.url, "kk", screenshots, prefix="verify-axe-")
    audit.check("empty", "/verify")
    audit.check("invalid", "/verify?receipt=%25%25", status=422)
    audit.check("unknown", "/verify?receipt=unknown-receipt-01", status=404)
    audit.check("checked", "/verify?receipt=ballot-receipt-0001")
    phone.locator("#verify-result.verify-ok").wait_for()
    assert OK_TITLE["kk"] in phone.inner_text("#verify-result")
    audit.here("checked-result")
    audit.assert_clean()
    response = phone.goto(f"{live_server.url}/verify/verify_log.py")
    assert response.status == 200 and "RFC 9162" in response.text()
