/* The citizen's check of a receipt, on /verify: everything that proves something is computed here,
   in the browser, with WebCrypto, from what the public log API answers (API.md, "The public log"):

   1. the receipt's hash, "sha256:" + hex SHA-256 of the receipt (UTF-8), and the entry the log gives
      for it must carry exactly that hash;
   2. the entry's leaf hash SHA-256(0x00 || entry) and, with the audit path, the root of the tree
      (RFC 9162 §2.1.3.2), which must be the root of the signed head;
   3. the head's JWS: header exactly {alg: RS256|ES256, x5c: [leaf, issuing CA]}, x5c[1] the issuing
      CA the server publishes at /api/v1/eds/ca, the payload the head's own figures, and the
      signature verified with the public key of the leaf certificate.

   Not done here: the leaf -> issuing CA -> root chain and the leaf's extended key usage; the
   auditor's tool (examples/verify_log.py) checks those, the whole log and every count. */

const utf8 = new TextEncoder();

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  if (typeof text !== "string" || !/^([0-9a-f]{2})*$/.test(text)) throw new Error("not hex");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
  return out;
}

function fromBase64(text, url) {
  if (url) {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
    text = text.replace(/-/g, "+").replace(/_/g, "/");
    text += "=".repeat((4 - (text.length % 4)) % 4);
  }
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function same(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

// --- RFC 9162 §2.1 ---------------------------------------------------------------------------

export function leafHash(entry) {
  return sha256(concat(Uint8Array.of(0), entry));
}

export function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/* The root an inclusion proof leads to (§2.1.3.2), or null when it cannot be a proof. Halving by
   Math.floor, not >>, so that indices past 2^31 stay right. */
export async function rootFromInclusion(index, size, leaf, path) {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  let fn = index, sn = size - 1, r = leaf;
  const half = () => { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); };
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) half();
    } else {
      r = await nodeHash(r, p);
    }
    half();
  }
  return sn === 0 ? r : null;
}

export async function receiptHash(receipt) {
  const given = receipt.trim();
  if (/^sha256:[0-9a-f]{64}$/.test(given)) return given;
  return "sha256:" + toHex(await sha256(utf8.encode(given)));
}

// --- a minimal DER walker: enough of an X.509 certificate for its key, names and dates -------

function tlv(der, at) {
  if (at + 2 > der.length) throw new Error("DER: truncated");
  const tag = der[at];
  let length = der[at + 1], head = 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count < 1 || count > 4) throw new Error("DER: length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[at + 2 + i];
    head += count;
  }
  const start = at + head, end = start + length;
  if (end > der.length) throw new Error("DER: truncated");
  return { tag, at, start, end };
}

function children(der, node) {
  const out = [];
  for (let at = node.start; at < node.end;) {
    const child = tlv(der, at);
    out.push(child);
    at = child.end;
  }
  return out;
}

const COMMON_NAME = [0x55, 0x04, 0x03]; // 2.5.4.3

function commonName(der, name) {
  for (const set of children(der, name)) {
    for (const pair of children(der, set)) {
      const [oid, value] = children(der, pair);
      if (same(der.subarray(oid.start, oid.end), COMMON_NAME)) {
        return new TextDecoder().decode(der.subarray(value.start, value.end));
      }
    }
  }
  return "";
}

