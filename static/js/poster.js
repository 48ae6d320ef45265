/* The poster page's print button (templates/petitions/poster.html): shown only where a script runs,
   since it is the browser's own print dialog it opens (Ctrl+P does the same). */
(function () {
  "use strict";
  var button = document.getElementById("poster-print");
  if (!button || typeof window.print !== "function") return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
