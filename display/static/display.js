/*
 * The hall board on a TV: the latest call large (flashing for data-flash
 * seconds), the calls before it, the waiting count of every service, the
 * hall's name and clock. Everything comes from the live link; a snapshot
 * (on connect, reconnect, or after a missed event) replaces the whole state.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;

  i18n.add({
    zh: {
      "display.page_title": "叫号屏 · HallQ",
      "display.hall_default": "政务服务大厅",
      "display.now_calling": "正在呼叫",
      "display.recalling": "再次呼叫",
      "display.no_calls": "请留意叫号",
      "display.go_to": "请到 {window} 办理",
      "display.recent": "最近呼叫",
      "display.col_number": "号码",
      "display.col_window": "窗口",
      "display.col_time": "时间",
      "display.waiting": "等候人数",
      "display.people": "{n} 人"
    },
    en: {
      "display.page_title": "Calling board · HallQ",
      "display.hall_default": "Government Service Hall",
      "display.now_calling": "Now calling",
      "display.recalling": "Calling again",
      "display.no_calls": "Please watch for your number",
      "display.go_to": "Please go to {window}",
      "display.recent": "Recent calls",
      "display.col_number": "Number",
      "display.col_window": "Window",
      "display.col_time": "Time",
      "display.waiting": "Waiting",
      "display.people": "{n}"
    }
  });

  var body = document.body;
  var flashSeconds = parseInt(body.getAttribute("data-flash"), 10);
  if (isNaN(flashSeconds)) flashSeconds = 6;
  var listed = parseInt(body.getAttribute("data-calls"), 10) || 8;

  var hall = null;
  var calls = [];      // newest first: {number, service, window, window_name, window_name_en, at, seq, recall}
  var services = [];   // {code, prefix, name, name_en, waiting}
  var flashTimer = null;

  // One row per ticket and window: a recall (ticket_called with recall) is the same call again.
  function sameCall(a, b) {
    return a.number === b.number && a.window === b.window;
  }

  // ---- the latest call ----------------------------------------------------

  function windowName(c, other) {
    var en = i18n.lang() === "en";
    if (other) en = !en;
    return en ? (c.window_name_en || c.window_name || String(c.window)) : (c.window_name || String(c.window));
  }

  function drawLatest() {
    var box = document.getElementById("latest");
    var c = calls[0];
    var label = document.getElementById("latest-label");
    var num = document.getElementById("latest-number");
    var win = document.getElementById("latest-window");
    var sub = document.getElementById("latest-sub");
    win.removeAttribute("data-i18n");
    if (!c) {
      box.setAttribute("data-number", "");
      box.setAttribute("data-window", "");
      label.textContent = t("display.now_calling");
      num.textContent = "—";
      win.textContent = t("display.no_calls");
      sub.textContent = "";
      return;
    }
    box.setAttribute("data-number", c.number);
    box.setAttribute("data-window", String(c.window));
    label.textContent = t(c.recall ? "display.recalling" : "display.now_calling");
    num.textContent = c.number;
    win.textContent = t("display.go_to", { window: windowName(c, false) });
    // The other language underneath, for visitors who read only that one.
    sub.textContent = i18n.lang() === "en"
      ? "请到 " + windowName(c, true) + " 办理"
      : "Please go to " + windowName(c, true);
  }

  function flash() {
    var box = document.getElementById("latest");
    box.classList.remove("flash");
    void box.offsetWidth; // restart the animation for a second call in a row
    if (flashSeconds <= 0) return;
    box.classList.add("flash");
    if (flashTimer) clearTimeout(flashTimer);
    flashTimer = setTimeout(function () { box.classList.remove("flash"); }, flashSeconds * 1000);
  }

  // ---- earlier calls --------------------------------------------------------

  function drawRecent() {
    var tbody = document.getElementById("recent");
    tbody.innerHTML = "";
    calls.slice(1, listed + 1).forEach(function (c) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-number", c.number);
      var n = document.createElement("td");
      n.className = "d-num";
      n.textContent = c.number;
      var w = document.createElement("td");
      w.textContent = windowName(c, false);
      var at = document.createElement("td");
      at.className = "d-at";
      at.textContent = c.at ? HallQ.clock.formatTime(c.at, false) : "";
      tr.appendChild(n); tr.appendChild(w); tr.appendChild(at);
      tbody.appendChild(tr);
    });
  }

  // ---- waiting counts -------------------------------------------------------

  function drawWaiting() {
    var box = document.getElementById("waiting");
    box.innerHTML = "";
    box.style.gridTemplateColumns = "repeat(" + Math.max(1, Math.min(services.length, 8)) + ", 1fr)";
    services.forEach(function (s) {
      var item = document.createElement("div");
      item.className = "d-svc";
      item.setAttribute("data-service", s.code);
      item.setAttribute("data-waiting", String(s.waiting || 0));
      var p = document.createElement("span");
      p.className = "d-prefix";
      p.textContent = s.prefix || s.code;
      var name = document.createElement("span");
      name.className = "d-svc-name";
      name.textContent = i18n.pick(s, "name");
      var count = document.createElement("span");
      count.className = "d-count";
      count.textContent = t("display.people", { n: s.waiting || 0 });
      item.appendChild(p); item.appendChild(name); item.appendChild(count);
      box.appendChild(item);
    });
  }

  // ---- header ---------------------------------------------------------------

  function drawHall() {
    var el = document.getElementById("hall-name");
    if (hall && i18n.pick(hall, "name")) {
      el.removeAttribute("data-i18n");
      el.textContent = i18n.pick(hall, "name");
    }
  }

  function tick() {
    var now = HallQ.clock.now(), known = HallQ.clock.synced();
    document.getElementById("clock").textContent = known ? HallQ.clock.formatTime(now, true) : "";
    document.getElementById("date").textContent = known ? HallQ.clock.formatDate(now) : "";
  }
  setInterval(tick, 1000);
  tick();

  // A banner only when the link stays down, so a quick reconnect does not flicker.
  var offlineTimer = null;
  function status(online) {
    var banner = document.getElementById("offline");
    if (online) {
      if (offlineTimer) clearTimeout(offlineTimer);
      offlineTimer = null;
      banner.hidden = true;
    } else if (!offlineTimer && banner.hidden) {
      offlineTimer = setTimeout(function () { banner.hidden = false; offlineTimer = null; }, 3000);
    }
  }

  // ---- announcements in the browser (?audio=1) ---------------------------------
  //
  // For halls whose speakers hang on the display PC: each ticket_called's
  // audio_url (the joined announcement, chime included) plays here, one after
  // another in call order, never two at once; a recall is a new call and plays
  // again. A TV browser must be allowed to play without a click: start
  // Chromium with --autoplay-policy=no-user-gesture-required (docs/deploy.md).
  // Without it the first play() is refused; the queue then waits for one
  // click or key on the page and goes on from where it stopped.

  var audio = (function () {
    var enabled = new URLSearchParams(window.location.search).get("audio") === "1";
    var state = {
      enabled: enabled,
      queue: [],      // URLs waiting to play, oldest first
      playing: null,  // the URL playing now
      played: [],     // URLs that started playing, in order
      log: [],        // "start <url>", "end <url>", "error <url>": proves one at a time
      blocked: false  // the browser refused to play without a user gesture
    };
    var player = null;
    var turn = 0; // which play() a late promise answer belongs to (a recall repeats the same URL)

    function next() {
      if (state.playing || state.blocked || !state.queue.length) return;
      var url = state.queue.shift();
      var mine = ++turn;
      state.playing = url;
      player.src = url;
      var p = player.play();
      if (!p || !p.then) return;
      p.then(function () {
        if (turn !== mine) return;
        state.played.push(url);
        state.log.push("start " + url);
      }, function (err) {
        if (turn !== mine || state.playing !== url) return;
        state.playing = null;
        if (err && err.name === "NotAllowedError") {
          state.blocked = true;       // keep it first in line; a click or key resumes
          state.queue.unshift(url);
          state.log.push("blocked " + url);
        } else {
          state.log.push("error " + url); // a broken file must not hold up the calls after it
          next();
        }
      });
    }

    function finished(kind) {
      return function () {
        if (!state.playing) return;
        turn += 1; // its play() promise, if still pending, no longer speaks for the queue
        state.log.push(kind + " " + state.playing);
        state.playing = null;
        next();
      };
    }

    function unblock() {
      if (!state.blocked) return;
      state.blocked = false;
      next();
    }

    if (enabled) {
      player = new Audio();
      player.preload = "auto";
      player.addEventListener("ended", finished("end"));
      player.addEventListener("error", finished("error"));
      document.addEventListener("click", unblock);
      document.addEventListener("keydown", unblock);
    }

    state.player = function () { return player; }; // the <audio> playing the calls, for tests and diagnosis
    state.enqueue = function (url) {
      if (!enabled) return;
      state.queue.push(url);
      next();
    };
    return state;
  })();
  window.HallQ.displayAudio = audio;

  function drawAll() { drawHall(); drawLatest(); drawRecent(); drawWaiting(); tick(); }
  document.addEventListener("hallq:lang", drawAll);

  HallQ.live({
    status: status,
    snapshot: function (s) {
      hall = s.hall || hall;
      var newest = calls[0];
      // The log lists a recall as a call of its own: keep only each ticket's latest.
      calls = [];
      (s.recent_calls || []).forEach(function (c) {
        if (!calls.some(function (k) { return sameCall(k, c); })) calls.push(c);
      });
      services = (s.services || []).slice();
      drawAll();
      // A call made while we were away still deserves its flash.
      if (calls[0] && (!newest || newest.seq !== calls[0].seq) && newest !== undefined) flash();
    },
    ticket_called: function (e) {
      // A recall moves that number back to the top instead of listing it twice.
      calls = calls.filter(function (c) { return !sameCall(c, e); });
      calls.unshift({
        number: e.number, service: e.service, window: e.window,
        window_name: e.window_name, window_name_en: e.window_name_en,
        at: e.at, seq: e.seq, recall: !!e.recall
      });
      calls = calls.slice(0, listed + 1);
      drawLatest();
      drawRecent();
      flash();
      if (e.audio_url) audio.enqueue(e.audio_url);
    },
    queue_changed: function (e) {
      services.forEach(function (s) { if (s.code === e.service) s.waiting = e.waiting; });
      drawWaiting();
    }
  });
})();
