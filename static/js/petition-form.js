/* The new-petition form: the region-or-city select only for local addressees, and only
   the territories of the addressee's level (regions for oblast bodies, cities for city bodies).
   When the level changes, the select moves to the citizen's own region or city of that level
   (data-home-region, data-home-city: from the population registry), not to the first of the list. */
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
    var home = territory.dataset["home" + level.charAt(0).toUpperCase() + level.slice(1)];
    var firstAllowed = null, homeOption = null, selectedAllowed = false;
    territory.querySelectorAll("optgroup").forEach(function (group) {
      var allowed = group.dataset.level === level;
      group.disabled = !allowed;
      group.hidden = !allowed;
      if (allowed) {
        group.querySelectorAll("option").forEach(function (option) {
          if (!firstAllowed) firstAllowed = option;
          if (option.value === home) homeOption = option;
          if (option.selected) selectedAllowed = true;
        });
      }
    });
    if (!selectedAllowed && (homeOption || firstAllowed)) (homeOption || firstAllowed).selected = true;
  }

  addressee.addEventListener("change", update);
  update();
})();
