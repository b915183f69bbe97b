/* The phone page: one ticket's progress, redrawn from /api/progress/<token>
 * whenever the hall tells of a change (Socket.IO), so it is live without
 * polling and recovers by itself after a network drop. */
(function () {
  "use strict";
  var token = document.body.getAttribute("data-token");
  var csrf = (document.currentScript && document.currentScript.getAttribute("data-csrf")) || "";
  var t = HallQ.i18n.t;
  var last = null;

  HallQ.i18n.add({
    zh: {
      "progress.your_number": "您的号码", "progress.loading": "正在读取…", "progress.ahead": "前面还有",
      "progress.wait": "预计等候", "progress.rejoin": "重新排队",
      "progress.waiting": "排队中，请留意叫号", "progress.called": "请到 {window} 办理",
      "progress.called_detail": "叫号时间 {time}", "progress.serving": "正在 {window} 办理",
      "progress.finished": "已办结，感谢您的耐心", "progress.no_show": "已过号",
      "progress.no_show_detail": "{until} 前可重新排队", "progress.no_show_late": "如需办理请重新取号",
      "progress.cancelled": "此号已取消", "progress.expired": "此号已过期，请重新取号",
      "progress.people": "{n} 人", "progress.minutes": "约 {n} 分钟", "progress.no_window": "暂无窗口",
      "progress.soon": "马上", "progress.offline": "连接中断，正在重新连接…",
      "progress.range": "多半在 {low}–{high} 分钟", "progress.range_open": "至少 {low} 分钟",
      "progress.transferred": "已转至 {service}",
      "progress.priority": "优先 · {name}", "progress.appointment": "预约 · 时段内优先叫号",
      "progress.keep_open": "此页面会自动更新，无需刷新",
      "progress.rate_ask": "请您对本次服务进行评价", "progress.rate_thanks": "谢谢您的评价",
      "progress.rate_step": "{service} · {window}", "progress.rate_until": "可在 {until} 前评价"
    },
    en: {
      "progress.your_number": "Your number", "progress.loading": "Loading…", "progress.ahead": "Ahead of you",
      "progress.wait": "Estimated wait", "progress.rejoin": "Rejoin the queue",
      "progress.waiting": "Waiting — watch for your number", "progress.called": "Please go to {window}",
      "progress.called_detail": "Called at {time}", "progress.serving": "Being served at {window}",
      "progress.finished": "Finished — thank you", "progress.no_show": "Missed your call",
      "progress.no_show_detail": "You may rejoin until {until}", "progress.no_show_late": "Please take a new ticket",
      "progress.cancelled": "This ticket was cancelled", "progress.expired": "This ticket expired; please take a new one",
      "progress.people": "{n}", "progress.minutes": "about {n} min", "progress.no_window": "no window open",
      "progress.soon": "now", "progress.offline": "Connection lost, reconnecting…",
      "progress.range": "likely {low}–{high} min", "progress.range_open": "at least {low} min",
      "progress.transferred": "Moved to {service}",
      "progress.priority": "Priority · {name}", "progress.appointment": "Appointment · called first in your slot",
      "progress.keep_open": "This page updates by itself; no need to reload",
      "progress.rate_ask": "Please rate our service", "progress.rate_thanks": "Thank you for your rating",
      "progress.rate_step": "{service} · {window}", "progress.rate_until": "You may rate it until {until}"
    }
  });

  function $(id) { return document.getElementById(id); }
  function en() { return HallQ.i18n.lang() === "en"; }

  function draw() {
    if (!last) return;
    var tk = last.ticket;
    var win = en() ? last.window_name_en : last.window_name;
    $("number").textContent = tk.number;
    $("service").textContent = (en() ? tk.service_name_en : tk.service_name) +
      (tk.matter_name ? " · " + (en() ? tk.matter_name_en : tk.matter_name) : "");
    var hallName = en() ? (last.hall && (last.hall.name_en || last.hall.name)) : (last.hall && last.hall.name);
    if (hallName) $("hall-name").textContent = hallName;
    var badge = $("priority");
    badge.textContent = tk.priority === "appointment" ? t("progress.appointment")
      : tk.priority ? t("progress.priority", {name: en() ? tk.priority_name_en : tk.priority_name}) : "";
    badge.hidden = !badge.textContent || (tk.status !== "waiting" && tk.status !== "called");
    var box = $("status");
    box.className = "status";
    var head = "", detail = "";
    if (tk.status === "waiting") {
      head = t("progress.waiting");
      if (tk.steps && tk.steps.length && tk.steps[tk.steps.length - 1].outcome === "transferred") {
        detail = t("progress.transferred", {service: en() ? tk.service_name_en : tk.service_name});
      }
    } else if (tk.status === "called") {
      box.className = "status called";
      head = t("progress.called", {window: win});
      var c = tk.calls[tk.calls.length - 1];
      detail = c ? t("progress.called_detail", {time: HallQ.clock.formatTime(c.at)}) : "";
    } else if (tk.status === "serving") {
      box.className = "status called";
      head = t("progress.serving", {window: win});
    } else if (tk.status === "finished") {
      box.className = "status done"; head = t("progress.finished");
    } else if (tk.status === "no_show") {
      box.className = "status missed"; head = t("progress.no_show");
      detail = last.rejoin_until ? t("progress.no_show_detail", {until: HallQ.clock.formatTime(last.rejoin_until)})
                                 : t("progress.no_show_late");
    } else {
      box.className = "status done"; head = t("progress." + tk.status);
    }
    $("headline").textContent = head;
    $("detail").textContent = detail;
    $("facts").hidden = tk.status !== "waiting";
    $("ahead").textContent = t("progress.people", {n: last.ahead});
    $("wait").textContent = last.wait_minutes === null ? t("progress.no_window")
      : last.wait_minutes === 0 ? t("progress.soon") : t("progress.minutes", {n: last.wait_minutes});
    // The likely range beside the figure: the 20th to 80th percentile of the sampled futures.
    var low = last.wait_low_minutes, high = last.wait_high_minutes, range = $("wait-range");
    range.hidden = last.wait_minutes === null || low === null || low === undefined || (high !== null && high === low);
    range.textContent = range.hidden ? "" : high === null ? t("progress.range_open", {low: low})
      : t("progress.range", {low: low, high: high});
    range.setAttribute("data-low", range.hidden ? "" : String(low));
    range.setAttribute("data-high", range.hidden || high === null ? "" : String(high));
    $("rejoin").hidden = !last.rejoin_until;
    $("keep").hidden = tk.status !== "waiting" && tk.status !== "called" && tk.status !== "serving";
    drawRating();
  }

  // ---- rating (hall/rating_screens.py says which served steps may still be rated) ----

  var picker = null, pickerKey = null, shownStep = null, untilTimer = null;

  function openStep(r) {
    var now = HallQ.clock.now();
    return (r.steps || []).filter(function (s) { return now < Date.parse(s.until); })[0] || null;
  }

  function drawRating() {
    var r = last.rating || {};
    var step = openStep(r);
    $("rating").hidden = !step;
    $("rating-thanks").hidden = !!step || !(r.rated && r.rated.length);
    $("rating-late").hidden = !!step || !r.too_late;
    if (r.too_late) $("rating-late").textContent = en() ? r.too_late.message_en : r.too_late.message;
    if (untilTimer) { clearTimeout(untilTimer); untilTimer = null; }
    if (!step) { shownStep = null; return; }
    var key = JSON.stringify([r.reasons, r.comment_chars]);
    if (key !== pickerKey) {
      pickerKey = key;
      shownStep = null;
      picker = HallQ.rating.picker($("rating-picker"), {reasons: r.reasons || [], commentChars: r.comment_chars,
                                                         submit: submitRating});
    }
    if (shownStep !== step.step) { shownStep = step.step; picker.reset(); }
    $("rating-step").textContent = t("progress.rate_step", {service: en() ? step.service_name_en : step.service_name,
                                                            window: en() ? step.window_name_en : step.window_name});
    var until = Date.parse(step.until);
    $("rating-until").textContent = t("progress.rate_until", {
      until: HallQ.clock.formatDate(until) + " " + HallQ.clock.formatTime(until)});
    // When the phone's time runs out, ask the hall again: it then says so in its own words.
    untilTimer = setTimeout(refresh, Math.min(Math.max(0, until - HallQ.clock.now()) + 1000, 2147483000));
  }

  function submitRating(level, reasons, comment) {
    var headers = {"Content-Type": "application/json"};
    if (csrf) headers["X-HallQ-CSRF"] = csrf;   // a browser signed in as staff
    return fetch("/api/progress/" + encodeURIComponent(token) + "/rating", {
      method: "POST", credentials: "same-origin", headers: headers,
      body: JSON.stringify({level: level, step: shownStep, reasons: reasons, comment: comment})
    }).then(function (res) {
      return res.json().then(function (body) {
        if (res.ok && body.ticket) { last = body; draw(); return null; }
        refresh();   // rated elsewhere meanwhile, or too late: show what holds now
        return HallQ.i18n.errorText(body);
      });
    }).catch(function () { return t("error.network"); });
  }

  var pending = null;
  function refresh() {
    // Coalesce bursts of events into one request.
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch("/api/progress/" + encodeURIComponent(token), {cache: "no-store"})
        .then(function (r) { return r.json(); })
        .then(take)   // the same rule as the socket's: never older than what is shown
        .catch(function () {});
    }, 150);
  }

  $("rejoin").addEventListener("click", function () {
    // A browser signed in as staff must send its session's CSRF token, rendered into the page.
    fetch("/api/progress/" + encodeURIComponent(token) + "/rejoin",
          {method: "POST", credentials: "same-origin", headers: csrf ? {"X-HallQ-CSRF": csrf} : {}})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (body.ticket) { last = body; draw(); }
        else if (body.error) { $("detail").textContent = HallQ.i18n.errorText(body); }
      });
  });

  document.addEventListener("hallq:lang", draw);
  // The phone audience hears only this ticket's progress (and its queue's length), as the
  // same object /api/progress/<token> answers: first as the snapshot, then as "progress".
  var socket = io("/hall", {transports: ["websocket", "polling"], auth: {audience: "phone", token: token}});
  function take(p) {
    if (!p || !p.ticket) return;
    if (last && typeof p.seq === "number" && typeof last.seq === "number" && p.seq < last.seq) return;
    if (p.now) HallQ.clock.sync(p.now);
    last = p;
    draw();
  }
  socket.on("connect", function () { $("conn").textContent = ""; });
  socket.on("disconnect", function () { $("conn").textContent = t("progress.offline"); });
  socket.on("snapshot", take);
  socket.on("progress", take);
  refresh();
})();
