/* Banks area: confirm before bulk actions; live preview of a question as staff will see it.
   Question text is set with textContent only (never innerHTML): it is plain text. */
(function () {
  "use strict";

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  var preview = document.getElementById("q-preview");
  var form = document.getElementById("question-form");
  if (!preview || !form) { return; }
  var LETTERS = "ABCDEFGH";
  var field = function (name) { return form.elements.namedItem(name); };
  var label = function (key) { return preview.getAttribute("data-label-" + key) || key; };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function choice(inputType, text, letter) {
    var row = el("label", "q-choice");
    var input = el("input");
    input.type = inputType; input.name = "preview-answer"; input.tabIndex = -1;
    row.appendChild(input);
    if (letter) { row.appendChild(el("span", "q-letter", letter + ".")); }
    row.appendChild(el("span", "q-opt", text));
    return row;
  }

  function render() {
    var type = field("type").value;
    var stem = field("stem").value.trim();
    var options = field("options").value.split("\n").map(function (s) {
      return s.trim().replace(/^[A-H][.、:：)）]\s*/, "");
    }).filter(Boolean);
    var card = el("div", "q-card");
    card.appendChild(el("p", "q-type badge text-bg-secondary mb-2", label(type)));
    var stemNode = el("p", "q-stem mb-3");
    if (type === "fill_blank") {
      stem.split(/(_{2,}|（\s*）|\(\s*\))/).forEach(function (part, i) {
        stemNode.appendChild(i % 2 ? el("span", "q-blank", "\u00a0") : document.createTextNode(part));
      });
    } else {
      stemNode.textContent = stem;
    }
    card.appendChild(stemNode);
    if (type === "single" || type === "multiple") {
      options.slice(0, LETTERS.length).forEach(function (text, i) {
        card.appendChild(choice(type === "single" ? "radio" : "checkbox", text, LETTERS[i]));
      });
    } else if (type === "true_false") {
      card.appendChild(choice("radio", label("true")));
      card.appendChild(choice("radio", label("false")));
    }
    preview.replaceChildren(card);
    var optionsGroup = document.getElementById("options-group");
    if (optionsGroup) { optionsGroup.hidden = !(type === "single" || type === "multiple"); }
  }

  form.addEventListener("input", render);
  form.addEventListener("change", render);
  render();
})();
