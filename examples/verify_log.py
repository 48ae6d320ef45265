#!/usr/bin/env python3
"""The auditor's check of the Dauys public log, written from RFC 9162 and shared/API.md alone.

    python examples/verify_log.py --base-url https://dauys.example \
        --state ~/.dauys-log.json --root-sha256 <the root certificate's SHA-256, got out of band>

It imports nothing of Dauys: only the standard library and the `cryptography` package.

What it checks:
  1. the signed head: a compact JWS whose header is exactly {alg: RS256|ES256, x5c: [leaf, issuing CA]},
     x5c[1] the issuing CA the server publishes at /api/v1/eds/ca, the leaf issued by it and it by
     the root, each valid when the head was signed, the leaf a log certificate (its extended key
     usage is the log's, not a citizen's), the signature right, the payload {purpose: log.head,
     tree_size, root_hash, timestamp} equal to the head;
  2. every entry: its leaf hash is SHA-256(0x00 || entry), it is canonical JSON with exactly the keys
     of API.md and no personal data, and the Merkle tree hash (RFC 9162 §2.1.1) of all of them is
     the signed root. The inclusion proofs the server hands citizens (/log/proof) agree with it;
  3. with --state FILE: the head saved there by the last run and this one are consistent
     (RFC 9162 §2.1.4.2): the log only grew, nothing in it was rewritten. The new head is then saved;
  4. the published counts: for every petition, its signature count equals its `signature` entries,
     and for every budget cycle its ballot count its `ballot` entries. A live system moves while this
     runs, so the counts are read before and after the head: before <= entries <= after.

The root certificate comes from the server itself; on its own that proves only that the server is
self-consistent. Get the root's fingerprint from somewhere else (the operator's publication, a
previous run, another auditor) and pin it with --root-sha256: then a forged head cannot pass.

Exit status: 0 everything holds; 1 the log or a count is wrong (one line says what and where);
2 the server could not be read (network, timeout, a 5xx), the state file is unusable, or bad usage.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# The extended key usage of the log's certificate (auth/pki.py on the server says the same).
LOG_EKU = x509.ObjectIdentifier("1.3.6.1.4.1.61234.1.2")
PAGE = 1000  # API.md: /log/entries answers at most 1,000 entries
ENTRY_KEYS = {"kind", "subject", "at", "commitment", "receipt", "purpose", "region"}
KINDS = {"signature", "ballot", "act", "rating"}
SUBJECT_TYPES = {"petition", "cycle", "proposal"}
HASH_REF = re.compile(r"sha256:[0-9a-f]{64}")
HEX_ROOT = re.compile(r"[0-9a-f]{64}")
KATO = re.compile(r"[0-9]{9}")
TWELVE_DIGITS = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")  # what an IIN looks like
CLOCK_SKEW = timedelta(minutes=5)


class LogWrong(Exception):
    """The log, its head or a published count is not what it must be: exit 1."""


class Unreachable(Exception):
    """The server could not be read, or the local state is unusable: exit 2."""


# --- RFC 9162 §2.1: the Merkle tree --------------------------------------------------------------


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_hash(leaves: list[bytes], start: int = 0, end: int | None = None) -> bytes:
    """MTH(D[start:end]) (§2.1.1) from the leaf hashes: split at the largest power of two below n."""
    end = len(leaves) if end is None else end
    n = end - start
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[start]
    k = 1 << ((n - 1).bit_length() - 1)
    return node_hash(tree_hash(leaves, start, start + k), tree_hash(leaves, start + k, end))


def root_from_inclusion(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (§2.1.3.2), or None when the proof cannot be one."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def consistent(first: int, second: int, first_root: bytes, second_root: bytes, path: list[bytes]) -> bool:
    """Is the tree of size `first` a prefix of the tree of size `second`? (§2.1.4.2)"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path  # the empty tree is a prefix of every tree
    if not path:
        return False
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


# --- reading the server ---------------------------------------------------------------------------


