/* The big screen (1920×1080): question, countdown, buzz order, the reveal with the cited article, the
   scoreboard with animated changes and the final podium. The server sends no answer before the reveal. */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) { return; }
  var t = Live.texts();
  var $ = function (id) { return document.getElementById(id); };
  var state = null, shownScores = {}, cards = {};
  var poll = new Live.Poll(root.dataset.state, render, { interval: 400, onLink: function (ok) {
    $("ls-link").textContent = ok ? "" : t.offline;
  } });

  function teamName(id) {
    return ((state.teams || []).filter(function (x) { return x.id === id; })[0] || {}).name || "";
  }

  function optionText(opt) {
    if (opt[0] === "TRUE") { return t["true"]; }
    if (opt[0] === "FALSE") { return t["false"]; }
    return opt[1];
  }

  function render(s) {
    state = s;
    var item = s.item, rnd = s.round, running = s.contest.status === "running";
    $("ls-round").textContent = running && rnd ? Live.fmt(t.round, { no: rnd.position, title: rnd.title }) + " · " +
      (t[rnd.type] || "") + (item ? " · " + Live.fmt(t.qno, { no: item.no, count: item.count }) : "") : "";
    var phase = running ? (t[s.phase] || "") : (s.contest.status === "draft" ? t.draft : t.finished);
    if (running && item && item.team_id) { phase = teamName(item.team_id) + " · " + phase; }
    $("ls-phase").textContent = phase;
    $("ls-phase").className = "ls-phase" + (s.phase === "buzzing" && running ? " is-buzzing" : "");
    $("ls-stem").textContent = running && item && item.stem ? item.stem : "";
    var opts = $("ls-options");
    opts.textContent = "";
    if (running && item && item.options) {
      item.options.forEach(function (opt) {
        var right = item.answer && item.answer.indexOf(opt[0]) >= 0;
        var li = Live.el("li", "ls-option" + (right ? " is-right" : ""));
        if (opt[0] !== "TRUE" && opt[0] !== "FALSE") { li.appendChild(Live.el("span", "ls-letter", opt[0])); }
        li.appendChild(Live.el("span", "ls-option-text", optionText(opt)));
        if (right) { li.appendChild(Live.el("span", "ls-mark", t["correct-mark"])); }
        opts.appendChild(li);
      });
    }
    renderReveal(s);
    document.querySelector(".ls-side").hidden = !running;
    tickClock();
    renderSide(s);
    renderCodes(s);
    renderBoard(s);
    renderPodium(s);
  }

  function renderReveal(s) {
    var box = $("ls-reveal"), item = s.item;
    box.textContent = "";
    var show = s.contest.status === "running" && item && item.answer;
    box.hidden = !show;
    if (!show) { return; }
    var answer = item.answer.map(function (a) { return a === "TRUE" ? t["true"] : a === "FALSE" ? t["false"] : a; }).join("");
    box.appendChild(Live.el("p", "ls-answer", Live.fmt(t.answer, { answer: answer })));
    (item.basis || []).forEach(function (b) {
      var p = Live.el("p", "ls-basis");
      p.appendChild(Live.el("strong", null, t.basis + "：" + b.law + (b.label || "")));
      if (b.text) { p.appendChild(Live.el("span", null, " " + b.text)); }
      box.appendChild(p);
    });
    if (item.explanation) { box.appendChild(Live.el("p", "ls-expl", t.explanation + "：" + item.explanation)); }
    (s.judgements || []).forEach(function (j) {
      box.appendChild(Live.el("p", "ls-judged " + (j.correct ? "is-right" : "is-wrong"),
        j.team + " " + Live.fmt(j.correct ? t.right : t.wrong, { points: (j.points > 0 ? "+" : "") + j.points })));
    });
  }

  function renderSide(s) {
    var list = $("ls-buzzes");
    list.textContent = "";
    (s.buzzes || []).forEach(function (b, i) {
      var li = Live.el("li", "ls-buzz" + (i === 0 ? " is-first" : ""));
      li.appendChild(Live.el("span", "team-swatch team-c" + colorOf(b.team_id)));
      li.appendChild(Live.el("span", null, b.team));
      if (i > 0 && b.after_ms !== null) { li.appendChild(Live.el("span", "ls-after", Live.fmt(t.after, { ms: Math.round(b.after_ms - s.buzzes[0].after_ms) }))); }
      list.appendChild(li);
    });
    list.hidden = !(s.buzzes || []).length;
    $("ls-none").hidden = !list.hidden;
    var fouls = (s.false_starts || []).map(function (b) { return b.team; });
    $("ls-fouls").textContent = fouls.length ? t["false-starts"] + "：" + fouls.join("、") : "";
    var stakes = [];
    Object.keys(s.submissions || {}).forEach(function (id) {
      var sub = s.submissions[id];
      if (sub.stake) { stakes.push(Live.fmt(t["stake-of"], { team: teamName(Number(id)), n: sub.stake })); }
      else if (sub.submitted) { stakes.push(teamName(Number(id)) + " " + t["submitted-short"]); }
    });
    $("ls-stake").textContent = stakes.join("；");
  }

  function colorOf(id) {
    return ((state.teams || []).filter(function (x) { return x.id === id; })[0] || {}).color || 0;
  }

  function renderCodes(s) {
    var box = $("ls-codes");
    var codes = s.codes || {};
    box.hidden = !Object.keys(codes).length;
    box.textContent = "";
    (s.teams || []).forEach(function (team) {
      if (!codes[team.id]) { return; }
      var p = Live.el("p", "ls-code");
      p.appendChild(Live.el("span", "team-swatch team-c" + team.color));
      p.appendChild(Live.el("span", null, team.name + " · " + t.join + " "));
      p.appendChild(Live.el("strong", null, codes[team.id]));
      box.appendChild(p);
    });
  }

  function renderBoard(s) {
    var board = $("ls-board");
    var max = Math.max.apply(null, [10].concat((s.teams || []).map(function (x) { return Math.abs(x.score); })));
    (s.teams || []).forEach(function (team) {
      var card = cards[team.id];
      if (!card) {
        card = Live.el("div", "ls-team team-c" + team.color);
        card.appendChild(Live.el("span", "ls-team-name", team.name));
        card.appendChild(Live.el("span", "ls-team-score"));
        card.appendChild(Live.el("span", "ls-team-rank"));
        var bar = Live.el("span", "ls-team-bar");
        bar.appendChild(Live.el("span", "ls-team-fill"));
        card.appendChild(bar);
        card.appendChild(Live.el("span", "ls-team-delta"));
        board.appendChild(card);
        cards[team.id] = card;
      }
      card.querySelector(".ls-team-score").textContent = Live.fmt(t.score, { n: team.score });
      card.querySelector(".ls-team-rank").textContent = Live.fmt(t.rank, { n: team.rank });
      card.querySelector(".ls-team-fill").style.width = Math.max(2, Math.round(100 * Math.max(0, team.score) / max)) + "%";
      var before = shownScores[team.id];
      if (before !== undefined && before !== team.score) {
        var delta = card.querySelector(".ls-team-delta");
        delta.textContent = (team.score > before ? "+" : "") + (team.score - before);
        delta.className = "ls-team-delta is-shown " + (team.score > before ? "is-up" : "is-down");
        setTimeout(function () { delta.className = "ls-team-delta"; }, 2500);
      }
      shownScores[team.id] = team.score;
    });
  }

  function renderPodium(s) {
    var box = $("ls-podium");
    box.hidden = !s.podium;
    box.textContent = "";
    if (!s.podium) { return; }
    box.appendChild(Live.el("h2", "ls-podium-h", t.podium));
    var row = Live.el("ol", "ls-podium-row");
    s.podium.forEach(function (p) {
      var li = Live.el("li", "ls-place ls-place-" + p.rank);
      li.appendChild(Live.el("span", "ls-place-rank", Live.fmt(t.rank, { n: p.rank })));
      li.appendChild(Live.el("span", "ls-place-team", p.team));
      li.appendChild(Live.el("span", "ls-place-score", Live.fmt(t.score, { n: p.score })));
      row.appendChild(li);
    });
    box.appendChild(row);
  }

  function tickClock() {
    if (!state) { return; }
    var left = state.contest.status === "running" ? Live.secondsLeft(state) : null;
    var clock = $("ls-clock");
    clock.textContent = left === null ? "" : String(left);
    clock.className = "ls-clock" + (left !== null && left <= 5 ? " is-low" : "");
  }

  setInterval(tickClock, 200);
  poll.start();
})();
