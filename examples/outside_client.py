"""An outside client that knows only shared/API.md: registers a person, gets keys, signs in.

It runs the operator commands of API.md, signs with its own JWS code (the
`cryptography` package, no python-jose), and then tries forged and misused
signatures, checking that each gets the API.md error code. Exit status 0 means
every step behaved as the contract says.

    python examples/outside_client.py --base-url http://127.0.0.1:5000 \
        --flask "flask --app wsgi" --kato 113243200
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import random
import shlex
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def der_b64(pem: bytes) -> str:
    return base64.b64encode(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)).decode()


def make_jws(payload: dict, key_pem: bytes, chain: list[str], alg: str | None = None) -> str:
    key = serialization.load_pem_private_key(key_pem, password=None)
    alg = alg or ("ES256" if isinstance(key, ec.EllipticCurvePrivateKey) else "RS256")
    head = b64url(json.dumps({"alg": alg, "x5c": chain}).encode())
    body = b64url(json.dumps(payload, ensure_ascii=False).encode())
    signing_input = f"{head}.{body}".encode()
    if isinstance(key, rsa.RSAPrivateKey):
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return f"{head}.{body}.{b64url(signature)}"


def iin_for(born: date, male: bool, serial: int) -> str:
    """A valid IIN (DOMAIN.md): YYMMDD, century/sex digit, serial, check digit."""
    marker = (3 if born.year < 2000 else 5) + (0 if male else 1)
    for candidate in range(serial, serial + 100):
        head = f"{born:%y%m%d}{marker}{candidate % 10000:04d}"
        digits = [int(c) for c in head]
        check = sum(d * w for d, w in zip(digits, range(1, 12))) % 11
        if check == 10:
            check = sum(d * w for d, w in zip(digits, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2))) % 11
        if check != 10:
            return head + str(check)
    raise RuntimeError("no IIN")


class Api:
    def __init__(self, base: str):
        self.base = base.rstrip("/") + "/api/v1"

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        request.add_header("Accept-Language", "en")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
                return response.status, (json.loads(raw) if "json" in kind else raw)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def nonce(self) -> str:
        status, body = self.call("POST", "/auth/challenge", {})
        assert status == 201, body
        return body["nonce"]

    def issuing_ca(self) -> str:
        """x5c[1]: the issuing CA, base64 DER, from GET /eds/ca (issuing CA first, then the root).
        API.md: x5c is exactly [leaf, issuing CA], never the leaf alone nor the root too."""
        status, pem = self.call("GET", "/eds/ca")
        assert status == 200, pem
        return der_b64(pem.split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:5000")
    parser.add_argument("--flask", default="flask --app wsgi", help="how to run the flask CLI of the server")
    parser.add_argument("--kato", default="113243200", help="a settlement KATO code known to the server")
    parser.add_argument("--key", choices=["rsa", "ec"], default="ec")
    args = parser.parse_args()
    flask = shlex.split(args.flask)
    api = Api(args.base_url)
    failures = 0

    def expect(label: str, got: object, wanted: object) -> None:
        nonlocal failures
        ok = got == wanted
        failures += not ok
        print(f"{'ok ' if ok else 'FAIL'} {label}: {got}" + ("" if ok else f" (wanted {wanted})"))

    iin = iin_for(date(1988, 4, 12), male=False, serial=random.randrange(10000))
    subprocess.run([*flask, "registry", "add", "--iin", iin, "--surname", "Жақсыбекова", "--given-name", "Ляззат",
                    "--kato", args.kato], check=True)
    keys = Path(tempfile.mkdtemp(prefix="dauys-keys-"))
    subprocess.run([*flask, "eds", "issue", "--iin", iin, "--out", str(keys), "--key", args.key], check=True)
    auth_key, auth_cert = (keys / "auth.key.pem").read_bytes(), (keys / "auth.cert.pem").read_bytes()
    sign_key, sign_cert = (keys / "sign.key.pem").read_bytes(), (keys / "sign.cert.pem").read_bytes()

    status, ca_pem = api.call("GET", "/eds/ca")
    issuing = api.issuing_ca()
    chain = [der_b64(auth_cert), issuing]

    nonce = api.nonce()
    good = make_jws({"purpose": "auth", "nonce": nonce, "iat": int(time.time())}, auth_key, chain)
    status, body = api.call("POST", "/auth/token", {"jws": good})
    expect("token", (status, body.get("token_type")), (200, "Bearer"))
    status, me = api.call("GET", "/me", token=body.get("access_token"))
    expect("me", (status, me.get("display_name")), (200, "Ляззат Ж."))

    def code(jws: str) -> str:
        return api.call("POST", "/auth/token", {"jws": jws})[1].get("error", {}).get("code")

    expect("replayed nonce", code(good), "nonce_invalid")
    head, body_part, sig = make_jws({"purpose": "auth", "nonce": api.nonce(), "iat": int(time.time())}, auth_key, chain).split(".")
    none_header = b64url(json.dumps({"alg": "none", "x5c": chain}).encode())
    expect("alg none", code(f"{none_header}.{body_part}."), "invalid_signature")
    ca_public = x509.load_pem_x509_certificate(ca_pem).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    hs_header = b64url(json.dumps({"alg": "HS256", "x5c": chain}).encode())
    mac = hmac.new(ca_public, f"{hs_header}.{body_part}".encode(), hashlib.sha256).digest()
    expect("HS256 keyed with the CA public key", code(f"{hs_header}.{body_part}.{b64url(mac)}"), "invalid_signature")
    tampered = b64url(json.dumps({"purpose": "auth", "nonce": "other", "iat": int(time.time())}).encode())
    expect("tampered payload", code(f"{head}.{tampered}.{sig}"), "invalid_signature")
    no_chain = make_jws({"purpose": "auth", "nonce": api.nonce(), "iat": int(time.time())}, auth_key, [])
    expect("no x5c", code(no_chain), "untrusted_certificate")
    stale = make_jws({"purpose": "auth", "nonce": api.nonce(), "iat": int(time.time()) - 600}, auth_key, chain)
    expect("stale iat", code(stale), "stale_signature")
    wrong_key = make_jws({"purpose": "auth", "nonce": api.nonce(), "iat": int(time.time())}, sign_key,
                         [der_b64(sign_cert), issuing])
    expect("SIGN key used to log in", code(wrong_key), "wrong_key_usage")
    unknown = make_jws({"purpose": "auth", "nonce": "never-issued", "iat": int(time.time())}, auth_key, chain)
    expect("unknown nonce", code(unknown), "nonce_invalid")

    subprocess.run([*flask, "eds", "revoke", "--iin", iin], check=True)
    revoked = make_jws({"purpose": "auth", "nonce": api.nonce(), "iat": int(time.time())}, auth_key, chain)
    expect("revoked certificate", code(revoked), "certificate_revoked")
    print(f"{'all steps as API.md says' if not failures else f'{failures} step(s) off the contract'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
