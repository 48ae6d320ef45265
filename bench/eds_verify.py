"""EDS verifications per second in one process, against the bare JWS check of the same tokens.

    .venv/bin/python bench/eds_verify.py [--signers 2000]

Every token comes from a different signer (as on a national petition), so the
per-leaf cache never helps: each verification parses a certificate, checks it
against the issuing CA, verifies the JWS and checks usage and time. `full`
adds what the HTTP path adds: the revocation and registry look-ups in the
database (SQLite file here). `bare` is python-jose verifying the same token
with the leaf's public key already parsed: the floor no EDS check can beat.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--signers", type=int, default=2000)
    parser.add_argument("--rsa-signers", type=int, default=300)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dauys-bench-"))
    os.environ["DAUYS_INSTANCE_PATH"] = str(tmp / "instance")

    from cryptography import x509
    from flask_migrate import upgrade
    from jose import jwk, jws

    from auth import eds, services
    from auth.instance_ca import certification_authority
    from demo.people import synthetic_adults
    from extensions import db
    from factory import create_app
    from kernel.territories import Territory
    from tests.conftest import pem_to_b64_der, sign_jws

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite3'}", "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        db.session.add(Territory(kato="710000000", name_kk="Астана", name_ru="Астана", level="city"))
        db.session.commit()
        issuing = pem_to_b64_der(certification_authority().chain_pem().split(b"-----END CERTIFICATE-----")[0] + b"-----END CERTIFICATE-----\n")
        now = datetime.now(UTC)
        print(f"issuing keys for {args.signers} EC and {args.rsa_signers} RSA signers ...", flush=True)
        batches = {}
        taken: set[str] = set()
        for key_type, count in (("ec", args.signers), ("rsa", args.rsa_signers)):
            tokens = []
            people = [p for batch in synthetic_adults(count, "710000000", taken, date.today()) for p in batch]
            for fields in people:
                person = services.add_person(**fields)
                keys = services.issue_key_set(person, key_type, now)
                alg = "ES256" if key_type == "ec" else "RS256"
                payload = {"purpose": "petition.sign", "iat": int(time.time()), "doc": {"type": "petition", "id": 1}}
                token = sign_jws(payload, keys.sign.key_pem, {"x5c": [pem_to_b64_der(keys.sign.cert_pem), issuing]}, alg)
                leaf_key = jwk.construct(x509.load_pem_x509_certificate(keys.sign.cert_pem).public_key(), alg)
                tokens.append((token, leaf_key, alg))
            db.session.commit()
            batches[alg] = tokens

        trust = eds.trust_store()
        skew = app.config["EDS_MAX_CLOCK_SKEW_SECONDS"]
        print(f"{'alg':<6}{'bare jose/s':>14}{'check_token/s':>16}{'full verify/s':>16}{'check/bare':>12}{'full/bare':>11}")
        for alg, tokens in batches.items():
            start = time.perf_counter()
            for token, leaf_key, _ in tokens:
                jws.verify(token, leaf_key, algorithms=[alg])
            bare = len(tokens) / (time.perf_counter() - start)

            eds._leaf.cache_clear()
            start = time.perf_counter()
            for token, _, _ in tokens:
                eds.check_token(token, "petition.sign", datetime.now(UTC), trust, skew)
            check = len(tokens) / (time.perf_counter() - start)

            eds._leaf.cache_clear()
            start = time.perf_counter()
            for token, _, _ in tokens:
                eds.verify(token, "petition.sign", datetime.now(UTC))
            full = len(tokens) / (time.perf_counter() - start)
            db.session.rollback()
            print(f"{alg:<6}{bare:>14,.0f}{check:>16,.0f}{full:>16,.0f}{check / bare:>12.2f}{full / bare:>11.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
