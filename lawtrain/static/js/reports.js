// Reports: "复制文字" copies the annual paragraph (the text stays selectable without script).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-copy-target]");
  if (!button) { return; }
  var source = document.getElementById(button.getAttribute("data-copy-target"));
  var status = document.getElementById(button.getAttribute("data-copy-status"));
  if (!source || !navigator.clipboard) { return; }
  navigator.clipboard.writeText(source.innerText.trim()).then(function () {
    if (status) { status.textContent = button.getAttribute("data-copied"); }
  });
});
