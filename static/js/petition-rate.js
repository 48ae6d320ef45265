/* Rate a petition's answer on its page, as petition-sign.js signs it: sign {purpose: "petition.rate",
   iat, doc, rating, reasons} with the chosen SIGN key (eds.js), POST the JWS to the API
   (POST /api/v1/petitions/{id}/ratings), then show the receipt, or the API's translated error
   (already_rated, not_eligible, wrong_state …). Reasons go with a rating of data-low or less only.
   Once counted, the page's ratings are read again from the page itself, in its language. */
(function () {
  "use strict";
  var form = document.getElementById("petition-rate");
  if (!form) return;
  var button = document.getElementById("rate-submit");
  var status = document.getElementById("rate-status");
  var reasons = document.getElementById("reasons-field");
  var messages = button.dataset;
  var info = form.dataset;
  var low = Number(info.low);
  var say = DauysEds.statusWriter(status);

  function rating() {
    var chosen = form.querySelector('input[name="rating"]:checked');
    return chosen ? Number(chosen.value) : null;
  }

  function reasonsChosen() {
    var boxes = form.querySelectorAll('input[name="reasons"]:checked');
    return Array.prototype.map.call(boxes, function (box) { return box.value; }).sort();
  }

  function updateReasons() {
    var value = rating(), off = value !== null && value > low;
    reasons.disabled = off; // a satisfied rating gives no reasons
    if (off) Array.prototype.forEach.call(reasons.querySelectorAll("input"), function (box) { box.checked = false; });
  }

  async function refreshRatings() {
    try {
      var response = await fetch(window.location.pathname + window.location.search, { cache: "no-store", credentials: "same-origin" });
      if (!response.ok) return;
      var fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      ["ratings-summary", "contested"].forEach(function (id) {
        var now = fresh.getElementById(id), shown = document.getElementById(id);
        if (now && shown) shown.replaceWith(document.importNode(now, true));
        else if (now && id === "contested") {
          var ratings = document.getElementById("ratings");
          if (ratings) ratings.parentNode.insertBefore(document.importNode(now, true), ratings);
        }
      });
    } catch (e) { /* the figures catch up on the next visit */ }
  }

  form.addEventListener("change", updateReasons);
  updateReasons();

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var value = rating();
    if (value === null) {
      say(messages.msgRating, true);
      return;
    }
    button.disabled = true;
    say(messages.msgSigning, false);
    var jws;
    try {
      var payload = {
        purpose: "petition.rate",
        iat: Math.floor(Date.now() / 1000),
        doc: { type: "petition", id: Number(info.petitionId), digest: info.digest },
        rating: value,
        reasons: value <= low ? reasonsChosen() : []
      };
      jws = await DauysEds.signWithKeyFiles(payload, "rate-key-file", "rate-cert-file", info.caUrl);
    } catch (e) {
      button.disabled = false;
      say(messages[DauysEds.messageFor(e)], true);
      return;
    }
    var posted;
    try {
      posted = await DauysEds.postSigned(info.rateUrl, { jws: jws }, info.lang);
    } catch (e) {
      button.disabled = false;
      say(messages.msgNetwork, true);
      return;
    }
    var data = posted.data;
    if (posted.response.ok && data.receipt) {
      DauysEds.showReceipt(status, data.receipt, messages, "rate-receipt");
      form.classList.add("rated");
      refreshRatings();
      return;
    }
    button.disabled = false;
    say((data && data.error && data.error.message) || messages.msgNetwork, true);
  });
})();
