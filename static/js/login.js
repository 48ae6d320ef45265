/* Sign in with EDS: fetch a challenge, sign it with the chosen AUTH key, post the JWS. */
(function () {
  "use strict";
  var form = document.getElementById("eds-login");
  if (!form) return;
  var button = document.getElementById("eds-submit");
  var status = document.getElementById("eds-status");

  var say = DauysEds.statusWriter(status);

  // Every click signs afresh with the files chosen now: form.submit() below fires no submit event, and
  // a JWS already in the field (a refused try's) is never what is sent.
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var messages = button.dataset;
    button.disabled = true;
    say(messages.msgSigning, false);
    try {
      var challenge = await fetch(messages.challengeUrl, { method: "POST", credentials: "same-origin" });
      if (!challenge.ok) throw new Error("network");
      var nonce = (await challenge.json()).nonce;
      var payload = { purpose: "auth", nonce: nonce, iat: Math.floor(Date.now() / 1000) };
      document.getElementById("jws").value =
        await DauysEds.signWithKeyFiles(payload, "key-file", "cert-file", messages.caUrl);
      form.submit();
    } catch (e) {
      button.disabled = false;
      say(messages[DauysEds.messageFor(e)], true);
    }
  });
})();
