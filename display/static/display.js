/*
 * The hall board on a TV: the latest call large (flashing for data-flash
 * seconds), the calls before it, the waiting count of every service, the
 * hall's name and clock. Everything comes from the live link; a snapshot
 * (on connect, reconnect, or after a missed event) replaces the whole state.
 *
 * Only a call that is still on shows large: its ticket is still the current
 * ticket of that window (called, or being served since the citizen came).
 * Once a call ends — no-show, transfer, finished, expired — the large area
 * falls back to the newest call still on, or to the idle "watch for your
 * number". The recent list keeps the calls as history, one row per number;
 * a call that ended in a transfer or a no-show says so instead of naming the
 * window (已转 transferred, 过号 no-show), so nobody is sent back there.
 * All of it is worked out from the windows' current tickets and the open
 * tickets, which the snapshot and the events both carry: a reload shows the
 * same board.
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
      "display.people": "{n} 人",
      "display.transferred": "已转",
      "display.no_show": "过号"
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
      "display.people": "{n}",
      "display.transferred": "Transferred",
      "display.no_show": "No-show"
    }
  });

  var body = document.body;
  var flashSeconds = parseInt(body.getAttribute("data-flash"), 10);
  if (isNaN(flashSeconds)) flashSeconds = 6;
  var listed = parseInt(body.getAttribute("data-calls"), 10) || 8;

  var hall = null;
  var calls = [];      // newest first: {number, service, window, window_name, window_name_en, at, seq, recall, status}
  var keep = Math.max(listed + 1, 10); // the snapshot lists the 10 latest calls: keep as many live
  var services = [];   // {code, prefix, name, name_en, waiting}
  var windows = {};    // id -> window object (its `current` is the ticket called or served there)
  var open = {};       // number -> ticket, for tickets waiting or at a window (the rest are settled)
  var loaded = false;  // a snapshot was drawn
  var flashTimer = null;
  var shownKey = null; // the call the large area shows

  // One row per ticket and window: a recall (ticket_called with recall) is the same call again.
  function sameCall(a, b) {
    return a.number === b.number && a.window === b.window;
  }

  // ---- what is still on -----------------------------------------------------

  function atWindow(t) {
    return !!t && (t.status === "called" || t.status === "serving") && t.window != null;
  }

  function isOpen(t) {
    return !!t && (t.status === "waiting" || atWindow(t));
  }

  /** A ticket as an event tells it now: open or settled, at which window (if any). */
  function noteTicket(t) {
    if (!t || !t.number) return;
    if (isOpen(t)) open[t.number] = t; else delete open[t.number];
    // What became of a called ticket, as the snapshot's recent_calls say it after a reload.
    calls.forEach(function (c) { if (c.number === t.number && t.status) c.status = t.status; });
    Object.keys(windows).forEach(function (id) {
      var w = windows[id], cur = w.current;
      if (cur && cur.number === t.number && !(atWindow(t) && t.window === w.id)) w.current = null;
    });
    if (atWindow(t) && windows[t.window]) windows[t.window].current = t;
  }

  function noteWindow(w) {
    if (!w || w.id == null) return;
    windows[w.id] = w;
    if (w.current) noteTicket(w.current);
  }

  /** The call's ticket is still the current ticket of that window. */
  function isOn(c) {
    var w = windows[c.window];
    return !!(w && w.current && w.current.number === c.number);
  }

  function time(c) {
    var ms = c && c.at ? Date.parse(c.at) : NaN;
    return isNaN(ms) ? 0 : ms;
  }

  /** The newest call still on, or null. A window's current ticket whose call is older than the
   *  calls kept still counts: it is made from the ticket itself. */
  function latestCall() {
    var best = null;
    Object.keys(windows).forEach(function (id) {
      var w = windows[id], t = w.current;
      if (!atWindow(t)) return;
      var c = calls.filter(function (k) { return k.number === t.number && k.window === w.id; })[0];
      if (!c) {
        var here = (t.calls || []).filter(function (k) { return k.window === w.id; });
        if (!here.length) return;
        c = { number: t.number, service: t.service, window: w.id, window_name: w.name,
              window_name_en: w.name_en, at: here[here.length - 1].at, seq: 0, recall: here.length > 1 };
      }
      if (!best || time(c) > time(best) || (time(c) === time(best) && (c.seq || 0) > (best.seq || 0))) best = c;
    });
    return best;
  }

  /** current (still on at its window), transferred or no_show (the number waits again or is at
   *  another window: that call is over), or ended (settled: finished, no-show, cancelled…). */
  function callState(c) {
    if (isOn(c)) return "current";
    var t = open[c.number];
    var steps = t ? (t.steps || []).filter(function (s) { return s.window === c.window; }) : [];
    var outcome = steps.length ? steps[steps.length - 1].outcome : null;
    if (outcome === "transferred" || outcome === "no_show") return outcome;
    if (c.status === "no_show") return "no_show";    // the snapshot says what became of the ticket
    return "ended";
  }

  // ---- the latest call ----------------------------------------------------

  function windowName(c, other) {
    var en = i18n.lang() === "en";
    if (other) en = !en;
    return en ? (c.window_name_en || c.window_name || String(c.window)) : (c.window_name || String(c.window));
  }

  function drawLatest() {
    var box = document.getElementById("latest");
    var c = latestCall();
    var key = c ? c.number + "|" + c.window + "|" + c.at : null;
    // Another call than before, not a new one (ticket_called flashes after this): no flashing.
    if (key !== shownKey) stopFlash();
    shownKey = key;
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

  function stopFlash() {
    document.getElementById("latest").classList.remove("flash");
    if (flashTimer) clearTimeout(flashTimer);
    flashTimer = null;
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
    // Each number once, at its newest call; the one shown large is not repeated.
    var shown = latestCall();
    var seen = {};
    if (shown) seen[shown.number] = true;
    var rows = calls.filter(function (c) {
      if (seen[c.number]) return false;
      seen[c.number] = true;
      return true;
    });
    rows.slice(0, listed).forEach(function (c) {
      var state = callState(c);
      var tr = document.createElement("tr");
      tr.setAttribute("data-number", c.number);
      tr.setAttribute("data-state", state);
      var n = document.createElement("td");
      n.className = "d-num";
      n.textContent = c.number;
      var w = document.createElement("td");
      if (state === "transferred" || state === "no_show") {
        // The number waits again: never point it back at the window of the call that ended.
        w.className = "d-moved";
        w.textContent = t(state === "transferred" ? "display.transferred" : "display.no_show");
      } else {
        w.textContent = windowName(c, false);
      }
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
      var seen = calls.length ? (calls[0].seq || 0) : 0;
      // The log lists a recall as a call of its own: keep only each ticket's latest.
      calls = [];
      (s.recent_calls || []).forEach(function (c) {
        if (!calls.some(function (k) { return sameCall(k, c); })) calls.push(c);
      });
      windows = {};
      open = {};
      (s.waiting || []).forEach(noteTicket);
      (s.windows || []).forEach(noteWindow);
      services = (s.services || []).slice();
      drawAll();
      // A call made while we were away still deserves its flash, if it is still on.
      var c = latestCall();
      if (loaded && c && (c.seq || 0) > seen) flash();
      loaded = true;
    },
    ticket_called: function (e) {
      // A recall moves that number back to the top instead of listing it twice.
      calls = calls.filter(function (c) { return !sameCall(c, e); });
      calls.unshift({
        number: e.number, service: e.service, window: e.window,
        window_name: e.window_name, window_name_en: e.window_name_en,
        at: e.at, seq: e.seq, recall: !!e.recall
      });
      calls = calls.slice(0, keep);
      noteTicket(e.ticket || { number: e.number, service: e.service, status: "called", window: e.window });
      drawLatest();
      drawRecent();
      flash();
      if (e.audio_url) audio.enqueue(e.audio_url);
    },
    window_changed: function (e) {
      noteWindow(e.window);
      drawLatest();
      drawRecent();
    },
    // Any other news of a ticket (started, finished, no-show, transferred, rejoined, cancelled,
    // expired…) may end a call or change how the recent list tells it.
    any: function (name, e) {
      if (name === "ticket_called" || name === "window_changed" || !e.ticket) return;
      noteTicket(e.ticket);
      drawLatest();
      drawRecent();
    },
    queue_changed: function (e) {
      services.forEach(function (s) { if (s.code === e.service) s.waiting = e.waiting; });
      drawWaiting();
    }
  });
})();
