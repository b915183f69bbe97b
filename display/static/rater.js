/*
 * The window's rating tablet (/rater/<window>), facing the citizen.
 *
 * Idle (the hall's and the window's names) until the hall says a step finished
 * at this window waits for its rating: then the five buttons (rating.js), until
 * the rating time runs out. The hall decides what waits (GET /api/rater/<window>,
 * the same object as this audience's socket snapshot); the page asks again on
 * every event its audience hears, and rates only the ticket the hall named.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;
  var THANKS_MS = 4000, REFUSED_MS = 6000;
  var body = document.body;
  var win = parseInt(body.getAttribute("data-window"), 10);

  i18n.add({
    zh: {
      "rater.idle": "欢迎您，办理结束后请在这里评价", "rater.ask": "请您对本次服务进行评价",
      "rater.thanks": "谢谢您的评价", "rater.thanks_note": "您的评价将帮助我们改进服务",
      "rater.ticket": "{number} · {service}"
    },
    en: {
      "rater.idle": "Welcome. Please rate our service here when you are done", "rater.ask": "Please rate our service",
      "rater.thanks": "Thank you for your rating", "rater.thanks_note": "Your rating helps us serve you better",
      "rater.ticket": "{number} · {service}"
    }
  });

  function $(id) { return document.getElementById(id); }

  var server = null;     // the latest tablet state the hall sent
  var shownTicket = null; // the ticket id the buttons are for
  var hold = 0;          // until when a thank-you or a refusal stays up (hall clock ms)

  var picker = null;      // the five buttons, built with the hall's reasons (rebuild)

  function show(screen, ms) {
    hold = ms ? HallQ.clock.now() + ms : 0;
    setScreen(screen);
  }

  function setScreen(screen) {
    body.setAttribute("data-state", screen);
    ["idle", "rate", "thanks", "refused"].forEach(function (id) { $(id).hidden = id !== screen; });
  }

  function pendingNow() {
    var p = server && server.pending;
    return p && HallQ.clock.now() < Date.parse(p.until) ? p : null;
  }

  function draw() {
    if (!server) return;
    var hallName = i18n.pick(server.hall, "name");
    var winName = i18n.pick(server.window, "name");
    $("hall-name").textContent = hallName;
    $("idle-hall").textContent = hallName;
    $("window-name").textContent = winName;
    $("idle-window").textContent = winName;
    if (hold && HallQ.clock.now() < hold) return;
    hold = 0;
    var p = pendingNow();
    if (!p) { shownTicket = null; setScreen("idle"); return; }
    if (shownTicket !== p.ticket.id) { shownTicket = p.ticket.id; picker.reset(); }
    $("ticket").textContent = t("rater.ticket", {number: p.ticket.number, service: i18n.pick(p.ticket, "service_name")});
    setScreen("rate");
    tick();
  }

  function tick() {
    var p = server && server.pending;
    if (hold && HallQ.clock.now() >= hold) { hold = 0; draw(); return; }
    if (body.getAttribute("data-state") !== "rate" || !p) return;
    var left = Date.parse(p.until) - HallQ.clock.now();
    if (left <= 0) { draw(); return; }
    var whole = (server.rating_seconds || 30) * 1000;
    $("time-bar").style.width = Math.max(0, Math.min(100, 100 * left / whole)) + "%";
  }

  var reasonsKey = null;
  function take(st) {
    if (!st || !st.window) return;
    if (st.now) HallQ.clock.sync(st.now);
    var key = JSON.stringify([st.reasons, st.comment_chars]);
    if (key !== reasonsKey) { reasonsKey = key; rebuild(st); }
    server = st;
    draw();
  }

  function rebuild(st) {
    picker = HallQ.rating.picker($("picker"), {
      reasons: st.reasons || [], commentChars: st.comment_chars || 500, submit: submitRating
    });
    shownTicket = null;
  }

  function submitRating(level, reasons, comment) {
    var p = server && server.pending;
    if (!p) return null;
    return HallQ.api("POST", "/api/rater/" + win + "/rating",
                     {ticket_id: p.ticket.id, level: level, reasons: reasons, comment: comment})
      .then(function (res) {
        if (res.ok) {
          show("thanks", THANKS_MS);
          take(res.body.state);
          return null;
        }
        if (res.status === 0) return i18n.errorText(res.body);   // the network: the citizen may press again
        // Refused (the time ran out, rated on another channel...): say why, then show what waits now.
        $("refused-text").textContent = i18n.errorText(res.body);
        show("refused", REFUSED_MS);
        load();
        return null;
      });
  }

  var loading = null;
  function load() {
    if (loading) return;
    loading = setTimeout(function () {
      loading = null;
      HallQ.api("GET", "/api/rater/" + win).then(function (res) { if (res.ok) take(res.body); });
    }, 50);
  }

  setInterval(tick, 250);
  document.addEventListener("hallq:lang", draw);
  HallQ.live({
    snapshot: take,
    any: function () { load(); }   // this audience hears only what may change the tablet (docs/events.md)
  }, {audience: "rater", window: win});
})();
