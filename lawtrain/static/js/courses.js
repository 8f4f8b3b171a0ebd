// Study-time heartbeats: every 15 s, only while the page is visible and the reader was active within 60 s.
// The server measures and caps the time itself; nothing here sends a duration.
(function () {
  "use strict";
  var root = document.getElementById("module");
  if (!root || root.dataset.credited !== "1") { return; }
  var url = root.dataset.heartbeatUrl;
  // Status texts in the page's language, rendered by the template (Chinese fallbacks).
  var msg = { done: root.dataset.msgDone, progress: root.dataset.msgProgress, reached: root.dataset.msgReached };
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  var token = tokenMeta ? tokenMeta.getAttribute("content") : "";
  var INTERVAL = 15000, IDLE_LIMIT = 60000;
  var lastActivity = Date.now();
  var stopped = false;
  var statusEl = document.getElementById("study-status");
  var bar = document.getElementById("study-bar");

  function markActive() { lastActivity = Date.now(); }
  ["pointerdown", "pointermove", "keydown", "scroll", "touchstart", "wheel", "input"].forEach(function (name) {
    window.addEventListener(name, markActive, { passive: true });
  });

  function active() {
    return document.visibilityState === "visible" && Date.now() - lastActivity < IDLE_LIMIT;
  }

  function show(data) {
    if (!statusEl || !data) { return; }
    var minutes = Math.floor(data.seconds / 60), required = Math.round(data.required / 60);
    var pct = data.required ? Math.min(100, Math.floor(100 * data.seconds / data.required)) : 100;
    if (bar) {
      bar.className = bar.className.replace(/lt-w-\d+/, "lt-w-" + (Math.floor(pct / 5) * 5));
      bar.parentNode.setAttribute("aria-valuenow", String(pct));
    }
    if (data.complete) {
      statusEl.textContent = "✓ " + (msg.done || "本模块已完成");
      stopped = true;
    } else if (data.status === "not_assigned") {
      stopped = true;
    } else {
      statusEl.textContent = (msg.progress || "已学习 {n} 分钟，要求至少 {req} 分钟")
        .replace("{n}", String(minutes)).replace("{req}", String(required)) +
        (data.seconds >= data.required ? (msg.reached || "，学习时长已达到，请完成小测") : "");
    }
  }

  function beat() {
    if (stopped || !active()) { return; }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json", "Content-Type": "application/json" },
      body: "{}"
    }).then(function (r) { return r.ok ? r.json() : null; }).then(show).catch(function () { /* retry next tick */ });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { markActive(); }
  });
  beat();
  window.setInterval(beat, INTERVAL);
})();