class Server:
    def __init__(self, base_url: str, timeout: float = 30.0):
        self.base = base_url.rstrip("/")
        self.timeout = timeout

    def get(self, path: str, **query) -> tuple[bytes, dict]:
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        for attempt in range(5):
            request = urllib.request.Request(url, headers={"Accept": "application/json", "Accept-Language": "en"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read(), {k.lower(): v for k, v in response.headers.items()}
            except urllib.error.HTTPError as error:
                if error.code == 429 and attempt < 4:  # asked to slow down: wait as told, then again
                    time.sleep(min(float(error.headers.get("Retry-After") or 1), 30))
                    continue
                if error.code >= 500:
                    raise Unreachable(f"GET {path}: the server answered {error.code}") from None
                raise LogWrong(f"GET {path}: answered {error.code} {_error_code(error)}") from None
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                raise Unreachable(f"GET {url}: {getattr(error, 'reason', error)}") from None
        raise Unreachable(f"GET {path}: still 429 after 5 tries")

    def json(self, path: str, **query) -> tuple[object, dict]:
        body, headers = self.get("/api/v1" + path, **query)
        try:
            return json.loads(body), headers
        except ValueError:
            raise LogWrong(f"GET /api/v1{path}: the answer is not JSON") from None


def _error_code(error: urllib.error.HTTPError) -> str:
    try:
        return "(" + json.loads(error.read())["error"]["code"] + ")"
    except Exception:  # noqa: BLE001 - only for the message
        return ""


def b64url(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unhex(text: object, what: str) -> bytes:
    if not isinstance(text, str) or not HEX_ROOT.fullmatch(text):
        raise LogWrong(f"{what} is not 64 lower-case hex digits: {text!r}")
    return bytes.fromhex(text)


def instant(value: object, what: str) -> datetime:
    """An ISO 8601 instant with its offset, or unix seconds."""
    if isinstance(value, bool):
        raise LogWrong(f"{what} is not a time: {value!r}")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise LogWrong(f"{what} is not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise LogWrong(f"{what} has no time zone: {value!r}")
    return parsed.astimezone(UTC)


# --- the signed head ------------------------------------------------------------------------------


def load_ca(server: Server, root_pin: str | None) -> tuple[x509.Certificate, x509.Certificate]:
    pem, _ = server.get("/api/v1/eds/ca")
    try:
        certs = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise LogWrong("GET /api/v1/eds/ca: not PEM certificates") from None
    if len(certs) != 2:
        raise LogWrong(f"GET /api/v1/eds/ca: {len(certs)} certificates, not the issuing CA and the root")
    issuing, root = certs
    fingerprint = hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest()
    if root_pin is not None and fingerprint != root_pin:
        raise LogWrong(f"the root certificate is not the pinned one: its SHA-256 is {fingerprint}")
    for cert, issuer, name in ((root, root, "the root"), (issuing, root, "the issuing CA")):
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            raise LogWrong(f"{name} certificate is not signed by the root") from None
        if not _is_ca(cert):
            raise LogWrong(f"{name} certificate is not a CA")
    return issuing, root


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False


def check_head(head: object, issuing: x509.Certificate, root: x509.Certificate) -> dict:
    """The head as API.md has it, its JWS signed by a log certificate of this CA over the same figures."""
    if not isinstance(head, dict) or set(head) != {"tree_size", "root_hash", "timestamp", "jws"}:
        raise LogWrong(f"the head is not {{tree_size, root_hash, timestamp, jws}}: {head!r}")
    size, root_hash = head["tree_size"], head["root_hash"]
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise LogWrong(f"the head's tree_size is not a count: {size!r}")
    unhex(root_hash, "the head's root_hash")
    signed_at = instant(head["timestamp"], "the head's timestamp")
    if signed_at > datetime.now(UTC) + CLOCK_SKEW:
        raise LogWrong(f"the head is signed in the future: {head['timestamp']}")

    jws = head["jws"]
    parts = jws.split(".") if isinstance(jws, str) else []
    try:
        if len(parts) != 3:
            raise ValueError("not three parts")
        header, payload, signature = json.loads(b64url(parts[0])), json.loads(b64url(parts[1])), b64url(parts[2])
    except ValueError as error:
        raise LogWrong(f"the head's jws is not a compact JWS: {error}") from None
    if not isinstance(header, dict) or set(header) != {"alg", "x5c"} or header["alg"] not in ("RS256", "ES256"):
        raise LogWrong(f"the head's JWS header is not exactly {{alg: RS256|ES256, x5c}}: {header!r}")
    x5c = header["x5c"]
    if not isinstance(x5c, list) or len(x5c) != 2 or not all(isinstance(c, str) for c in x5c):
        raise LogWrong("the head's x5c is not [leaf, issuing CA]")
    try:
        leaf, second = (x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c)
    except (ValueError, binascii.Error):
        raise LogWrong("the head's x5c holds something that is not a certificate") from None
    if second.public_bytes(Encoding.DER) != issuing.public_bytes(Encoding.DER):
        raise LogWrong("the head's x5c[1] is not the issuing CA published at /api/v1/eds/ca")
    try:
        leaf.verify_directly_issued_by(issuing)
    except (ValueError, TypeError, InvalidSignature):
        raise LogWrong("the head's certificate is not issued by the issuing CA") from None
    check_log_certificate(leaf)
    for cert, name in ((leaf, "the log's certificate"), (issuing, "the issuing CA"), (root, "the root")):
        if not cert.not_valid_before_utc <= signed_at <= cert.not_valid_after_utc:
            raise LogWrong(f"{name} was not valid when the head was signed ({head['timestamp']})")

    key, signing_input = leaf.public_key(), f"{parts[0]}.{parts[1]}".encode()
    try:
        if header["alg"] == "ES256":
            if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1" or len(signature) != 64:
                raise InvalidSignature
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        else:
            if not isinstance(key, rsa.RSAPublicKey):
                raise InvalidSignature
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise LogWrong("the head's JWS signature does not verify with its certificate") from None

    if not isinstance(payload, dict) or not {"purpose", "tree_size", "root_hash", "timestamp"} <= set(payload) or (
        set(payload) - {"purpose", "tree_size", "root_hash", "timestamp", "iat"}
    ):
        raise LogWrong(f"the head's JWS payload is not {{purpose, tree_size, root_hash, timestamp}}: {payload!r}")
    if payload["purpose"] != "log.head":
        raise LogWrong(f"the head's JWS is for {payload['purpose']!r}, not log.head")
    for key_name in ("tree_size", "root_hash", "timestamp"):
        if payload[key_name] != head[key_name]:
            raise LogWrong(f"the head says {key_name} {head[key_name]!r} but its JWS signs {payload[key_name]!r}")
    return {"tree_size": size, "root_hash": root_hash, "timestamp": head["timestamp"], "signed_at": signed_at,
            "certificate": leaf}


def check_log_certificate(leaf: x509.Certificate) -> None:
    """A log certificate: not a CA, for the log's extended key usage, not a person's (no IIN, no clientAuth)."""
    if _is_ca(leaf):
        raise LogWrong("the head's certificate is a CA certificate")
    try:
        usages = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        usages = set()
    if LOG_EKU not in usages or ExtendedKeyUsageOID.CLIENT_AUTH in usages:
        raise LogWrong("the head's certificate is not a log certificate (its extended key usage is not the log's)")
    serials = leaf.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if serials or TWELVE_DIGITS.search(leaf.subject.rfc4514_string()):
        raise LogWrong("the head's certificate names a person (a serial number / IIN in its subject)")


# --- the entries ----------------------------------------------------------------------------------


def check_entry(index: int, text: object, leaf_hex: object, signed_at: datetime) -> dict:
    """One entry: its leaf hash, canonical JSON with API.md's keys and values, nothing personal."""
    where = f"entry {index}"
    if not isinstance(text, str):
        raise LogWrong(f"{where}: not a JSON string")
    raw = text.encode("utf-8")
    if unhex(leaf_hex, f"{where}'s leaf_hash") != leaf_hash(raw):
        raise LogWrong(f"{where}: leaf_hash is not SHA-256(0x00 || entry)")

    def no_duplicates(pairs):
        keys = [k for k, _ in pairs]
        if len(keys) != len(set(keys)):
            raise LogWrong(f"{where}: a key appears twice")
        return dict(pairs)

    try:
        entry = json.loads(text, object_pairs_hook=no_duplicates)
    except ValueError:
        raise LogWrong(f"{where}: not JSON") from None
    # Personal data first, so that no message below repeats it: nothing but the two digests may hold
    # a run of 12 digits (what an IIN looks like).
    rest = {k: v for k, v in entry.items() if k not in ("commitment", "receipt")} if isinstance(entry, dict) else entry
    if TWELVE_DIGITS.search(json.dumps(rest, ensure_ascii=False)):
        raise LogWrong(f"{where}: holds a 12-digit number (what an IIN looks like)")
    canonical = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if canonical != text:
        raise LogWrong(f"{where}: not canonical JSON (sorted keys, no spaces, UTF-8)")
    if not isinstance(entry, dict) or set(entry) != ENTRY_KEYS:
        raise LogWrong(f"{where}: its keys are not exactly {sorted(ENTRY_KEYS)}")
    kind, subject, purpose, region = entry["kind"], entry["subject"], entry["purpose"], entry["region"]
    if kind not in KINDS:
        raise LogWrong(f"{where}: kind {kind!r} is not one of {sorted(KINDS)}")
    if (
        not isinstance(subject, dict) or set(subject) != {"type", "id"} or subject["type"] not in SUBJECT_TYPES
        or not isinstance(subject["id"], int) or isinstance(subject["id"], bool)
    ):
        raise LogWrong(f"{where}: subject is not {{type: petition|cycle|proposal, id: ID}}: {subject!r}")
    if (kind == "signature" and subject["type"] != "petition") or (kind == "ballot" and subject["type"] != "cycle"):
        raise LogWrong(f"{where}: a {kind} about a {subject['type']}")
    at = instant(entry["at"], f"{where}'s at")
    if not str(entry["at"]).endswith(("Z", "+00:00")):
        raise LogWrong(f"{where}: at is not given in UTC: {entry['at']!r}")
    if at > signed_at + CLOCK_SKEW:
        raise LogWrong(f"{where}: accepted at {entry['at']}, after the head that holds it was signed")
    if not isinstance(entry["commitment"], str) or not HASH_REF.fullmatch(entry["commitment"]):
        raise LogWrong(f"{where}: commitment is not sha256:<64 hex>")
    if entry["receipt"] is not None and (not isinstance(entry["receipt"], str) or not HASH_REF.fullmatch(entry["receipt"])):
        raise LogWrong(f"{where}: receipt is neither sha256:<64 hex> nor null")
    if not isinstance(purpose, str) or not re.fullmatch(r"[a-z_]+(\.[a-z_]+)+", purpose):
        raise LogWrong(f"{where}: purpose {purpose!r} is not a JWS purpose")
    if kind == "signature" and not (isinstance(region, str) and KATO.fullmatch(region)):
        raise LogWrong(f"{where}: a signature's region is not a KATO code: {region!r}")
    if kind != "signature" and region is not None:
        raise LogWrong(f"{where}: region {region!r} on a {kind} (only signatures carry one)")
    return entry


class Log:
    """The entries read so far, checked one by one, with their leaf hashes."""

    def __init__(self, server: Server):
        self.server = server
        self.entries: list[dict] = []
        self.leaves: list[bytes] = []
        self.commitments: set[str] = set()
        self.receipts: set[str] = set()

    def read_to(self, size: int, signed_at: datetime) -> None:
        while len(self.entries) < size:
            start = len(self.entries)
            end = min(start + PAGE, size)
            body, _ = self.server.json("/log/entries", start=start, end=end)
            rows = body.get("entries") if isinstance(body, dict) else None
            if not isinstance(rows, list) or not rows or len(rows) > end - start:
                raise LogWrong(f"GET /log/entries?start={start}&end={end}: no entries, or more than asked")
            for row in rows:
                index = len(self.entries)
                if not isinstance(row, dict) or set(row) != {"index", "entry", "leaf_hash"} or row["index"] != index:
                    raise LogWrong(f"entry {index}: /log/entries gave {row!r} in its place")
                entry = check_entry(index, row["entry"], row["leaf_hash"], signed_at)
                if entry["commitment"] in self.commitments:
                    raise LogWrong(f"entry {index}: the same signed JWS (commitment) is in the log twice")
                if entry["receipt"] is not None and entry["receipt"] in self.receipts:
                    raise LogWrong(f"entry {index}: the same receipt is in the log twice")
                self.commitments.add(entry["commitment"])
                if entry["receipt"] is not None:
                    self.receipts.add(entry["receipt"])
                self.entries.append({**entry, "_text": row["entry"]})
                self.leaves.append(leaf_hash(row["entry"].encode("utf-8")))

    def check_root(self, head: dict) -> None:
        if tree_hash(self.leaves, 0, head["tree_size"]).hex() != head["root_hash"]:
            raise LogWrong(
                f"the Merkle root of entries 0..{head['tree_size'] - 1} is not the signed root {head['root_hash']}"
            )

    def check_proofs(self, head: dict) -> int:
        """The server's inclusion proof (what /verify shows citizens) for the first and the last receipt."""
        with_receipt = [i for i, e in enumerate(self.entries[: head["tree_size"]]) if e["receipt"] is not None]
        checked = 0
        for index in sorted({*with_receipt[:1], *with_receipt[-1:]}):
            receipt = self.entries[index]["receipt"]
            proof, _ = self.server.json("/log/proof", receipt=receipt, tree_size=head["tree_size"])
            where = f"GET /log/proof?receipt={receipt}"
            if not isinstance(proof, dict) or proof.get("index") != index or proof.get("tree_size") != head["tree_size"]:
                raise LogWrong(f"{where}: not entry {index} in the tree of size {head['tree_size']}")
            if proof.get("entry") != self.entries[index]["_text"]:
                raise LogWrong(f"{where}: the entry it shows is not entry {index} of /log/entries")
            path = proof.get("audit_path")
            if not isinstance(path, list):
                raise LogWrong(f"{where}: no audit_path")
            root = root_from_inclusion(index, head["tree_size"], self.leaves[index], [unhex(p, where) for p in path])
            if root is None or root.hex() != head["root_hash"]:
                raise LogWrong(f"{where}: the audit path does not lead to the signed root")
            checked += 1
        return checked

    def counted(self, size: int) -> tuple[dict[int, int], dict[int, int]]:
        """Signature entries per petition and ballot entries per cycle, in the tree of `size`."""
        petitions: dict[int, int] = {}
        cycles: dict[int, int] = {}
        for entry in self.entries[:size]:
            if entry["kind"] == "signature":
                petitions[entry["subject"]["id"]] = petitions.get(entry["subject"]["id"], 0) + 1
            elif entry["kind"] == "ballot":
                cycles[entry["subject"]["id"]] = cycles.get(entry["subject"]["id"], 0) + 1
        return petitions, cycles


def check_consistency(server: Server, log: Log, old: dict, new: dict, what: str) -> None:
    """`old` (size, root) is a prefix of `new`, proven by the server's consistency proof (§2.1.4.2)."""
    first, second = old["tree_size"], new["tree_size"]
    old_root, new_root = bytes.fromhex(old["root_hash"]), bytes.fromhex(new["root_hash"])
    if first > second:
        raise LogWrong(f"{what}: the log shrank from {first} to {second} entries")
    if first == second:
        if old_root != new_root:
            raise LogWrong(f"{what}: the tree of {first} entries has another root now ({new['root_hash']})")
        return
    if first == 0:
        return
    body, _ = server.json("/log/consistency", first=first, second=second)
    path = body.get("consistency") if isinstance(body, dict) else None
    if not isinstance(path, list) or body.get("first") != first or body.get("second") != second:
        raise LogWrong(f"GET /log/consistency?first={first}&second={second}: not a consistency proof")
    hashes_ = [unhex(p, "a consistency proof hash") for p in path]
    if not consistent(first, second, old_root, new_root, hashes_):
        raise LogWrong(f"{what}: the head of {first} entries is not a prefix of the head of {second}: history was rewritten")
    if tree_hash(log.leaves, 0, first) != old_root:
        raise LogWrong(f"{what}: entries 0..{first - 1} no longer hash to the root of {first} entries")


# --- the published counts -------------------------------------------------------------------------


def read_counts(server: Server, petition_ids: set[int], cycle_ids: set[int]) -> tuple[dict, dict, float]:
    """Every public petition's signature_count (all pages), those of `petition_ids` besides (restricted
    or lapsed ones are reachable by id, not listed), every cycle's ballots; and the count's max-age."""
    petitions: dict[int, int] = {}
    page, pages = 1, 1
    while page <= pages:
        body, _ = server.json("/petitions", page=page)
        try:
            pages = int(body["pages"])
            items = body["items"]
            for item in items:
                petitions[int(item["id"])] = int(item["signature_count"])
        except (KeyError, TypeError, ValueError):
            raise LogWrong(f"GET /petitions?page={page}: not a page of petitions") from None
        page += 1
    for petition_id in sorted(petition_ids - set(petitions)):
        try:
            body, _ = server.json(f"/petitions/{petition_id}")
        except LogWrong:
            raise LogWrong(f"petition {petition_id}: the log holds its signatures but the server does not show it") from None
        petitions[petition_id] = int(body["signature_count"])
    body, _ = server.json("/budget/cycles")
    cycles: dict[int, int] = {}
    try:
        for item in body["items"]:
            if "ballots" not in item:
                raise LogWrong(f"budget cycle {item['id']}: its JSON publishes no ballot count")
            cycles[int(item["id"])] = int(item["ballots"])
    except (KeyError, TypeError, ValueError):
        raise LogWrong("GET /budget/cycles: not a list of cycles") from None
    for cycle_id in sorted(cycle_ids - set(cycles)):
        raise LogWrong(f"budget cycle {cycle_id}: the log holds its ballots but the server does not list it")
    max_age = 0.0
    if petitions:
        _, headers = server.get(f"/api/v1/petitions/{min(petitions)}/count")
        found = re.search(r"max-age=(\d+)", headers.get("cache-control", ""))
        max_age = float(found.group(1)) if found else 0.0
    return petitions, cycles, max_age


def compare(before: dict, logged: dict, after: dict, what: str) -> None:
    for subject in sorted(set(before) | set(logged) | set(after)):
        low, n, high = before.get(subject, 0), logged.get(subject, 0), after.get(subject)
        if high is None:
            raise LogWrong(f"{what} {subject}: {n} in the log, but it is gone from the server")
        if not low <= n <= high:
            raise LogWrong(
                f"{what} {subject}: the log holds {n} but the server published {low} before the head and {high} after it"
            )


def lower_bounds_hold(before: tuple[dict, dict], log: Log, size: int) -> bool:
    petitions, cycles = log.counted(size)
    return all(n <= petitions.get(i, 0) for i, n in before[0].items()) and all(
        n <= cycles.get(i, 0) for i, n in before[1].items()
    )


# --- the run --------------------------------------------------------------------------------------


def load_state(path: str | None, base_url: str) -> dict | None:
    if not path or not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as file:
            state = json.load(file)
        if state.get("base_url", base_url) != base_url:
            raise Unreachable(f"{path} holds the head of {state['base_url']}, not of {base_url}")
        unhex(state["root_hash"], f"{path}'s root_hash")
        if not isinstance(state["tree_size"], int) or state["tree_size"] < 0:
            raise ValueError
        return state
    except (OSError, ValueError, KeyError, TypeError, AttributeError, LogWrong):
        raise Unreachable(f"{path}: not a head saved by this tool") from None


def save_state(path: str, base_url: str, head: dict) -> None:
    state = {"base_url": base_url, "tree_size": head["tree_size"], "root_hash": head["root_hash"],
             "timestamp": head["timestamp"]}
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        json.dump(state, file, indent=1)
    os.replace(temporary, path)


def verify(args: argparse.Namespace, say) -> None:
    server = Server(args.base_url, args.timeout)
    pin = args.root_sha256.replace(":", "").lower() if args.root_sha256 else None
    issuing, root = load_ca(server, pin)
    fingerprint = hashlib.sha256(root.public_bytes(Encoding.DER)).hexdigest()
    say(f"root certificate: {root.subject.rfc4514_string()}, SHA-256 {fingerprint}"
        + (" (pinned)" if pin else " (not pinned: give --root-sha256 to pin it)"))
    state = load_state(args.state, args.base_url)

    def fetch_head() -> dict:
        body, _ = server.json("/log/head")
        return check_head(body, issuing, root)

    log = Log(server)
    head = fetch_head()
    log.read_to(head["tree_size"], head["signed_at"])
    log.check_root(head)
    if state is not None:
        check_consistency(server, log, state, head, f"since the last run ({args.state})")

    # Counts before the head we judge them by; then a head that has taken them in.
    petitions_logged, cycles_logged = log.counted(head["tree_size"])
    before = read_counts(server, set(petitions_logged), set(cycles_logged))
    counted_at = time.monotonic()
    deadline = counted_at + args.head_seconds + args.margin
    while True:
        newer = fetch_head()
        head_fetched_at = time.monotonic()
        if newer["tree_size"] != head["tree_size"] or newer["root_hash"] != head["root_hash"]:
            log.read_to(newer["tree_size"], newer["signed_at"])
            check_consistency(server, log, head, newer, "between two heads of this run")
            log.check_root(newer)
            head = newer
        if lower_bounds_hold(before[:2], log, head["tree_size"]) or time.monotonic() >= deadline:
            break
        say("waiting for the log to take in what was counted …")
        time.sleep(1)
    proofs = log.check_proofs(head)
    if args.state:
        save_state(args.state, args.base_url, head)

    # Counts after it, read when the count's cache cannot be older than the head.
    time.sleep(max(0.0, head_fetched_at + before[2] + 0.5 - time.monotonic()))
    petitions_logged, cycles_logged = log.counted(head["tree_size"])
    after = read_counts(server, set(petitions_logged) | set(before[0]), set(cycles_logged))
    compare(before[0], petitions_logged, after[0], "petition")
    compare(before[1], cycles_logged, after[1], "budget cycle")

    kinds: dict[str, int] = {}
    for entry in log.entries[: head["tree_size"]]:
        kinds[entry["kind"]] = kinds.get(entry["kind"], 0) + 1
    say(f"signed head: {head['tree_size']} entries, root {head['root_hash']}, signed {head['timestamp']}")
    say(f"  by {head['certificate'].subject.rfc4514_string()}, issued by {issuing.subject.rfc4514_string()}")
    say("entries: " + (", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none")
        + "; each hashed, canonical, without personal data; the root recomputed")
    say(f"inclusion proofs of /log/proof checked: {proofs}")
    if state is not None:
        say(f"consistent with the head of {state['tree_size']} entries saved in {args.state}")
    say(f"counts: {len(after[0])} petitions and {len(after[1])} budget cycles agree with the log")
    say("OK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the Dauys public log: head, entries, consistency, counts.")
    parser.add_argument("--base-url", required=True, help="the Dauys server, e.g. https://dauys.example")
    parser.add_argument("--state", help="a file keeping the last head checked: this run proves the log only grew")
    parser.add_argument("--root-sha256", help="the SHA-256 (hex) of the root certificate's DER, got out of band")
    parser.add_argument("--head-seconds", type=float, default=10.0,
                        help="the server's DAUYS_LOG_HEAD_SECONDS: how long an accepted entry may wait for a head")
    parser.add_argument("--margin", type=float, default=2.0, help="seconds to wait beyond --head-seconds")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds for one HTTP request")
    parser.add_argument("--quiet", action="store_true", help="print only the verdict")
    args = parser.parse_args(argv)
    if args.root_sha256 and not re.fullmatch(r"[0-9a-f]{64}", args.root_sha256.replace(":", "").lower()):
        parser.error("--root-sha256 is 64 hex digits")

    def say(line: str) -> None:
        if not args.quiet or line == "OK":
            print(line, flush=True)

    try:
        verify(args, say)
    except LogWrong as failure:
        print(f"FAIL: {failure}", flush=True)
        return 1
    except Unreachable as failure:
        print(f"ERROR: {failure}", file=sys.stderr, flush=True)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
