/* The ballot page: a live count (approval) or a running total against the budget (knapsack);
   then sign {purpose: "ballot.cast", iat, ballot} with the SIGN key, POST it to the API and
   show the receipt or the API's translated error. */
(function () {
  "use strict";
  var form = document.getElementById("ballot");
  if (!form) return;
  var info = form.dataset;
  var button = document.getElementById("vote-submit");
  var messages = button.dataset;
  var status = document.getElementById("vote-status");
  var total = document.getElementById("ballot-total");
  var check = document.getElementById("ballot-check");
  var bar = document.getElementById("ballot-bar");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=projects]"));
  var amount = Number(info.amount);
  var min = Number(info.min || 1);
  var max = info.max ? Number(info.max) : null;
  var valid = false;
  var cast = false;

  var money = DauysNumbers.money; // written as the server writes it (static/js/numbers.js)
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }
  function chosen() {
    return boxes.filter(function (b) { return b.checked; });
  }

  function update() {
    var picked = chosen();
    var problem = "";
    if (info.ballot === "knapsack") {
      var sum = picked.reduce(function (s, b) { return s + Number(b.dataset.cost); }, 0);
      total.textContent = fill(info.msgTotal, { total: money(sum), amount: money(amount) });
      bar.value = Math.min(sum, amount);
      bar.textContent = DauysNumbers.number(sum) + " / " + DauysNumbers.number(amount);
      var over = sum > amount;
      bar.classList.toggle("over", over);
      form.classList.toggle("is-over", over);
      if (over) problem = fill(info.msgOver, { over: money(sum - amount) });
      else if (!picked.length) problem = info.msgEmpty;
      check.textContent = problem || fill(info.msgLeft, { left: money(amount - sum) });
      // A project that no longer fits is marked, so the resident sees why before ticking it.
      boxes.forEach(function (b) {
        b.closest(".ballot-item").classList.toggle("too-big", !b.checked && Number(b.dataset.cost) > amount - sum);
      });
    } else {
      total.textContent = fill(info.msgCount, { count: picked.length });
      if (max !== null && picked.length > max) problem = fill(info.msgMany, { max: max });
      else if (picked.length < min) problem = picked.length === 0 && min <= 1 ? info.msgEmpty : fill(info.msgFew, { min: min });
      check.textContent = problem || info.msgOk;
    }
    valid = !problem;
    check.className = "ballot-check" + (problem && picked.length ? " status-error" : "");
    if (!cast) button.disabled = !valid;
    button.setAttribute("aria-describedby", "ballot-check");
  }

  var say = DauysEds.statusWriter(status);

  function showReceipt(receipt) {
    DauysEds.showReceipt(status, receipt, messages, "vote-receipt");
  }

  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (cast || !valid) return;
    button.disabled = true;
    say(messages.msgSigning, false);
    var projects = chosen().map(function (b) { return Number(b.value); }).sort(function (a, b) { return a - b; });
    var jws;
    try {
      var payload = {
        purpose: "ballot.cast",
        iat: Math.floor(Date.now() / 1000),
        ballot: { cycle: Number(info.cycleId), projects: projects }
      };
      jws = await DauysEds.signWithKeyFiles(payload, "vote-key-file", "vote-cert-file", info.caUrl);
    } catch (e) {
      button.disabled = false;
      say(messages[DauysEds.messageFor(e)], true);
      return;
    }
    var response, data;
    try {
      var posted = await DauysEds.postSigned(info.voteUrl, { jws: jws, notify: document.getElementById("vote-notify").checked }, info.lang);
      response = posted.response;
      data = posted.data;
    } catch (e) {
      button.disabled = false;
      say(messages.msgNetwork, true);
      return;
    }
    if (response.ok && data.receipt) {
      cast = true;
      showReceipt(data.receipt);
      form.classList.add("cast");
      boxes.forEach(function (b) { b.disabled = true; });
      button.hidden = true;
      return;
    }
    button.disabled = false;
    say((data && data.error && data.error.message) || messages.msgNetwork, true);
  });
})();
