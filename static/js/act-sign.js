/* Officials sign their acts in the browser (API.md "Official acts"), with the same signer as citizens
   (eds.js). Any form with data-act-purpose is an act: on submit its payload is built from the form,
   signed with the official key files picked on the page, and posted with the form as field `jws`.

   data-act-purpose  the JWS purpose, e.g. "petition.moderate"
   data-act-doc      the document's {"type", "id", "digest"} as JSON (absent: no doc, e.g. a paper ballot)
   data-act-fields   JSON: payload member -> how to read it, {"field": NAME, "type": T, "optional": bool}
                     or {"value": V} (a constant). A dotted member ("ballot.projects") goes in a nested
                     object. T: "str" (trimmed), "int", "bool" (true when the value is `true_when`),
                     "instant" (a datetime-local in Astana time, sent as ISO 8601 with +05:00),
                     "int_list" (the checked boxes named NAME, ascending). Empty optional fields are left out.
   data-key-input, data-cert-input  ids of the file inputs (default: official-key-file, official-cert-file)
   data-ca-url       where the CA chain is published (GET /api/v1/eds/ca)
   The button of type submit carries the data-msg-* texts (templates/_macros/eds.html). */
(function () {
  "use strict";
  var ASTANA = "+05:00";

  function read(form, spec) {
    if (Object.prototype.hasOwnProperty.call(spec, "value")) return { present: true, value: spec.value };
    if (spec.type === "int_list") {
      var boxes = form.querySelectorAll('input[name="' + spec.field + '"]:checked');
      var ids = Array.prototype.map.call(boxes, function (box) { return Number(box.value); });
      ids.sort(function (a, b) { return a - b; });
      return { present: true, value: ids };
    }
    var element = form.elements[spec.field];
    var raw = element ? String(element.value).trim() : "";
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

  function wire(form) {
    var button = form.querySelector('button[type="submit"]');
    var status = form.querySelector(".act-status");
    var say = DauysEds.statusWriter(status);
    var messages = button.dataset;
    form.addEventListener("submit", async function (event) {
      var jws = form.elements.jws;
      if (jws.value) return; // signed: let it go
      event.preventDefault();
      if (!form.reportValidity()) return;
      button.disabled = true;
      say(messages.msgSigning, false);
      try {
        jws.value = await DauysEds.signWithKeyFiles(
          payloadOf(form), form.dataset.keyInput || "official-key-file",
          form.dataset.certInput || "official-cert-file", form.dataset.caUrl);
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
