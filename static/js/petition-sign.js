/* Sign a petition with EDS on its page: sign {purpose, iat, doc} with the chosen SIGN key,
   POST the JWS to the API, then show the receipt or the API's translated error. */
(function () {
  "use strict";
  var form = document.getElementById("petition-sign");
  if (!form) return;
  var button = document.getElementById("sign-submit");
  var status = document.getElementById("sign-status");
  var messages = button.dataset;
  var info = form.dataset;

  var say = DauysEds.statusWriter(status);

  function showReceipt(receipt) {
    DauysEds.showReceipt(status, receipt, messages);
  }

  var shownCount = null;

  function showCount(count) {
    var bar = document.getElementById("petition-progress");
    var shown = document.querySelector("#petition-progress-label [data-count]");
    if (!bar || !shown) return;
    if (shownCount === null) shownCount = Number(bar.dataset.count);
    if (count <= shownCount) return; // the public count may lag a moment: never show it going back
    shownCount = count;
    bar.value = Math.min(count, Number(bar.max));
    shown.textContent = DauysNumbers.number(count);
    // the stage's figures beside the bar (templates/petitions/_macros.html progress)
    var target = Number(bar.max), remaining = document.querySelector("#petition-progress-label ~ .progress-more [data-remaining]");
    var percent = document.querySelector("#petition-progress-label ~ .progress-more [data-percent]");
    if (remaining) remaining.textContent = DauysNumbers.number(Math.max(0, target - count));
    if (percent && count * 1000 >= target) {
      percent.textContent = DauysNumbers.percentOf(count, target);
    }
  }

  async function refreshCount() {
    try {
      var response = await fetch(info.countUrl, { cache: "no-store" });
      if (response.ok) showCount((await response.json()).signature_count);
    } catch (e) { /* the count catches up on the next visit */ }
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    button.disabled = true;
    say(messages.msgSigning, false);
    var jws;
    try {
      var payload = {
        purpose: "petition.sign",
        iat: Math.floor(Date.now() / 1000),
        doc: { type: "petition", id: Number(info.petitionId), digest: info.digest }
      };
      jws = await DauysEds.signWithKeyFiles(payload, "sign-key-file", "sign-cert-file", info.caUrl);
    } catch (e) {
      button.disabled = false;
      say(messages[DauysEds.messageFor(e)], true);
      return;
    }
    var response, data;
    try {
      var posted = await DauysEds.postSigned(info.signUrl, { jws: jws, notify: document.getElementById("sign-notify").checked }, info.lang);
      response = posted.response;
      data = posted.data;
    } catch (e) {
      button.disabled = false;
      say(messages.msgNetwork, true);
      return;
    }
    if (response.ok && data.receipt) {
      showReceipt(data.receipt);
      form.classList.add("signed");
      var bar = document.getElementById("petition-progress");
      if (bar) showCount(Number(bar.dataset.count) + 1); // ours is counted; the server's figure follows
      setTimeout(refreshCount, 1500);
      // the receipt view (static/js/petition-receipt.js) takes it from here
      form.dispatchEvent(new CustomEvent("dauys:signed", { detail: { receipt: data.receipt } }));
      return;
    }
    button.disabled = false;
    say((data && data.error && data.error.message) || messages.msgNetwork, true);
  });
})();
