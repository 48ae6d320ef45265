/* Sign and submit a draft: after the forbidden-topics confirmation, sign {purpose, iat, doc}
   with the chosen SIGN key and post the JWS with the page's form (and its CSRF token). */
(function () {
  "use strict";
  var form = document.getElementById("petition-submit");
  if (!form) return;
  var button = document.getElementById("submit-sign");
  var status = document.getElementById("eds-status");
  var messages = button.dataset;

  var say = DauysEds.statusWriter(status);

  document.getElementById("confirm").addEventListener("change", function (event) {
    if (event.target.checked && status.textContent === messages.msgConfirm) say("", false);
  });

  // Every click signs afresh with the files chosen now: form.submit() below fires no submit event, and
  // a JWS already in the field (a refused try's) is never what is sent.
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var confirm = document.getElementById("confirm");
    if (!confirm.checked) { say(messages.msgConfirm, true); confirm.focus(); return; }
    button.disabled = true;
    say(messages.msgSigning, false);
    try {
      var payload = {
        purpose: "petition.submit",
        iat: Math.floor(Date.now() / 1000),
        doc: { type: "petition", id: Number(form.dataset.petitionId), digest: form.dataset.digest }
      };
      document.getElementById("jws").value =
        await DauysEds.signWithKeyFiles(payload, "key-file", "cert-file", form.dataset.caUrl);
      form.submit();
    } catch (e) {
      button.disabled = false;
      say(messages[DauysEds.messageFor(e)], true);
    }
  });
})();