function derTime(der, node) {
  const text = new TextDecoder().decode(der.subarray(node.start, node.end));
  const m = /^(\d{2}|\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (!m) throw new Error("DER: time");
  let year = Number(m[1]);
  if (m[1].length === 2) year += year < 50 ? 2000 : 1900; // UTCTime (RFC 5280 §4.1.2.5.1)
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

/* Certificate ::= SEQUENCE { tbsCertificate, … }; tbsCertificate ::= SEQUENCE { [0] version,
   serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, … } (RFC 5280 §4.1). */
export function readCertificate(der) {
  const certificate = tlv(der, 0);
  if (certificate.tag !== 0x30 || certificate.end !== der.length) throw new Error("not a certificate");
  const [tbs] = children(der, certificate);
  const fields = children(der, tbs);
  const first = fields[0].tag === 0xa0 ? 1 : 0;
  const [, , issuer, validity, subject, spki] = fields.slice(first);
  const [notBefore, notAfter] = children(der, validity);
  return {
    issuer: commonName(der, issuer),
    subject: commonName(der, subject),
    notBefore: derTime(der, notBefore),
    notAfter: derTime(der, notAfter),
    spki: der.slice(spki.at, spki.end),
  };
}

export function pemCertificates(pem) {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) || [];
  return blocks.map((block) => fromBase64(block.replace(/-----[A-Z ]+-----|\s/g, ""), false));
}

// --- the signed head ---------------------------------------------------------------------------

const ALGORITHMS = {
  ES256: { key: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
  RS256: { key: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
};

class Refused extends Error {
  constructor(reason, detail) { super(detail || reason); this.reason = reason; }
}

/* The head's JWS, checked as the header above says; returns the leaf certificate's names. */
export async function verifyHead(head, issuingDer) {
  const parts = typeof head.jws === "string" ? head.jws.split(".") : [];
  if (parts.length !== 3) throw new Refused("head", "not a compact JWS");
  let header, payload, signature;
  try {
    header = JSON.parse(new TextDecoder().decode(fromBase64(parts[0], true)));
    payload = JSON.parse(new TextDecoder().decode(fromBase64(parts[1], true)));
    signature = fromBase64(parts[2], true);
  } catch (e) {
    throw new Refused("head", "not a compact JWS");
  }
  const keys = header && typeof header === "object" ? Object.keys(header).sort().join(",") : "";
  if (keys !== "alg,x5c" || !ALGORITHMS[header.alg]) throw new Refused("head", "header");
  const x5c = header.x5c;
  if (!Array.isArray(x5c) || x5c.length !== 2) throw new Refused("head", "x5c");
  let leafDer, leaf;
  try {
    leafDer = fromBase64(x5c[0], false);
    if (!same(fromBase64(x5c[1], false), issuingDer)) throw new Error("x5c[1]");
    leaf = readCertificate(leafDer);
  } catch (e) {
    throw new Refused("head", "x5c[1] is not the published issuing CA");
  }
  if (!payload || payload.purpose !== "log.head" || payload.tree_size !== head.tree_size
      || payload.root_hash !== head.root_hash || payload.timestamp !== head.timestamp) {
    throw new Refused("head", "payload");
  }
  const signedAt = Date.parse(head.timestamp);
  if (!(leaf.notBefore <= signedAt && signedAt <= leaf.notAfter)) throw new Refused("head", "validity");
  const alg = ALGORITHMS[header.alg];
  let ok = false;
  try {
    const key = await crypto.subtle.importKey("spki", leaf.spki, alg.key, false, ["verify"]);
    ok = await crypto.subtle.verify(alg.verify, key, signature, utf8.encode(parts[0] + "." + parts[1]));
  } catch (e) {
    ok = false;
  }
  if (!ok) throw new Refused("head", "signature");
  return { subject: leaf.subject, issuer: leaf.issuer };
}

// --- the whole check -----------------------------------------------------------------------------

async function fetchJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
  } catch (e) {
    throw new Refused("network");
  }
  if (response.status === 404) throw new Refused("not_found");
  if (!response.ok) throw new Refused("network");
  try {
    return await response.json();
  } catch (e) {
    throw new Refused("proof", "not JSON");
  }
}

/* Check one receipt against the log at `api` (…/api/v1); resolves to what was proven, or rejects
   with a Refused whose reason is not_found, network, entry, proof or head. */
export async function checkReceipt(receipt, api) {
  const wanted = await receiptHash(receipt);
  const head = await fetchJson(api + "/log/head");
  const proof = await fetchJson(api + "/log/proof?receipt=" + encodeURIComponent(wanted)
    + "&tree_size=" + encodeURIComponent(head.tree_size));
  let entry;
  try {
    entry = JSON.parse(proof.entry);
  } catch (e) {
    throw new Refused("entry");
  }
  if (!entry || entry.receipt !== wanted) throw new Refused("entry");
  let path;
  try {
    path = proof.audit_path.map(fromHex);
  } catch (e) {
    throw new Refused("proof");
  }
  if (proof.tree_size !== head.tree_size || typeof proof.entry !== "string") throw new Refused("proof");
  const root = await rootFromInclusion(proof.index, proof.tree_size, await leafHash(utf8.encode(proof.entry)), path);
  if (root === null || toHex(root) !== head.root_hash) throw new Refused("proof");
  let issuing;
  try {
    const response = await fetch(api + "/eds/ca", { cache: "no-store" });
    if (!response.ok) throw new Error("ca");
    [issuing] = pemCertificates(await response.text());
  } catch (e) {
    throw new Refused("network");
  }
  if (!issuing) throw new Refused("head");
  const signer = await verifyHead(head, issuing);
  return { entry, index: proof.index, size: head.tree_size, timestamp: head.timestamp, signer };
}

// --- the page ------------------------------------------------------------------------------------

function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name]);
}

