/* The exam page: autosave every change with a per-attempt sequence number, keep unsaved answers in
 * localStorage and retry with backoff, server-driven countdown, navigator, one question per screen on
 * phones, confirm before submit, auto-submit at time-out (every answer saved first), focus-loss events.
 * The page works without this script (plain form posting to the server). */
(function () {
  "use strict";
  var root = document.getElementById("exam");
  if (!root) return;
  document.body.classList.add("js");

  var attemptId = root.dataset.attempt;
  var form = document.getElementById("exam-form");
  var t = document.getElementById("i18n").dataset;
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var storeKey = "lawtrain-attempt-" + attemptId;
  var sections = Array.prototype.slice.call(document.querySelectorAll(".question"));
  var navLinks = Array.prototype.slice.call(document.querySelectorAll(".nav-q"));
  var saveStatus = document.getElementById("save-status");
  var banner = document.getElementById("net-banner");
  var warning = document.getElementById("time-warning");
  var countdown = document.getElementById("countdown");
  var dialog = document.getElementById("confirm-dialog");
  var openResultBtn = document.getElementById("open-result");

  // ---------------------------------------------------------------- local state (survives reloads and crashes)
  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (e) { return {}; }
  }
  var state = load();
  state.pending = state.pending || {};
  state.flags = state.flags || {};
  var serverSeq = parseInt(root.dataset.lastSeq || "0", 10);
  state.seq = Math.max(state.seq || 0, serverSeq);
  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(state)); } catch (e) { /* storage full or disabled */ }
  }

  // ---------------------------------------------------------------- reading and writing the inputs
  function responseOf(section) {
    var type = section.dataset.type;
    if (type === "fill_blank") {
      var blanks = Array.prototype.map.call(section.querySelectorAll("input.blank"), function (i) { return i.value.trim(); });
      return blanks.some(function (b) { return b; }) ? blanks : [];
    }
    return Array.prototype.filter.call(section.querySelectorAll("input"), function (i) { return i.checked; })
      .map(function (i) { return i.value; }).sort();
  }
  function applyResponse(section, response) {
    if (section.dataset.type === "fill_blank") {
      section.querySelectorAll("input.blank").forEach(function (input, i) { input.value = response[i] || ""; });
    } else {
      section.querySelectorAll("input").forEach(function (input) { input.checked = response.indexOf(input.value) >= 0; });
    }
  }
  function sectionFor(qid) { return document.getElementById("q-" + qid); }
  function markSaved(qid, text) {
    var mark = document.querySelector('.saved-mark[data-qid="' + qid + '"]');
    if (mark) mark.textContent = text;
  }

  // ---------------------------------------------------------------- navigator
  function refreshNavigator() {
    var answered = 0;
    navLinks.forEach(function (link, i) {
      var section = sectionFor(link.dataset.qid);
      var isAnswered = responseOf(section).length > 0;
      var flagged = !!state.flags[link.dataset.qid];
      if (isAnswered) answered++;
      link.classList.toggle("answered", isAnswered);
      link.classList.toggle("flagged", flagged);
      link.setAttribute("aria-label", t.q.replace("{n}", i + 1) + " " + (isAnswered ? t.answered : t.unansweredShort) +
        (flagged ? " " + t.flagged : ""));
      var btn = section.querySelector(".flag-btn");
      if (btn) {
        btn.setAttribute("aria-pressed", flagged ? "true" : "false");
        if (t.flagOn) btn.textContent = "⚑ " + (flagged ? t.flagOn : t.flagOff);  // the label says what a tap does
      }
    });
    document.getElementById("progress").textContent =
      t.progress.replace("{a}", answered).replace("{n}", sections.length);
  }

  // ---------------------------------------------------------------- saving with seq, retry and backoff
  var closed = false;       // the server takes no more answers for this attempt
  var submitting = false;   // a submit was asked for (by the person or the countdown); it ends in closed
  var draining = null;      // the running save loop, so that a submit can wait for the save in flight
  var backoff = 0;
  var retryTimer = null;
  var typingTimers = {};    // question id -> the pause timer of a blank being typed in
  var REQUEST_TIMEOUT_MS = 15000;  // a request that hangs counts as a failed one and is retried
  var graceMs = parseInt(root.dataset.grace || "60", 10) * 1000;

  function api(method, url, body) {
    var aborter = window.AbortController ? new AbortController() : null;
    var timer = aborter && setTimeout(function () { aborter.abort(); }, REQUEST_TIMEOUT_MS);
    return fetch(url, {
      method: method, credentials: "same-origin", signal: aborter ? aborter.signal : undefined,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body)
    }).then(function (r) { clearTimeout(timer); return r; }, function (e) { clearTimeout(timer); throw e; });
  }

  function queue(section) {
    if (closed) return;  // after the end nothing may reappear in localStorage
    var qid = section.dataset.qid;
    clearTimeout(typingTimers[qid]);
    delete typingTimers[qid];
    state.seq += 1;
    state.pending[qid] = { response: responseOf(section), seq: state.seq };
    persist();
    markSaved(qid, t.saving);
    refreshNavigator();
    flush();
  }

  function nextPending() {
    var best = null;
    Object.keys(state.pending).forEach(function (qid) {
      if (!best || state.pending[qid].seq < state.pending[best].seq) best = qid;
    });
    return best;
  }

  function networkDown() {
    banner.hidden = false;
    saveStatus.textContent = submitting ? t.submitting : t.unsaved;
    // While submitting, retry often: past 0:00 the server only takes saves for the short grace.
    backoff = Math.min(backoff ? backoff * 2 : 1000, submitting ? 3000 : 30000);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(submitting ? trySubmit : flush, backoff);
  }

  // Send the pending answers oldest first. Every caller gets the same running loop, so waiting on flush() also
  // waits for the save already in flight. Resolves true once nothing is pending, false when a request failed
  // (a retry is scheduled) or the attempt is closed.
  function flush() {
    if (closed) return Promise.resolve(false);
    if (!draining) {
      draining = saveNext().then(function (drained) { draining = null; return drained; });
    }
    return draining;
  }

  function saveNext() {
    if (closed) return Promise.resolve(false);
    var qid = nextPending();
    if (!qid) { saveStatus.textContent = submitting ? t.submitting : ""; return Promise.resolve(true); }
    var item = state.pending[qid];
    return api("PUT", root.dataset.saveUrl + qid, { response: item.response, seq: item.seq })
      .then(function (r) {
        if (r.status === 409) { endAttempt(t.closed); return false; }
        // a malformed answer or a question not on this paper: resending can never succeed
        if (r.status === 400 || r.status === 404) { delete state.pending[qid]; persist(); return saveNext(); }
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json().then(function (data) {
          acknowledge(qid, item.seq);
          if (typeof data.remaining_seconds === "number") syncClock(data.remaining_seconds);
          return saveNext();
        });
      })
      .catch(function () { networkDown(); return false; });
  }

  // The server holds this answer now (or a newer one): only then does it leave localStorage.
  function acknowledge(qid, seq) {
    if (state.pending[qid] && state.pending[qid].seq === seq) {
      delete state.pending[qid];
      markSaved(qid, t.saved);
    }
    persist();
    banner.hidden = true;
    backoff = 0;
  }

  window.addEventListener("online", function () {
    backoff = 0;
    clearTimeout(retryTimer);
    if (submitting) trySubmit(); else flush();
  });

  // ---------------------------------------------------------------- countdown from the server's remaining seconds
  var endsAt = 0;
  var warned5 = false, warned1 = false;
  function monotonic() { return (window.performance && performance.now) ? performance.now() : Date.now(); }
  function syncClock(remaining) { endsAt = monotonic() + remaining * 1000; }
  // The server takes saves until the deadline plus the grace; a little margin for the clocks' difference.
  function saveWindowOver() { return monotonic() > endsAt + graceMs + 2000; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.round((endsAt - monotonic()) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    countdown.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    countdown.classList.toggle("urgent", left <= 300);
    if (left <= 300 && left > 60 && !warned5) { warned5 = true; showWarning(t.warn5, 10000); }
    if (left <= 60 && left > 0 && !warned1) { warned1 = true; showWarning(t.warn1); }
    if (left === 0 && !closed && !submitting) { showWarning(t.timeup); submit(true); }
  }
  var warningTimer = null;
  // A passing warning (5 minutes left) hides itself after `hideAfterMs`; the last-minute and closing ones stay.
  function showWarning(text, hideAfterMs) {
    warning.textContent = text;
    warning.hidden = false;
    clearTimeout(warningTimer);
    if (hideAfterMs) warningTimer = setTimeout(function () { warning.hidden = true; }, hideAfterMs);
  }
  syncClock(parseInt(root.dataset.remaining || "0", 10));

  // ---------------------------------------------------------------- submit: every answer saved first, then the POST
  var submitTimeUp = false;
  var submitBusy = false;

  function submit(timeUp) {
    if (submitting || closed) return;
    submitting = true;
    submitTimeUp = timeUp === true;
    if (dialog.open) dialog.close();
    form.inert = true;  // the paper is handed in: no more changes while the last answers go out
    saveStatus.textContent = t.submitting;
    trySubmit();
  }

  // One round: queue what is still being typed, wait for every save, then POST the submit. Answers the server
  // has not acknowledged are never given up for a submit while it still takes saves: a submit would close the
  // attempt and the server grades only what it holds. Offline at 0:00, the rounds repeat (networkDown) until
  // the saves get through or the grace is over.
  function trySubmit() {
    if (closed || submitBusy) return;
    submitBusy = true;
    queueTyping();
    flush().then(function (drained) {
      if (closed) return null;
      if (!drained && !saveWindowOver()) return null;  // flush has scheduled the next round
      return postSubmit();
    }).then(function () { submitBusy = false; }, function () { submitBusy = false; networkDown(); });
  }

  function postSubmit() {
    return api("POST", root.dataset.submitUrl, submitTimeUp ? { reason: "time_up" } : undefined)
      .then(function (r) {
        if (!r.ok && r.status !== 409) throw new Error("HTTP " + r.status);
        endAttempt();
      });
  }

  // The attempt is over on the server. Whatever is still pending can no longer count: say how much and which
  // (the person must not believe those answers were graded) and leave the result one click away; otherwise
  // open the result at once. Only now do the answers leave localStorage.
  function endAttempt(message) {
    if (closed) return;
    closed = true;
    clearTimeout(retryTimer);
    form.inert = true;
    banner.hidden = true;
    var late = Object.keys(state.pending).map(function (qid) { return sectionFor(qid); })
      .filter(Boolean).map(function (s) { return parseInt(s.dataset.index, 10) + 1; })
      .sort(function (a, b) { return a - b; });
    state.pending = {};
    try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
    if (late.length) {
      showWarning(t.late.replace("{n}", late.length).replace("{list}", late.join("、")));
      saveStatus.textContent = "";
      openResultBtn.hidden = false;
      openResultBtn.focus();
      return;
    }
    if (message) { showWarning(message); setTimeout(openResult, 800); } else { openResult(); }
  }
  // The take page redirects a finished attempt to its result, so no result link is ever in this page.
  function openResult() { window.location.replace(window.location.pathname); }
  openResultBtn.addEventListener("click", openResult);

  document.getElementById("submit-btn").addEventListener("click", function (ev) {
    ev.preventDefault();
    var missing = [];
    sections.forEach(function (s, i) { if (!responseOf(s).length) missing.push(i + 1); });
    document.getElementById("confirm-unanswered").textContent =
      missing.length ? t.unanswered + missing.join("、") : t.allAnswered;
    if (dialog.showModal) { dialog.showModal(); } else if (window.confirm(dialog.textContent)) { submit(); }
  });
  document.getElementById("confirm-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("confirm-ok").addEventListener("click", function () { dialog.close(); submit(); });

  // ---------------------------------------------------------------- inputs, flags, navigation
  form.addEventListener("submit", function (ev) { ev.preventDefault(); });
  form.addEventListener("change", function (ev) {
    var section = ev.target.closest(".question");
    if (section) queue(section);
  });
  // Typing in a blank is saved once the person pauses; queueTyping() saves it at once when that cannot wait.
  form.addEventListener("input", function (ev) {
    if (!ev.target.classList.contains("blank")) return;
    var section = ev.target.closest(".question");
    clearTimeout(typingTimers[section.dataset.qid]);
    typingTimers[section.dataset.qid] = setTimeout(function () { queue(section); }, 800);
  });
  function queueTyping() {
    Object.keys(typingTimers).forEach(function (qid) { queue(sectionFor(qid)); });
  }
  // A reload or a closed tab within the pause: queue() keeps the text in localStorage for the next load.
  window.addEventListener("pagehide", queueTyping);
  document.querySelectorAll(".flag-btn").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var qid = btn.dataset.qid;
      if (state.flags[qid]) delete state.flags[qid]; else state.flags[qid] = true;
      persist();
      refreshNavigator();
    });
  });

  var phone = window.matchMedia("(max-width: 767.98px)");
  var current = 0;
  var pager = document.querySelector(".pager");
  function show(index) {
    current = Math.max(0, Math.min(sections.length - 1, index));
    var paged = phone.matches;
    form.classList.toggle("paged", paged);
    pager.hidden = !paged;
    sections.forEach(function (s, i) { s.classList.toggle("current", i === current); });
    if (state.current !== current) { state.current = current; persist(); }  // a reload returns here
    navLinks.forEach(function (l, i) { l.classList.toggle("current", i === current); });
    document.getElementById("pager-pos").textContent = t.pos.replace("{i}", current + 1).replace("{n}", sections.length);
    document.getElementById("prev-btn").disabled = current === 0;
    document.getElementById("next-btn").disabled = current === sections.length - 1;
  }
  function go(index) {
    show(index);
    document.getElementById("navigator").scrollIntoView({ block: "start" });
  }
  document.getElementById("prev-btn").addEventListener("click", function () { go(current - 1); });
  document.getElementById("next-btn").addEventListener("click", function () { go(current + 1); });
  navLinks.forEach(function (link) {
    link.addEventListener("click", function (ev) {
      if (!phone.matches) return;
      ev.preventDefault();
      show(parseInt(link.dataset.index, 10));
      sections[current].querySelector("input") && sections[current].querySelector("input").focus();
    });
  });
  // Cases: a phone (one question per screen) shows the case text above every sub-question; a desktop, showing
  // every question at once, opens it above a case's first sub-question only (the others keep it one click away).
  function foldCases() {
    document.querySelectorAll(".case-item .case-box").forEach(function (box) {
      box.open = phone.matches || box.hasAttribute("data-case-first");
    });
  }
  foldCases();
  if (phone.addEventListener) phone.addEventListener("change", function () { show(current); foldCases(); });
  // On a desktop every question is on the page: the one being read is the one last touched.
  form.addEventListener("focusin", function (ev) {
    var section = ev.target.closest(".question");
    if (section && !phone.matches) show(sections.indexOf(section));
  });

  // ---------------------------------------------------------------- leaving the tab
  document.addEventListener("visibilitychange", function () {
    if (closed) return;
    var kind = document.visibilityState === "hidden" ? "focus_lost" : "focus_back";
    fetch(root.dataset.eventsUrl, {
      method: "POST", credentials: "same-origin", keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ kind: kind })
    }).then(function (r) {
      if (r.status === 409) return endAttempt(t.closed);
      return r.json().then(function (d) { if (d.status === "submitted") endAttempt(t.closed); });
    }).catch(function () { /* offline: the count is best effort */ });
    if (kind === "focus_back") flush();
  });

  // ---------------------------------------------------------------- resume: re-apply unacknowledged answers
  Object.keys(state.pending).forEach(function (qid) {
    var section = sectionFor(qid);
    if (!section) { delete state.pending[qid]; return; }
    applyResponse(section, state.pending[qid].response);
    markSaved(qid, t.saving);
  });
  persist();
  refreshNavigator();
  show(state.current || 0);
  if (current > 0 && !phone.matches) sections[current].scrollIntoView({ block: "start" });
  tick();
  setInterval(tick, 1000);
  flush();
})();
