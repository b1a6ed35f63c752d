/* The time-zone picker (account page): the server cannot know the browser's zone, so it lists
   the likely zones first from what it knows. This only adds comfort on top: the browser's own
   zone moves to the top of the first group, and is chosen when the saved zone is still the
   default UTC (nothing is saved until the person presses Save). */
(function () {
  "use strict";
  var select = document.querySelector("select[name=timezone]");
  if (!select || !window.Intl || !Intl.DateTimeFormat) { return; }
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) { return; }
  var option = null;
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) { option = select.options[i]; break; }
  }
  if (!option) { return; }
  var first = select.querySelector("optgroup") || select;
  if (first.firstElementChild !== option) { first.insertBefore(option, first.firstElementChild); }
  if (select.value === "UTC" && zone !== "UTC") { option.selected = true; }
}());
