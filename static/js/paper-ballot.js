/* The secretary's paper-ballot form (templates/budgeting/paper.html), beside act-sign.js which signs it:

   - the running total of the ticked projects' costs against the budget, as the online ballot shows
     it (budget-vote.js): over the budget is a refusal on a knapsack ballot, the count of ticks one
     against the minimum and maximum of an approval ballot;
   - once the 12 digits of the voter's IIN are typed, the registry's answer for them: POSTed as JSON
     (the IIN in the body, never in a URL) with the form's CSRF token to the secretary-only check
     (budgeting/officials.py: paper_voter), which answers {status, name} and never the IIN; the name
     is put in the page as text, to be checked against the identity card. */
(function () {
  "use strict";
  var form = document.getElementById("paper-form");
  var summary = document.getElementById("paper-summary");
  var iinInput = document.getElementById("voter-iin");
  var check = document.getElementById("voter-check");
  if (!form || !summary || !iinInput || !check) return;

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  // --- the running total ------------------------------------------------------------------
  var info = summary.dataset;
  var total = document.getElementById("paper-total");
  var bar = document.getElementById("paper-bar");
  var totalCheck = document.getElementById("paper-check");
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=projects]"));
  var amount = Number(info.amount);
  var min = Number(info.min || 1);
  var max = info.max ? Number(info.max) : null;
  // Sums written as the server writes money (static/js/numbers.js), not with the browser's Intl:
  // a browser without Kazakh locale data would group them the English way.
  var money = DauysNumbers.money;

  function update() {
    var picked = boxes.filter(function (b) { return b.checked; });
    var sum = picked.reduce(function (s, b) { return s + Number(b.dataset.cost); }, 0);
    total.textContent = fill(info.msgTotal, { total: money(sum), amount: money(amount) });
    bar.value = Math.min(sum, amount);
    bar.textContent = DauysNumbers.number(sum) + " / " + DauysNumbers.number(amount);
    var problem = "";
    var note;
    if (info.ballot === "knapsack") {
      if (sum > amount) problem = fill(info.msgOver, { over: money(sum - amount) });
      note = fill(info.msgLeft, { left: money(Math.max(amount - sum, 0)) });
    } else {
      if (max !== null && picked.length > max) problem = fill(info.msgMany, { max: max });
      else if (picked.length && picked.length < min) problem = fill(info.msgFew, { min: min });
      note = fill(info.msgCount, { count: picked.length });
    }
    var over = info.ballot === "knapsack" && sum > amount;
    bar.classList.toggle("over", over);
    summary.classList.toggle("is-over", over);
    totalCheck.textContent = problem || note;
    totalCheck.className = "ballot-check" + (problem ? " status-error" : "");
  }

  boxes.forEach(function (b) { b.addEventListener("change", update); });
  update();

  // --- the voter's name from the registry -------------------------------------------------------
  var messages = check.dataset;
  var STATUS_MESSAGES = {
    eligible: "msgEligible", already_voted: "msgAlreadyVoted", not_resident: "msgNotResident",
    not_eligible: "msgNotEligible", own_ballot: "msgOwnBallot"
  };
  var asked = 0;  // the number of the latest question: an older answer arriving late is dropped
  var timer = null;

  function show(text, kind, name) {
    check.textContent = "";
    check.className = "voter-check" + (kind ? " voter-" + kind : "");
    var parts = text.split("{name}");
    parts.forEach(function (part, i) {
      if (i > 0) {
        var strong = document.createElement("strong");
        strong.className = "voter-name";
        strong.textContent = name || "";
        check.appendChild(strong);
      }
      if (part) check.appendChild(document.createTextNode(part));
    });
  }

  function csrfToken() {
    var field = form.elements.csrf_token;
    return field ? field.value : "";
  }

  async function ask(iin, number) {
    var response, data = null;
    try {
      response = await fetch(messages.checkUrl, {
        method: "POST", credentials: "same-origin", cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify({ iin: iin })
      });
      try { data = await response.json(); } catch (e) { data = null; }
    } catch (e) {
      response = null;
    }
    if (number !== asked) return;
    if (response && response.ok && data && STATUS_MESSAGES[data.status]) {
      var kind = data.status === "eligible" ? "ok" : "refused";
      show(messages[STATUS_MESSAGES[data.status]], kind, data.name);
    } else if (response && response.status === 422) {
      show(messages.msgInvalid, "refused");
    } else if (response && response.status === 429) {
      show(messages.msgLimited, "refused");
    } else {
      show(messages.msgFailed, "refused");
    }
  }

  iinInput.addEventListener("input", function () {
    var iin = iinInput.value.trim();
    asked += 1;
    clearTimeout(timer);
    if (!/^\d{12}$/.test(iin)) {
      show("", "");
      return;
    }
    var number = asked;
    show(messages.msgChecking, "checking");
    timer = setTimeout(function () { ask(iin, number); }, 250);
  });
})();
