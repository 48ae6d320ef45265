/* The receipt view after a signature: static/js/petition-sign.js says "dauys:signed" on its form with
   the receipt; this fetches the receipt page's part (/petitions/<id>/receipt?receipt=…&part=1: the
   count now, what happens next, how to check the receipt, the share links) and shows it under the
   form, in place of the petition page's own share block. If it cannot be fetched, the signing
   status still shows the receipt and its check, and a link leads to the whole receipt page. */
(function () {
  "use strict";
  var form = document.getElementById("petition-sign");
  var box = document.getElementById("sign-receipt");
  if (!form || !box) return;

  form.addEventListener("dauys:signed", async function (event) {
    var page = box.dataset.url + "?receipt=" + encodeURIComponent(event.detail.receipt);
    try {
      var response = await fetch(page + "&part=1", { cache: "no-store", headers: { Accept: "text/html" } });
      if (!response.ok) throw new Error("receipt " + response.status);
      box.innerHTML = await response.text(); // the server's own template, escaped there
    } catch (e) {
      var link = document.createElement("a");
      link.href = page;
      link.textContent = box.dataset.msgOpen;
      box.textContent = "";
      box.appendChild(link);
    }
    var shared = document.getElementById("petition-share");
    if (shared) shared.hidden = true; // the receipt view has its own
    if (window.DauysShare) window.DauysShare.reveal(box);
    box.hidden = false;
    box.focus();
  });
})();
