/* A petition's share block (templates/petitions/_share.html): its "Copy the link" buttons, shown only
   where a script runs. The link goes to the clipboard where the browser allows it; where it does not
   (no clipboard permission, an older browser, a page not served over HTTPS) the link is selected in
   its box and copied the old way, or left selected for the reader to copy. The petition's receipt
   view (static/js/petition-receipt.js) brings a share block of its own: DauysShare.reveal(it). */
(function (global) {
  "use strict";

  function reveal(root) {
    var buttons = (root || document).querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) buttons[i].hidden = false;
  }

  function selectAll(input) {
    input.focus();
    input.select();
    try { input.setSelectionRange(0, input.value.length); } catch (e) { /* some inputs refuse it */ }
  }

  function oldCopy(input) {
    selectAll(input);
    try { return document.execCommand("copy") === true; } catch (e) { return false; }
  }

  async function copy(button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.status);
    if (!input) return;
    var copied = false;
    if (global.isSecureContext && navigator.clipboard && navigator.clipboard.writeText) {
      try {
        await navigator.clipboard.writeText(input.value);
        copied = true;
        selectAll(input); // so that the reader sees what went to the clipboard
      } catch (e) { copied = false; }
    }
    if (!copied) copied = oldCopy(input);
    if (!copied) selectAll(input);
    if (status) status.textContent = copied ? button.dataset.msgCopied : button.dataset.msgSelect;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (button) copy(button);
  });
  reveal(document);
  global.DauysShare = { reveal: reveal };
})(window);
