/* Before an official signs, the page shows what will be signed and published (act-sign.js asks here):
   a modal <dialog> (templates/_macros/act_confirm.html) with the decision, the document, and every field
   of the form as the reader sees it — the option chosen, the boxes ticked, an excerpt of a long text, the
   dates and amounts in the page's language — and two buttons: sign and publish, or go back and change.
   Focus moves into the dialog (its heading), Esc is "go back", and focus returns to the button that
   opened it; going back changes nothing in the form.

   On the form:  data-confirm-decision   the decision in words ("Reject petition № 5")
                 data-confirm-subject     the document's title; data-confirm-subject-label its kind
                 data-confirm-note        what signing does, if not the dialog's own note
                 data-confirm-yes         the confirming button's text, if not "Sign and publish"
   On a field:   data-confirm-as="money"  an amount in tenge
                 data-confirm-with=ID     the text of element ID shown under the value (the paper ballot's
                                          voter as the registry names them)
   The summary lists the form's own fields in their order, as act-sign.js reads them: a disabled field
   (not signed) and an empty one are left out, and so is a row of a list whose fields are all empty. */
(function () {
  "use strict";
  var dialog = document.getElementById("act-confirm");
  var EXCERPT = 280;

  // The page's own ways with numbers and dates (web/formats.py): a browser may not know the locale.
  var formats = JSON.parse((dialog && dialog.dataset.formats) || "{}");

  function text(element) { return element ? element.textContent.replace(/\s+/g, " ").trim() : ""; }

  function labelOf(control) {
    var group = control.type === "radio" || control.type === "checkbox" ? control.closest("fieldset") : null;
    if (group && group.querySelector("legend")) return text(group.querySelector("legend"));
    return control.labels && control.labels.length ? text(control.labels[0]) : control.name;
  }

  function off(control) {
    return control.disabled || Boolean(control.closest("fieldset:disabled, [hidden]"));
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  /* A CLDR pattern ("y 'ж'. d MMMM", "h:mm a") filled from the parts of a typed date or time. */
  function pattern(spec, parts) {
    var months = formats.months || [], periods = formats.periods || ["AM", "PM"];
    return spec.replace(/'([^']*)'|([a-zA-Z])\2*/g, function (token, quoted) {
      if (quoted !== undefined) return quoted === "" ? "'" : quoted;
      var n = token.length;
      switch (token.charAt(0)) {
        case "y": return String(parts.y);
        case "M": case "L": return n >= 3 ? (months[parts.M - 1] || String(parts.M)) : n === 2 ? pad(parts.M) : String(parts.M);
        case "d": return n === 2 ? pad(parts.d) : String(parts.d);
        case "H": return n === 2 ? pad(parts.H) : String(parts.H);
        case "h": return n === 2 ? pad(parts.H % 12 || 12) : String(parts.H % 12 || 12);
        case "m": return pad(parts.m);
        case "a": return periods[parts.H < 12 ? 0 : 1];
        default: return "";
      }
    }).trim();
  }

  function day(value, withTime) {
    var p = value.split(/[-T:]/).map(Number);
    if (p.length < 3 || p.slice(0, withTime ? 5 : 3).some(isNaN)) return value;
    var parts = { y: p[0], M: p[1], d: p[2], H: p[3] || 0, m: p[4] || 0 };
    var shown = pattern(formats.date || "y-MM-dd", parts);
    return withTime ? shown + ", " + pattern(formats.time || "HH:mm", parts) : shown;
  }

  function money(value) {
    if (!/^\d+$/.test(value)) return value;
    var group = formats.group === undefined ? "\u00a0" : formats.group;
    return value.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+$)/g, group) + "\u00a0₸";
  }

  function excerpt(value) {
    var chars = Array.from(value);
    return chars.length > EXCERPT ? chars.slice(0, EXCERPT).join("").trim() + "…" : value;
  }

  /* What a field says, in words: null when it says nothing (empty). */
  function shown(form, control, done) {
    var type = control.type;
    if (type === "radio" || type === "checkbox") {
      if (done[control.name]) return null;
      done[control.name] = true;
      var chosen = Array.prototype.filter.call(form.querySelectorAll('input[name="' + control.name + '"]'),
        function (box) { return box.checked && !off(box); });
      var words = chosen.map(function (box) { return box.labels && box.labels.length ? text(box.labels[0]) : box.value; });
      if (type === "radio") return words.length ? { value: words[0] } : null;
      return { list: words, none: dialog.dataset.none };
    }
    var value = String(control.value || "").trim();
    if (!value) return null;
    if (control.tagName === "SELECT") return { value: text(control.options[control.selectedIndex]) };
    if (type === "date") return { value: day(value, false) };
    if (type === "datetime-local") return { value: day(value, true) };
    if (control.dataset.confirmAs === "money") return { value: money(value) };
    if (control.tagName === "TEXTAREA") return { value: excerpt(value), quote: true };
    var beside = control.dataset.confirmWith && document.getElementById(control.dataset.confirmWith);
    return { value: value, note: beside ? text(beside) : "" };
  }

  function entry(label, what) {
    var row = document.createElement("div");
    var term = document.createElement("dt"), detail = document.createElement("dd");
    term.textContent = label;
    if (what.list) {
      if (!what.list.length) detail.textContent = what.none;
      else {
        var list = document.createElement("ul");
        what.list.forEach(function (item) {
          var li = document.createElement("li");
          li.textContent = item;
          list.appendChild(li);
        });
        detail.appendChild(list);
      }
    } else if (what.nested) {
      detail.appendChild(what.nested);
    } else {
      var value = document.createElement(what.quote ? "blockquote" : "span");
      value.textContent = what.value;
      detail.appendChild(value);
      if (what.note) {
        var note = document.createElement("p");
        note.className = "hint";
        note.textContent = what.note;
        detail.appendChild(note);
      }
    }
    row.appendChild(term);
    row.appendChild(detail);
    return row;
  }

  function rowOf(control) { return control.closest("[data-row], .measure-row"); }

  /* The form's fields as (label, words), rows of a list nested under their legend. */
  function facts(form) {
    var list = document.createElement("dl"), done = {}, nested = new Map();
    list.className = "facts act-confirm-facts";
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name && !control.id) return;
      if (/^(hidden|file|submit|button|reset)$/.test(control.type) || control.tagName === "FIELDSET") return;
      if (off(control)) return;
      var what = shown(form, control, done);
      if (!what) return;
      var row = rowOf(control);
      if (!row) { list.appendChild(entry(labelOf(control), what)); return; }
      if (!nested.has(row)) {
        var inner = document.createElement("dl");
        nested.set(row, inner);
        list.appendChild(entry(text(row.querySelector("legend")), { nested: inner }));
      }
      nested.get(row).appendChild(entry(labelOf(control), what));
    });
    return list;
  }

  function fill(form) {
    var data = form.dataset;
    dialog.querySelector("[data-confirm-decision]").textContent = data.confirmDecision || "";
    var subject = dialog.querySelector("[data-confirm-subject]");
    subject.hidden = !data.confirmSubject;
    subject.querySelector("dt").textContent = data.confirmSubjectLabel || "";
    subject.querySelector("dd").textContent = data.confirmSubject || "";
    var box = dialog.querySelector("[data-confirm-facts]");
    box.textContent = "";
    var list = facts(form);
    if (list.children.length) box.appendChild(list);
    dialog.querySelector("[data-confirm-note]").textContent = data.confirmNote || dialog.dataset.note;
    dialog.querySelector('button[value="yes"]').textContent = data.confirmYes || dialog.dataset.yes;
  }

  /* Show what `form` will sign; resolves true when the official confirms, false when they go back
     (the button, or Esc). Focus returns to `opener` either way. */
  function ask(form, opener) {
    if (!dialog || typeof dialog.showModal !== "function") {  // no <dialog>: the browser's own question
      return Promise.resolve(window.confirm(form.dataset.confirmDecision || ""));
    }
    fill(form);
    dialog.returnValue = "";
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function closed() {
        if (opener && opener.focus) opener.focus();
        resolve(dialog.returnValue === "yes");
      }, { once: true });
      dialog.showModal();
      dialog.querySelector("[data-confirm-title]").focus();
    });
  }

  window.DauysConfirm = { ask: ask, facts: facts };
})();
