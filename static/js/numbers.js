/* Numbers written as the server writes them (kernel/local_formats.py), so a figure the script
   redraws reads exactly as the page drew it: the grouping and decimal signs come from the page
   (<meta name="number-format" data-group data-decimal>, the server's CLDR data), not from the
   browser's Intl, which groups Kazakh with a comma. Rounding is half up, as on the server. */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="number-format"]');
  var signs = meta ? meta.dataset : {};
  var group = signs.group === undefined ? "\u00a0" : signs.group;
  var decimal = signs.decimal || ",";

  // `scaled` is the number times 10^places, already rounded to a whole number.
  function written(scaled, places, minPlaces, negative) {
    var unit = Math.pow(10, places);
    var whole = Math.floor(scaled / unit);
    var digits = String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, group);
    var decimals = places ? String(scaled - whole * unit).padStart(places, "0") : "";
    while (decimals.length > minPlaces && decimals.charAt(decimals.length - 1) === "0") decimals = decimals.slice(0, -1);
    return (negative ? "-" : "") + digits + (decimals ? decimal + decimals : "");
  }

  /* `value` rounded half up to `places` decimals (default 0), trailing zeros dropped down to `minPlaces`. */
  function number(value, places, minPlaces) {
    places = places || 0;
    var scaled = Math.round(Math.abs(value) * Math.pow(10, places));
    return written(scaled, places, minPlaces || 0, value < 0 && scaled !== 0);
  }

  /* `part` of `whole` as a percentage with `places` decimals (default 1): one division, exactly rounded. */
  function percentOf(part, whole, places) {
    places = places === undefined ? 1 : places;
    var scaled = Math.round(part * Math.pow(10, places + 2) / whole);
    return written(scaled, places, 0, false) + "%";
  }

  /* Whole tenge: «1 200 000 ₸», a no-break space before the sign. */
  function money(amount) {
    return number(amount) + "\u00a0₸";
  }

  window.DauysNumbers = { number: number, percentOf: percentOf, money: money };
})();
