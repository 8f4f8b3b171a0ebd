/* Live contests: poll a state URL with ETags (an unchanged state costs a 304), measure the round-trip,
   and hand each new state to the page. Shared by the team pads, the big screen and the host console. */
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function LivePoll(url, onState, opts) {
    this.url = url;
    this.onState = onState;
    this.onLink = (opts && opts.onLink) || function () {};
    this.interval = (opts && opts.interval) || 400;
    this.etag = null;
    this.rtt = null;
    this.failures = 0;
    this.timer = null;
  }

  LivePoll.prototype.start = function () {
    var self = this;
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) { self.now(); }  // a phone woken up catches up at once
    });
    window.addEventListener("online", function () { self.now(); });
    this.tick();
  };

  LivePoll.prototype.now = function () {
    clearTimeout(this.timer);
    this.tick();
  };

  LivePoll.prototype.tick = function () {
    var self = this;
    var headers = { "Accept": "application/json" };
    if (this.etag) { headers["If-None-Match"] = this.etag; }
    var t0 = performance.now();
    fetch(this.url, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        var took = Math.round(performance.now() - t0);
        self.rtt = self.rtt === null ? took : Math.round(self.rtt * 0.7 + took * 0.3);
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error("status " + response.status); }
        self.etag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (state) {
        self.failures = 0;
        self.onLink(true, self.rtt);
        if (state) { state._received = performance.now(); self.onState(state); }
      })
      .catch(function () {
        self.failures += 1;
        self.etag = null;  // come back with the whole state
        self.onLink(false, self.rtt);
      })
      .then(function () {
        var wait = self.failures ? Math.min(3000, 500 * self.failures) : self.interval;
        self.timer = setTimeout(function () { self.tick(); }, document.hidden ? Math.max(wait, 2000) : wait);
      });
  };

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        data._status = response.status;
        return data;
      });
    });
  }

  /* Seconds left on the question's clock, counted locally from the last full state. */
  function secondsLeft(state) {
    if (state.remaining_ms === null || state.remaining_ms === undefined) { return null; }
    var left = state.remaining_ms - (performance.now() - state._received);
    return Math.max(0, Math.ceil(left / 1000));
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, k) { return values[k] === undefined ? "" : values[k]; });
  }

  /* The page's words (templates/contests/live/_text.html), by their data-* names: t["buzz-off"]. */
  function texts() {
    var data = document.getElementById("live-text").dataset, out = {};
    Object.keys(data).forEach(function (k) {
      out[k.replace(/[A-Z]/g, function (m) { return "-" + m.toLowerCase(); })] = data[k];
    });
    return out;
  }

  window.Live = { Poll: LivePoll, post: post, secondsLeft: secondsLeft, el: el, fmt: fmt, texts: texts };
})();
