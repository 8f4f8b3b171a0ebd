/* The exam setup form: show only the part of the paper section that belongs to the chosen paper mode
 * (rules, or a fixed list with its question picker). Without this script both parts show and work. */
(function () {
  "use strict";
  var radios = Array.prototype.slice.call(document.querySelectorAll('input[name="paper_mode"]'));
  if (!radios.length) return;
  var parts = Array.prototype.slice.call(document.querySelectorAll("[data-paper-mode]"));

  function sync() {
    var checked = radios.filter(function (r) { return r.checked; })[0];
    var mode = checked ? checked.value : "rules";
    parts.forEach(function (part) { part.hidden = part.getAttribute("data-paper-mode") !== mode; });
  }

  radios.forEach(function (r) { r.addEventListener("change", sync); });
  sync();
})();
