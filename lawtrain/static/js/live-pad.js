/* A team's pad: the question when shown, the 抢答 button (off until buzzing opens), choice entry, the stake
   for 风险题, the team's score and the measured round-trip. It holds no answer key: the server sends none. */
(function () {
  "use strict";
  var root = document.getElementById("pad");
  if (!root) { return; }
  var t = Live.texts();
  var $ = function (id) { return document.getElementById(id); };
  var state = null, picked = [], busy = false;
  var poll = new Live.Poll(root.dataset.state, render, { interval: 400, onLink: link });

  function link(ok, rtt) {
    $("pad-link").textContent = ok ? Live.fmt(t.online, { rtt: rtt === null ? "–" : rtt }) : t.offline;
    $("pad-link").className = "live-link small mb-2 " + (ok ? (rtt > 300 ? "text-warning-emphasis" : "text-success") : "text-danger");
  }

  function me() {
    return (state.teams || []).filter(function (x) { return x.id === state.team_id; })[0] || {};
  }

  function myBuzz() {
    var n = 0, hit = null;
    (state.buzzes || []).forEach(function (b) { n += 1; if (b.team_id === state.team_id) { hit = n; } });
    var early = (state.false_starts || []).some(function (b) { return b.team_id === state.team_id; });
    return { order: hit, early: early };
  }

  function optionLabel(opt) {
    if (opt[0] === "TRUE") { return t["true"]; }
    if (opt[0] === "FALSE") { return t["false"]; }
    return opt[0] + ". " + opt[1];
  }

  function render(s) {
    state = s;
    var mine = me(), item = s.item, rnd = s.round || {}, phase = s.phase;
    $("pad-score").textContent = Live.fmt(t.score, { n: mine.score || 0 });
    $("pad-rank").textContent = mine.rank ? Live.fmt(t.rank, { n: mine.rank }) : "";
    $("pad-error").textContent = "";
    var status = "", showQ = false;
    if (s.contest.status === "draft") { status = t.draft; }
    else if (s.contest.status === "finished") { status = t.finished + " · " + Live.fmt(t.rank, { n: mine.rank }); }
    else if (item) {
      var mineTurn = item.team_id === s.team_id;
      var other = item.team_id && !mineTurn ? (s.teams.filter(function (x) { return x.id === item.team_id; })[0] || {}).name : null;
      status = t[phase] || "";
      if (other) { status = Live.fmt(t["other-turn"], { team: other }); }
      else if (mineTurn) { status = t["your-turn"] + " · " + (t[phase] || ""); }
      showQ = phase !== "ready";
      $("pad-meta").textContent = (t[rnd.type] || "") + " · " + Live.fmt(t.qno, { no: item.no, count: item.count });
      $("pad-stem").textContent = item.stem || "";
    }
    $("pad-status").textContent = status;
    $("pad-question").hidden = !showQ;
    renderStakes(s);
    renderBuzz(s);
    renderOptions(s);
    renderResult(s);
  }

  function renderStakes(s) {
    var box = $("pad-stakes"), item = s.item, rnd = s.round || {};
    var show = s.contest.status === "running" && item && rnd.type === "risk" && item.team_id === s.team_id && s.phase === "ready";
    box.hidden = !show;
    box.textContent = "";
    if (!show) { return; }
    box.appendChild(Live.el("p", "mb-1", s.mine.stake ? Live.fmt(t["stake-chosen"], { n: s.mine.stake }) : t["stake-pick"]));
    (rnd.risk_values || []).forEach(function (v) {
      var b = Live.el("button", "btn btn-lg " + (s.mine.stake === v ? "btn-warning" : "btn-outline-dark"), Live.fmt(t.score, { n: v }));
      b.type = "button";
      b.setAttribute("aria-pressed", s.mine.stake === v ? "true" : "false");
      b.addEventListener("click", function () { send(root.dataset.stake, { stake: v }); });
      box.appendChild(b);
    });
  }

  function renderBuzz(s) {
    var btn = $("pad-buzz"), rnd = s.round || {};
    var buzzRound = s.contest.status === "running" && (rnd.type === "buzz" || rnd.type === "tiebreak");
    var phaseOk = s.phase === "shown" || s.phase === "buzzing";
    btn.hidden = !(buzzRound && phaseOk);
    var b = myBuzz();
    btn.classList.remove("is-live", "is-done", "is-foul");
    if (b.early) { btn.textContent = t["false-start"]; btn.classList.add("is-foul"); btn.disabled = true; }
    else if (b.order) { btn.textContent = Live.fmt(t.buzzed, { n: b.order }); btn.classList.add("is-done"); btn.disabled = true; }
    else if (s.phase === "buzzing") { btn.textContent = t["buzz-on"]; btn.classList.add("is-live"); btn.disabled = false; }
    else { btn.textContent = t["buzz-off"]; btn.disabled = false; }  // pressing now is a false start
    btn.setAttribute("aria-disabled", s.phase === "buzzing" && !b.order && !b.early ? "false" : "true");
  }

  function canAnswer(s) {
    var item = s.item, rnd = s.round || {};
    if (s.contest.status !== "running" || !item || (s.phase !== "shown" && s.phase !== "buzzing")) { return false; }
    if (s.mine.choice) { return false; }
    if (rnd.type === "buzz" || rnd.type === "tiebreak") { return !!myBuzz().order; }
    return item.team_id === s.team_id;
  }

  function renderOptions(s) {
    var box = $("pad-options"), item = s.item;
    var show = !!(item && item.options && s.phase !== "ready" && s.contest.status === "running");
    box.hidden = !show;
    box.textContent = "";
    var open = canAnswer(s);
    if (!open) { picked = []; }
    if (show) {
      item.options.forEach(function (opt) {
        var chosen = (s.mine.choice || picked).indexOf(opt[0]) >= 0;
        var b = Live.el("button", "live-option" + (chosen ? " is-picked" : ""), optionLabel(opt));
        b.type = "button";
        b.disabled = !open;
        b.setAttribute("aria-pressed", chosen ? "true" : "false");
        b.addEventListener("click", function () {
          if (item.type === "multiple") {
            var i = picked.indexOf(opt[0]);
            if (i >= 0) { picked.splice(i, 1); } else { picked.push(opt[0]); }
          } else { picked = [opt[0]]; }
          renderOptions(state);
        });
        box.appendChild(b);
      });
    }
    $("pad-submit").hidden = !open;
  }

  function renderResult(s) {
    var out = [], item = s.item;
    if (s.mine && s.mine.choice) { out.push(Live.fmt(t.submitted, { choice: s.mine.choice.join("") })); }
    if (s.phase === "revealed" && item && item.answer) {
      out.push(Live.fmt(t.answer, { answer: item.answer.map(function (a) { return a === "TRUE" ? t["true"] : a === "FALSE" ? t["false"] : a; }).join("") }));
    }
    (s.judgements || []).forEach(function (j) {
      if (j.team_id === s.team_id) { out.push(Live.fmt(j.correct ? t.right : t.wrong, { points: (j.points > 0 ? "+" : "") + j.points })); }
    });
    $("pad-result").textContent = out.join(" · ");
  }

  function send(url, body) {
    if (busy) { return; }
    busy = true;
    Live.post(url, body).then(function (data) {
      if (data._status >= 400) { $("pad-error").textContent = data.error || ""; }
      poll.now();
    }).catch(function () { $("pad-error").textContent = t.offline; })
      .then(function () { busy = false; });
  }

  $("pad-buzz").addEventListener("click", function () {
    var btn = $("pad-buzz");
    if (btn.disabled) { return; }
    btn.disabled = true;
    btn.textContent = t["buzz-wait"];
    send(root.dataset.buzz, { rtt: poll.rtt });
  });
  $("pad-submit").addEventListener("click", function () {
    if (!picked.length) { $("pad-error").textContent = t["pick-first"]; return; }
    send(root.dataset.choice, { choice: picked });
  });
  function ping() {
    if (poll.rtt !== null) { Live.post(root.dataset.ping, { rtt: poll.rtt }).catch(function () {}); }
  }
  setTimeout(ping, 2000);  // the host sees the pad connected at once, then every 10 s
  setInterval(ping, 10000);
  poll.start();
})();
