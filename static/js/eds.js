/* The WebCrypto signer: makes a compact JWS (RS256 or ES256, x5c chain) from a PEM key
   file the citizen picks. The private key is imported as non-extractable and never sent. */
(function (global) {
  "use strict";

  function pemBlocks(text, label) {
    var re = new RegExp("-----BEGIN " + label + "-----([\\s\\S]*?)-----END " + label + "-----", "g");
    var blocks = [], m;
    while ((m = re.exec(text)) !== null) blocks.push(m[1].replace(/\s+/g, ""));
    return blocks;
  }

  function b64ToBytes(b64) {
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function bytesToB64url(bytes) {
    var bin = "";
    bytes = new Uint8Array(bytes);
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function utf8B64url(text) {
    return bytesToB64url(new TextEncoder().encode(text));
  }

  /* The DER elements (tag, start of content, end) between `start` and `end` of `bytes`. */
  function derElements(bytes, start, end) {
    var out = [];
    while (start < end) {
      var tag = bytes[start], length = bytes[start + 1], at = start + 2;
      if (length & 0x80) {
        var octets = length & 0x7f;
        length = 0;
        for (var i = 0; i < octets; i++) length = length * 256 + bytes[at + i];
        at += octets;
      }
      if (at + length > end) throw new Error("cert");
      out.push({ tag: tag, start: start, content: at, end: at + length });
      start = at + length;
    }
    return out;
  }

  /* The subjectPublicKeyInfo of a certificate (RFC 5280: tbsCertificate's seventh member, sixth without the
     optional version), as DER bytes. */
  function publicKeyInfo(certDer) {
    try {
      var cert = derElements(certDer, 0, certDer.length)[0];
      var tbs = derElements(certDer, cert.content, cert.end)[0];
      var members = derElements(certDer, tbs.content, tbs.end);
      if (members[0].tag === 0xa0) members = members.slice(1);
      return certDer.slice(members[5].start, members[5].end);
    } catch (e) { throw new Error("cert"); }
  }

  /* Whether the signature was made by the certificate's key: a key file and a certificate file of two
     different key sets (or of two keys of one set) make a signature the server cannot verify. */
  async function certificateVerifies(certDer, imported, signature, input) {
    var named = imported.alg === "RS256"
      ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" };
    var key;
    try {
      key = await crypto.subtle.importKey("spki", publicKeyInfo(certDer), named, false, ["verify"]);
    } catch (e) { return false; } // an RSA key with a P-256 certificate, or the other way round
    return crypto.subtle.verify(imported.params, key, signature, input);
  }

  async function importKey(pkcs8) {
    // The file does not say its algorithm: try RSA, then P-256.
    try {
      var rsa = await crypto.subtle.importKey("pkcs8", pkcs8,
        { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
      return { key: rsa, alg: "RS256", params: { name: "RSASSA-PKCS1-v1_5" } };
    } catch (e) { /* not RSA */ }
    var ec = await crypto.subtle.importKey("pkcs8", pkcs8,
      { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
    return { key: ec, alg: "ES256", params: { name: "ECDSA", hash: "SHA-256" } };
  }

  /* keyPem: text of *.key.pem; certPem: text of *.cert.pem (its first certificate is the leaf);
     caPem: the CA chain (issuing CA first, then the root) from GET /api/v1/eds/ca.
     x5c is exactly [leaf, issuing CA] (API.md): never the leaf alone, never the root as well. */
  async function signJws(payload, keyPem, certPem, caPem) {
    var keys = pemBlocks(keyPem, "PRIVATE KEY");
    if (keys.length !== 1) throw new Error("key");
    var certs = pemBlocks(certPem, "CERTIFICATE");
    if (certs.length < 1) throw new Error("cert");
    // The issuing CA as the server publishes it; a chain inside the cert file is only a fallback.
    var issuing = pemBlocks(caPem || "", "CERTIFICATE")[0] || certs[1];
    if (!issuing) throw new Error("cert");
    var chain = [certs[0], issuing];
    var imported;
    try { imported = await importKey(b64ToBytes(keys[0])); } catch (e) { throw new Error("key"); }
    var header = { alg: imported.alg, x5c: chain };
    var input = utf8B64url(JSON.stringify(header)) + "." + utf8B64url(JSON.stringify(payload));
    var bytes = new TextEncoder().encode(input);
    var sig = await crypto.subtle.sign(imported.params, imported.key, bytes);
    var leaf;
    try { leaf = b64ToBytes(certs[0]); } catch (e) { throw new Error("cert"); }
    if (!(await certificateVerifies(leaf, imported, sig, bytes))) throw new Error("pair");
    // WebCrypto's ECDSA signature is r||s, exactly what JWS ES256 wants.
    return input + "." + bytesToB64url(sig);
  }

  function readFile(input) {
    return new Promise(function (resolve, reject) {
      var file = input.files && input.files[0];
      if (!file) { reject(new Error("files")); return; }
      var reader = new FileReader();
      reader.onload = function () { resolve(String(reader.result)); };
      reader.onerror = function () { reject(new Error("files")); };
      reader.readAsText(file);
    });
  }

  /* The texts of the key and certificate files picked in two inputs; rejects with "files". */
  async function readKeyPair(keyInputId, certInputId) {
    return {
      keyPem: await readFile(document.getElementById(keyInputId)),
      certPem: await readFile(document.getElementById(certInputId)),
    };
  }

  /* Sign `payload` with the key and certificate files picked in two inputs, chained to the CA
     published at caUrl. Rejects with "files", "key", "cert", "pair" or "network" (see messageFor). */
  async function signWithKeyFiles(payload, keyInputId, certInputId, caUrl) {
    var files = await readKeyPair(keyInputId, certInputId);
    var ca = await fetch(caUrl);
    if (!ca.ok) throw new Error("network");
    return signJws(payload, files.keyPem, files.certPem, await ca.text());
  }

  /* A status line's writer: say(text, isError). */
  function statusWriter(element) {
    return function say(text, isError) {
      element.textContent = text;
      element.className = "status" + (isError ? " status-error" : "");
    };
  }

  /* Which data-msg-* message explains a signing failure (key, cert, files, a key and a certificate that are
     not one pair, else the network). */
  function messageFor(error) {
    return { key: "msgKey", cert: "msgCert", files: "msgFiles", pair: "msgPair" }[error && error.message] || "msgNetwork";
  }

  /* A page the browser brings back from its back-forward cache is as it was left: a JWS in a form's
     field about to be posted, its button disabled while it was signed. Each try is signed afresh
     (the scripts sign on every submit): clear the field, free the button. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    Array.prototype.forEach.call(document.querySelectorAll('input[name="jws"]'), function (field) {
      field.value = "";
      var button = field.form && field.form.querySelector('button[type="submit"][data-msg-signing]');
      if (button) button.disabled = false;
    });
  });

  /* POST a signed document to the JSON API in the page's language; {response, data} or throws "network". */
  async function postSigned(url, body, lang) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "Accept-Language": lang },
      body: JSON.stringify(body)
    });
    return { response: response, data: await response.json() };
  }

  /* Show a signer's receipt in `status`: the done message (data-msg-done), the receipt, and when the
     page gives data-verify-url, the link to /verify that proves it is in the public log. */
  function showReceipt(status, receipt, messages, codeId) {
    status.textContent = "";
    status.className = "status status-ok";
    status.appendChild(document.createTextNode(messages.msgDone + " "));
    var code = document.createElement("code");
    code.className = "receipt";
    if (codeId) code.id = codeId;
    code.textContent = receipt;
    status.appendChild(code);
    if (messages.verifyUrl) {
      var check = document.createElement("a");
      check.className = "verify-link";
      check.href = messages.verifyUrl + "?receipt=" + encodeURIComponent(receipt);
      check.textContent = messages.msgCheck;
      status.appendChild(check);
    }
  }

  global.DauysEds = {
    signJws: signJws, signWithKeyFiles: signWithKeyFiles, showReceipt: showReceipt,
    statusWriter: statusWriter, messageFor: messageFor, postSigned: postSigned
  };
})(window);
