/* The host console: the current question with its answer, the host's buttons, judging, the buzz order with
   times and round-trips, false starts, the scores with each pad's connection, the referee's override. */
(function () {
  "use strict";
  var root = document.getElementById("console");
  if (!root) { return; }
  var t = Live.texts();
  var $ = function (id) { return document.getElementById(id); };
  var state = null, teamsKey = "";
  var poll = new Live.Poll(root.dataset.state, render, { interval: 700, onLink: function (ok) {
    $("c-link").textContent = ok ? "" : t.offline;
  } });

  function act(action, body) {
    $("c-error").textContent = "";
    $("c-ok").textContent = "";
    return Live.post(root.dataset.act.replace("ACTION", action), body).then(function (data) {
      if (data._status >= 400) { $("c-error").textContent = data.error || String(data._status); return false; }
      poll.now();
      return true;
    });
  }

  function optionText(opt) {
    return opt[0] === "TRUE" ? t["true"] : opt[0] === "FALSE" ? t["false"] : opt[0] + ". " + opt[1];
  }

  function render(s) {
    state = s;
    var item = s.item, rnd = s.round, running = s.contest.status === "running";
    $("c-round").textContent = running && rnd ? Live.fmt(t.round, { no: rnd.position, title: rnd.title }) + " · " +
      (t[rnd.type] || "") + " · " + Live.fmt(t.qno, { no: item.no, count: item.count }) : (running ? "" : t.finished);
    $("c-phase").textContent = running ? (t[s.phase] || "") : t.finished;
    $("c-stem").textContent = item ? item.stem : "";
    var opts = $("c-options");
    opts.textContent = "";
    (item && item.options || []).forEach(function (o) { opts.appendChild(Live.el("li", null, optionText(o))); });
    $("c-answer").textContent = item ? Live.fmt(t.answer, { answer: item.answer.join("") }) +
      ((item.basis || []).length ? " · " + t.basis + "：" + item.basis.map(function (b) { return b.law + (b.label || ""); }).join("；") : "") : "";
    var buzzRound = rnd && (rnd.type === "buzz" || rnd.type === "tiebreak");
    $("c-show").disabled = !running || s.phase !== "ready";
    $("c-open").disabled = !running || !buzzRound || s.phase !== "shown";
    $("c-open").hidden = !buzzRound;
    $("c-reveal").disabled = !running || s.phase === "ready" || s.phase === "revealed";
    $("c-next").disabled = !running;
    $("c-undo").disabled = !running;
    $("c-finish").disabled = !running;
    renderJudge(s);
    renderScores(s);
    renderBuzzes(s);
  }

  function renderJudge(s) {
    var body = $("c-judge"), item = s.item;
    body.textContent = "";
    if (!item || s.contest.status !== "running") { return; }
    var candidates = item.team_id ? [item.team_id] : (s.buzzes || []).map(function (b) { return b.team_id; });
    s.teams.forEach(function (team) {
      if (candidates.indexOf(team.id) < 0) { return; }
      var tr = Live.el("tr");
      tr.appendChild(Live.el("th", null, team.name)).setAttribute("scope", "row");
      var sub = (s.submissions || {})[team.id] || {};
      tr.appendChild(Live.el("td", null, (sub.choice || []).join("") + (sub.stake ? " · " + Live.fmt(t.score, { n: sub.stake }) : "")));
      var td = Live.el("td");
      var done = (s.judgements || []).filter(function (j) { return j.team_id === team.id; })[0];
      if (done) {
        td.textContent = Live.fmt(done.correct ? t.right : t.wrong, { points: (done.points > 0 ? "+" : "") + done.points });
      } else {
        [["right", t["judge-right"], "btn-success"], ["wrong", t["judge-wrong"], "btn-danger"]].forEach(function (v) {
          var b = Live.el("button", "btn btn-sm me-1 " + v[2], v[1]);
          b.type = "button";
          b.dataset.verdict = v[0];
          b.dataset.team = team.id;
          b.setAttribute("aria-label", team.name + " " + v[1]);
          b.addEventListener("click", function () { act("judge", { team_id: team.id, verdict: v[0] }); });
          td.appendChild(b);
        });
        if (sub.choice) {
          var a = Live.el("button", "btn btn-sm btn-outline-primary", Live.fmt(t.accept, { choice: sub.choice.join("") }));
          a.type = "button";
          a.dataset.verdict = "accept";
          a.addEventListener("click", function () { act("judge", { team_id: team.id, verdict: "accept" }); });
          td.appendChild(a);
        }
      }
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }

  function renderScores(s) {
    var body = $("c-scores"), links = {};
    (s.links || []).forEach(function (l) { links[l.team_id] = l; });
    body.textContent = "";
    s.standings.forEach(function (row) {
      var team = s.teams.filter(function (x) { return x.id === row.team_id; })[0];
      var tr = Live.el("tr");
      tr.appendChild(Live.el("td", null, row.rank));
      var name = Live.el("td");
      name.appendChild(Live.el("span", "team-swatch team-c" + team.color));
      name.appendChild(document.createTextNode(team.name));
      tr.appendChild(name);
      tr.appendChild(Live.el("td", "fw-bold", row.score));
      var l = links[row.team_id];
      tr.appendChild(Live.el("td", l && l.rtt_ms > 300 ? "text-danger" : null, l && l.rtt_ms !== null ? Live.fmt(t.rtt, { ms: l.rtt_ms }) : t["no-pad"]));
      tr.appendChild(Live.el("td", "font-monospace", (s.codes || {})[row.team_id] || ""));
      body.appendChild(tr);
    });
    var key = s.teams.map(function (x) { return x.id; }).join(",");
    if (key !== teamsKey) {
      teamsKey = key;
      var sel = $("o-team");
      sel.textContent = "";
      s.teams.forEach(function (team) { var o = Live.el("option", null, team.name); o.value = team.id; sel.appendChild(o); });
    }
  }

  function renderBuzzes(s) {
    var list = $("c-buzzes");
    list.textContent = "";
    (s.buzzes || []).forEach(function (b) {
      list.appendChild(Live.el("li", null, b.team + " · " + Live.fmt(t.after, { ms: b.after_ms }) +
        (b.rtt_ms !== null ? " · " + Live.fmt(t.rtt, { ms: b.rtt_ms }) : "")));
    });
    if (!(s.buzzes || []).length) { list.appendChild(Live.el("li", "list-unstyled text-body-secondary", t["no-buzz"])); }
    var fouls = (s.false_starts || []).map(function (b) { return b.team; });
    $("c-fouls").textContent = fouls.length ? t["false-starts"] + "：" + fouls.join("、") + (s.penalty ? "（-" + s.penalty + "）" : "") : "";
  }

  root.querySelectorAll("[data-act]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      if (btn.dataset.confirm && !window.confirm(btn.dataset.confirm)) { return; }
      btn.disabled = true;
      act(btn.dataset.act).then(function (ok) { if (ok && btn.dataset.act === "undo") { $("c-ok").textContent = t["undo-done"]; } });
    });
  });
  $("c-override").addEventListener("submit", function (e) {
    e.preventDefault();
    act("override", { team_id: $("o-team").value, points: $("o-points").value, reason: $("o-reason").value })
      .then(function (ok) { if (ok) { $("o-points").value = ""; $("o-reason").value = ""; $("c-ok").textContent = t["override-done"]; } });
  });
  setInterval(function () {
    var left = state && state.contest.status === "running" ? Live.secondsLeft(state) : null;
    $("c-clock").textContent = left === null ? "" : Live.fmt(t.seconds, { n: left });
  }, 250);
  poll.start();
})();
