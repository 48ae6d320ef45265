/* Sign in with EDS: fetch a challenge, sign it with the chosen AUTH key, post the JWS. */
(function () {
  "use strict";
  var form = document.getElementById("eds-login");
  if (!form) return;
  var button = document.getElementById("eds-submit");
  var status = document.getElementById("eds-status");

  var say = DauysEds.statusWriter(status);

  form.addEventListener("submit", async function (event) {
    if (document.getElementById("jws").value) return; // already signed: let it go
    event.preventDefault();
    var messages = button.dataset;
    var keyPem, certPem;
    try {
      var files = await DauysEds.readKeyPair("key-file", "cert-file");
      keyPem = files.keyPem;
      certPem = files.certPem;
    } catch (e) { say(messages.msgFiles, true); return; }
    button.disabled = true;
    say(messages.msgSigning, false);
    try {
      var challenge = await fetch(messages.challengeUrl, { method: "POST", credentials: "same-origin" });
      var ca = await fetch(messages.caUrl);
      if (!challenge.ok || !ca.ok) throw new Error("network");
      var nonce = (await challenge.json()).nonce;
      var payload = { purpose: "auth", nonce: nonce, iat: Math.floor(Date.now() / 1000) };
      var jws = await DauysEds.signJws(payload, keyPem, certPem, await ca.text());
      document.getElementById("jws").value = jws;
      form.submit();
    } catch (e) {
      button.disabled = false;
      say(messages[DauysEds.messageFor(e)], true);
    }
  });
})();
