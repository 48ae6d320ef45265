/* Officials sign their acts in the browser (API.md "Official acts"), with the same signer as citizens
   (eds.js). Any form with data-act-purpose is an act: on submit the page first shows what will be signed
   and published (act-confirm.js, the page's <dialog>); only when the official confirms is its payload
   built from the form, signed with the official key files picked on the page, and posted with the form
   as field `jws`. Going back signs nothing and posts nothing.

   data-act-purpose  the JWS purpose, e.g. "petition.moderate"
   data-act-doc      the document's {"type", "id", "digest"} as JSON (absent: no doc, e.g. a paper ballot)
   data-act-fields   JSON: payload member -> how to read it, {"field": NAME, "type": T, "optional": bool}
                     or {"value": V} (a constant). A dotted member ("ballot.projects") goes in a nested
                     object. T: "str" (trimmed), "int", "bool" (true when the value is `true_when`),
                     "instant" (a datetime-local in Astana time, sent as ISO 8601 with +05:00),
                     "int_list" (the checked boxes named NAME, ascending), "rows" (a list of objects, below).
                     Empty optional fields are left out, and so are disabled ones (as a browser leaves them
                     out of a form it posts).
                     "rows": {"field": NAME, "type": "rows", "members": {MEMBER: {"type": T, …}}, "optional"}
                     reads the fields named NAME-N-MEMBER (WTForms' FieldList names), N ascending, one
                     object a row; a row whose fields are all empty is left out, and an optional list
                     with no row left is left out too.
   data-key-input, data-cert-input  ids of the file inputs (default: official-key-file, official-cert-file)
   data-ca-url       where the CA chain is published (GET /api/v1/eds/ca)
   The button of type submit carries the data-msg-* texts (templates/_macros/eds.html). */
(function () {
  "use strict";
  var ASTANA = "+05:00";

  // A form control, or a group of radios (a RadioNodeList), that is disabled or in a disabled fieldset.
  function off(element) {
    var first = element && !element.tagName && element.length !== undefined ? element[0] : element;
    return Boolean(first && first.matches && first.matches(":disabled"));
  }

  function rawValue(form, name) {
    var element = form.elements[name];
    return element && !off(element) ? String(element.value).trim() : "";
  }

  function rowNumbers(form, name) {
    var pattern = new RegExp("^" + name.replace(/[^\w]/g, "\\$&") + "-(\\d+)-"), seen = {}, numbers = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      var match = pattern.exec(element.name || "");
      if (match && !seen[match[1]]) {
        seen[match[1]] = true;
        numbers.push(Number(match[1]));
      }
    });
    return numbers.sort(function (a, b) { return a - b; });
  }

  function readRows(form, spec) {
    var rows = [];
    rowNumbers(form, spec.field).forEach(function (n) {
      var row = {}, filled = false;
      Object.keys(spec.members).forEach(function (member) {
        var name = spec.field + "-" + n + "-" + member;
        if (rawValue(form, name) !== "") filled = true;
        var got = read(form, Object.assign({}, spec.members[member], { field: name }));
        if (got.present) row[member] = got.value;
      });
      if (filled) rows.push(row);
    });
    if (!rows.length && spec.optional) return { present: false };
    return { present: true, value: rows };
  }

  function read(form, spec) {
    if (Object.prototype.hasOwnProperty.call(spec, "value")) return { present: true, value: spec.value };
    if (spec.type === "rows") return readRows(form, spec);
    if (spec.type === "int_list") {
      var boxes = form.querySelectorAll('input[name="' + spec.field + '"]:checked');
      var ids = Array.prototype.map.call(boxes, function (box) { return Number(box.value); });
      ids.sort(function (a, b) { return a - b; });
      return { present: true, value: ids };
    }
    var raw = rawValue(form, spec.field);
    if (raw === "") return { present: !spec.optional, value: spec.type === "str" ? "" : null };
    switch (spec.type) {
      case "int": return { present: true, value: /^-?\d+$/.test(raw) ? Number(raw) : raw };
      case "bool": return { present: true, value: raw === spec.true_when };
      case "instant": return { present: true, value: (raw.length === 16 ? raw + ":00" : raw) + ASTANA };
      default: return { present: true, value: raw };
    }
  }

  function put(payload, dotted, value) {
    var parts = dotted.split("."), target = payload;
    for (var i = 0; i < parts.length - 1; i++) {
      target[parts[i]] = target[parts[i]] || {};
      target = target[parts[i]];
    }
    target[parts[parts.length - 1]] = value;
  }

  function payloadOf(form) {
    var payload = { purpose: form.dataset.actPurpose, iat: Math.floor(Date.now() / 1000) };
    if (form.dataset.actDoc) payload.doc = JSON.parse(form.dataset.actDoc);
    var fields = JSON.parse(form.dataset.actFields || "{}");
    Object.keys(fields).forEach(function (name) {
      var got = read(form, fields[name]);
      if (got.present) put(payload, name, got.value);
    });
    return payload;
  }

  function chosen(id) {
    var input = document.getElementById(id);
    return Boolean(input && input.files && input.files.length);
  }

  function wire(form) {
    var button = form.querySelector('button[type="submit"]');
    var status = form.querySelector(".act-status");
    var say = DauysEds.statusWriter(status);
    var messages = button.dataset;
    var keyInput = form.dataset.keyInput || "official-key-file", certInput = form.dataset.certInput || "official-cert-file";
    form.addEventListener("submit", async function (event) {
      var jws = form.elements.jws;
      event.preventDefault(); // form.submit() below fires no submit event: every try is signed afresh
      jws.value = "";
      if (!form.reportValidity()) return;
      // Asked before the summary: a confirmed act must be one the page can sign.
      if (!chosen(keyInput) || !chosen(certInput)) { say(messages.msgFiles, true); return; }
      say("", false);
      if (!(await window.DauysConfirm.ask(form, event.submitter || button))) return;
      button.disabled = true;
      say(messages.msgSigning, false);
      try {
        jws.value = await DauysEds.signWithKeyFiles(payloadOf(form), keyInput, certInput, form.dataset.caUrl);
        form.submit();
      } catch (e) {
        button.disabled = false;
        jws.value = "";
        say(messages[DauysEds.messageFor(e)], true);
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form[data-act-purpose]"), wire);
  window.DauysActs = { payloadOf: payloadOf };
})();
