/* The new-petition form: the region-or-city select only for local addressees, and only
   the territories of the addressee's level (regions for oblast bodies, cities for city bodies). */
(function () {
  "use strict";
  var addressee = document.getElementById("addressee");
  var territory = document.getElementById("territory");
  if (!addressee || !territory) return;
  var wrapper = document.getElementById("territory-field");
  var levels = { region_akimat: "region", region_maslikhat: "region", city_akimat: "city", city_maslikhat: "city" };

  function update() {
    var level = levels[addressee.value];
    wrapper.hidden = !level;
    territory.disabled = !level;
    if (!level) return;
    var groups = territory.querySelectorAll("optgroup");
    var firstAllowed = null, selectedAllowed = false;
    groups.forEach(function (group) {
      var allowed = group.dataset.level === level;
      group.disabled = !allowed;
      group.hidden = !allowed;
      if (allowed) {
        group.querySelectorAll("option").forEach(function (option) {
          if (!firstAllowed) firstAllowed = option;
          if (option.selected) selectedAllowed = true;
        });
      }
    });
    if (!selectedAllowed && firstAllowed) firstAllowed.selected = true;
  }

  addressee.addEventListener("change", update);
  update();
})();