function paragraph(text) {
  const p = document.createElement("p");
  p.textContent = text;
  return p;
}

function show(box, kind, title, lines) {
  box.textContent = "";
  box.className = "verify-result verify-" + kind;
  const heading = document.createElement("h2");
  heading.id = "verify-result-title";
  heading.textContent = title;
  box.appendChild(heading);
  for (const line of lines) box.appendChild(paragraph(line));
  box.hidden = false;
}

/* The head's time in Kazakhstan, in the page's language: the digits from Intl (every browser has
   them for any time zone), the month's name and the order from the server (Babel), since browsers
   lack Kazakh dates. */
function headTime(timestamp, msg) {
  const parts = {};
  const digits = new Intl.DateTimeFormat("en-GB", {
    timeZone: msg.timeZone, year: "numeric", month: "numeric", day: "numeric",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  for (const part of digits.formatToParts(new Date(timestamp))) parts[part.type] = part.value;
  const months = JSON.parse(msg.months);
  return fill(msg.timePattern, {
    year: parts.year, month: months[Number(parts.month) - 1], day: Number(parts.day),
    time: parts.hour + ":" + parts.minute + ":" + parts.second,
  });
}

async function run(box, receipt) {
  const msg = box.dataset;
  if (!window.crypto || !crypto.subtle) {
    show(box, "fail", msg.msgFailTitle, [msg.msgNoCrypto]);
    return;
  }
  show(box, "checking", msg.msgChecking, []);
  try {
    const proven = await checkReceipt(receipt, msg.api);
    const when = headTime(proven.timestamp, msg);
    show(box, "ok", msg.msgOkTitle, [
      fill(msg.msgOkPosition, { position: DauysNumbers.number(proven.index + 1), size: DauysNumbers.number(proven.size) }),
      fill(msg.msgOkHead, { time: when }),
      fill(msg.msgOkSigner, { subject: proven.signer.subject, issuer: proven.signer.issuer }),
      msg.msgOkChain,
    ]);
  } catch (e) {
    const reason = e instanceof Refused ? e.reason : "proof";
    if (reason === "not_found") show(box, "wait", msg.msgWaitTitle, [msg.msgNotFound]);
    else {
      const text = { network: msg.msgNetwork, entry: msg.msgWrongEntry, head: msg.msgBadHead }[reason] || msg.msgBadProof;
      show(box, "fail", msg.msgFailTitle, [text]);
    }
  }
  box.focus();
}

const box = document.getElementById("verify-result");
const field = document.getElementById("receipt");
if (box && field && box.dataset.autorun === "1" && field.value.trim()) run(box, field.value);
