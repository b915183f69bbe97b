/*
 * The board's alarms (电子监察): the open ones first, each with its sentence,
 * when it was raised and for how long, and for a manager a note field and
 * the acknowledge button (POST /api/alarms/<id>/acknowledge {note}); then
 * today's cleared ones, as GET /api/alarms and the alarm events tell them.
 *
 * HallQ.boardAlarms.reset(open, day) starts from a snapshot's `alarms`;
 * .changed(name, alarm) applies alarm_raised / alarm_acknowledged /
 * alarm_cleared and sounds the tone for a new one; .tick() ages them.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t, board = HallQ.board;
  var CLEARED_SHOWN = 20;   // today's cleared alarms kept below the open ones

  i18n.add({
    zh: {
      "board.alarms_title": "告警",
      "board.no_alarms": "没有未解除的告警。",
      "board.acknowledge": "确认",
      "board.note": "备注（可不填）",
      "board.acknowledged_msg": "已确认：{text}"
    },
    en: {
      "board.alarms_title": "Alarms",
      "board.no_alarms": "No open alarms.",
      "board.acknowledge": "Acknowledge",
      "board.note": "Note (optional)",
      "board.acknowledged_msg": "Acknowledged: {text}"
    }
  });

  var alarms = {};    // id -> alarm, open ones and today's cleared ones
  var drafts = {};    // id -> the note being typed, kept across redraws
  var day = null;     // the business day the board shows

  function $(id) { return document.getElementById(id); }

  function stateOf(a) { return a.cleared_at ? "cleared" : a.acknowledged_at ? "acknowledged" : "open"; }

  /** Open and not acknowledged first, then acknowledged, newest first; then cleared, latest cleared first. */
  function ordered() {
    var rank = { open: 0, acknowledged: 1, cleared: 2 };
    var list = Object.keys(alarms).map(function (k) { return alarms[k]; });
    list.sort(function (a, b) {
      var ra = rank[stateOf(a)], rb = rank[stateOf(b)];
      if (ra !== rb) return ra - rb;
      var ka = ra === 2 ? a.cleared_at : a.raised_at, kb = rb === 2 ? b.cleared_at : b.raised_at;
      return ka < kb ? 1 : ka > kb ? -1 : b.id - a.id;
    });
    var cleared = 0;
    return list.filter(function (a) { return stateOf(a) !== "cleared" || ++cleared <= CLEARED_SHOWN; });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function item(a) {
    var st = stateOf(a);
    var li = el("li", "b-alarm b-alarm-" + st);
    li.setAttribute("data-alarm-id", String(a.id));
    li.setAttribute("data-kind", a.kind);
    li.setAttribute("data-state", st);
    var head = el("div", "b-alarm-head");
    head.appendChild(el("span", "b-alarm-kind", board.kindName(a.kind)));
    var at = el("span", "b-alarm-when", board.when(a.raised_at, day));
    head.appendChild(at);
    if (st !== "cleared") {
      var age = el("span", "b-alarm-age");
      age.setAttribute("data-since", a.raised_at);
      head.appendChild(age);
    }
    li.appendChild(head);
    li.appendChild(el("div", "b-alarm-text", board.sentence(a)));
    var ack = board.acknowledgement(a, day);
    if (ack) li.appendChild(el("div", "b-alarm-ack", ack));
    if (st === "cleared") li.appendChild(el("div", "b-alarm-ack", t("alarm.cleared", { at: board.when(a.cleared_at, day) })));
    // A cleared alarm nobody acknowledged may still be: the figures count how long acknowledging took.
    if (!a.acknowledged_at) li.appendChild(ackForm(a));
    return li;
  }

  function ackForm(a) {
    var form = el("form", "b-alarm-form");
    var note = el("input", "b-alarm-note");
    note.name = "note";
    note.maxLength = 200;
    note.placeholder = t("board.note");
    note.setAttribute("aria-label", t("board.note"));
    note.value = drafts[a.id] || "";
    note.addEventListener("input", function () { drafts[a.id] = note.value; });
    var button = el("button", "b-alarm-ack-btn", t("board.acknowledge"));
    button.type = "submit";
    form.appendChild(note);
    form.appendChild(button);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      acknowledge(a, note.value.trim(), button);
    });
    return form;
  }

  function acknowledge(a, note, button) {
    var msg = $("alarm-message");
    button.disabled = true;
    HallQ.api("POST", "/api/alarms/" + encodeURIComponent(a.id) + "/acknowledge", { note: note }).then(function (res) {
      button.disabled = false;
      if (!res.ok) {
        msg.textContent = i18n.errorText(res.body);
        msg.setAttribute("data-kind", "error");
        return;
      }
      delete drafts[a.id];
      msg.textContent = t("board.acknowledged_msg", { text: board.sentence(a) });
      msg.setAttribute("data-kind", "ok");
      // The alarm_acknowledged event says the same; the answer is drawn at once.
      if (res.body && res.body.alarm) changed("alarm_acknowledged", res.body.alarm);
    });
  }

  function draw() {
    var box = $("alarms");
    if (!box) return;
    // A redraw must not take the note a manager is typing, nor the cursor in it.
    var focused = document.activeElement && document.activeElement.closest &&
      document.activeElement.closest("[data-alarm-id]");
    var focusId = focused && document.activeElement.classList.contains("b-alarm-note")
      ? focused.getAttribute("data-alarm-id") : null;
    box.innerHTML = "";
    var list = ordered();
    list.forEach(function (a) { box.appendChild(item(a)); });
    var open = list.filter(function (a) { return stateOf(a) !== "cleared"; }).length;
    var unacked = list.filter(function (a) { return stateOf(a) === "open"; }).length;
    $("alarms-card").setAttribute("data-open", String(open));
    $("alarms-card").setAttribute("data-unacknowledged", String(unacked));
    var count = $("alarms-count");
    count.hidden = open === 0;
    count.textContent = String(open);
    $("alarms-empty").hidden = open > 0;
    if (focusId) {
      var input = box.querySelector('[data-alarm-id="' + focusId + '"] .b-alarm-note');
      if (input) { input.focus(); input.setSelectionRange(input.value.length, input.value.length); }
    }
    tick();
  }

  function tick() {
    document.querySelectorAll("#alarms .b-alarm-age[data-since]").forEach(function (s) {
      s.textContent = t("alarm.raised_for", { minutes: HallQ.clock.minutesSince(s.getAttribute("data-since")) });
    });
  }

  /** Today's cleared alarms, for below the open ones (the snapshot has only open ones). */
  function loadToday() {
    if (!day) return;
    HallQ.api("GET", "/api/alarms?status=all&from=" + day + "&to=" + day).then(function (res) {
      if (!res.ok) return;
      (res.body.alarms || []).forEach(function (a) { if (!alarms[a.id] && a.cleared_at) alarms[a.id] = a; });
      draw();
    });
  }

  function reset(open, businessDay) {
    day = businessDay || null;
    alarms = {};
    (open || []).forEach(function (a) { alarms[a.id] = a; });
    draw();
    loadToday();
  }

  function changed(name, a) {
    if (!a || a.id == null) return;
    var isNew = name === "alarm_raised" && !alarms[a.id];
    alarms[a.id] = a;
    if (a.cleared_at) delete drafts[a.id];
    draw();
    if (isNew) HallQ.alarmSound.play();
  }

  window.HallQ.boardAlarms = { reset: reset, changed: changed, draw: draw, tick: tick };
})();
