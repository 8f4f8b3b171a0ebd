/* Checkbox lists (the `checklist` form macro): a filter box that hides the entries not matching what is typed,
 * and a count of what is chosen. Without this script the checkboxes work as they are. */
(function () {
  "use strict";
  document.querySelectorAll("[data-checklist]").forEach(function (box) {
    var search = box.querySelector(".checklist-search");
    var count = box.querySelector(".checklist-count");
    var items = Array.prototype.slice.call(box.querySelectorAll(".checklist-items .form-check"));
    if (!items.length) return;
    function refresh() {
      var n = box.querySelectorAll(".checklist-items input:checked").length;
      count.textContent = count.dataset.template.replace("{n}", n);
    }
    if (items.length > 6) {
      search.hidden = false;
      search.addEventListener("input", function () {
        var q = search.value.trim().toLowerCase();
        items.forEach(function (item) {
          item.hidden = q !== "" && item.dataset.text.toLowerCase().indexOf(q) < 0;
        });
      });
      // Enter in the filter must not submit the whole form.
      search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") ev.preventDefault(); });
    }
    count.hidden = false;
    box.addEventListener("change", refresh);
    refresh();
  });
})();
