/* The officials' act forms as one fills them in (the payload is act-sign.js's): nothing here is
   needed to sign, each part only helps.

   [data-min-chars][data-count=ID]  a text with a least length: the element ID shows the count as one
                                    types, from its data-short / data-enough templates ({n}: the count),
                                    counted as the server counts (NFC, trimmed, code points) and written
                                    with the page's digit group separator (data-group: a browser may not
                                    know the locale, and would write 10 000 as 10,000)
   [data-add-row=NAME]              a button (hidden without this script) that adds a row to
                                    [data-rows=NAME]: a copy of its last [data-row], emptied, its
                                    fields renamed NAME-N-… and its legend from data-legend ({n});
                                    at most data-rows-at-most rows
   [data-off-when="FIELD=VALUE"]    hidden, and its fields disabled (so not signed), while the form's
                                    FIELD is VALUE; [data-on-when="FIELD=VALUE"] shown only then */
(function () {
  "use strict";
  var each = function (selector, fn) { Array.prototype.forEach.call(document.querySelectorAll(selector), fn); };

  function length(text) {
    return Array.from(text.normalize("NFC").trim()).length;
  }

  each("[data-min-chars][data-count]", function (input) {
    var shown = document.getElementById(input.dataset.count);
    if (!shown) return;
    var least = Number(input.dataset.minChars);
    function update() {
      var n = length(input.value), enough = n >= least;
      shown.textContent = (enough ? shown.dataset.enough : shown.dataset.short).replace("{n}", DauysNumbers.number(n));
      shown.classList.toggle("is-enough", enough);
    }
    input.addEventListener("input", update);
    update();
  });

  function renumber(row, name, index) {
    var pattern = new RegExp("^" + name + "-\\d+-"), to = name + "-" + index + "-";
    Array.prototype.forEach.call(row.querySelectorAll("*"), function (element) {
      ["id", "name", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value) element.setAttribute(attribute, value.replace(pattern, to));
      });
      var described = element.getAttribute("aria-describedby");
      if (described) {
        var kept = described.split(/\s+/).filter(function (id) { return !/-error$/.test(id); })
          .map(function (id) { return id.replace(pattern, to); });
        if (kept.length) element.setAttribute("aria-describedby", kept.join(" "));
        else element.removeAttribute("aria-describedby");
      }
    });
    Array.prototype.forEach.call(row.querySelectorAll(".field-error"), function (error) { error.remove(); });
    Array.prototype.forEach.call(row.querySelectorAll(".has-error"), function (field) { field.classList.remove("has-error"); });
    Array.prototype.forEach.call(row.querySelectorAll("input, textarea, select"), function (field) {
      field.removeAttribute("aria-invalid");
      if (field.type === "radio" || field.type === "checkbox") field.checked = false;
      else if (field.type !== "hidden") field.value = "";
      if (field.tagName === "TEXTAREA") field.textContent = "";
    });
    var legend = row.querySelector("legend[data-legend]");
    if (legend) legend.textContent = legend.dataset.legend.replace("{n}", String(index + 1));
  }

  each("[data-add-row]", function (button) {
    var name = button.dataset.addRow;
    var box = document.querySelector('[data-rows="' + name + '"]');
    if (!box) return;
    var most = Number(box.dataset.rowsAtMost || 0);
    function rows() { return box.querySelectorAll("[data-row]"); }
    function full() { return most > 0 && rows().length >= most; }
    button.hidden = full();
    button.addEventListener("click", function () {
      var all = rows(), copy = all[all.length - 1].cloneNode(true);
      renumber(copy, name, all.length);
      box.appendChild(copy);
      var first = copy.querySelector("input, textarea, select");
      if (first) first.focus();
      button.hidden = full();
    });
  });

  function switched(element, attribute, whenOn) {
    var form = element.closest("form");
    var rule = element.getAttribute(attribute).split("="), field = rule[0], value = rule[1];
    if (!form) return;
    function update() {
      var control = form.elements[field], chosen = control ? control.value === value : false;
      var shown = whenOn ? chosen : !chosen;
      element.hidden = !shown;
      if (!whenOn) {
        Array.prototype.forEach.call(element.querySelectorAll("input, textarea, select, button"), function (control) {
          control.disabled = chosen;
        });
      }
    }
    form.addEventListener("change", update);
    update();
  }

  each("[data-off-when]", function (element) { switched(element, "data-off-when", false); });
  each("[data-on-when]", function (element) { switched(element, "data-on-when", true); });
})();
