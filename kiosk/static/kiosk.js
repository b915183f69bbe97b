/*
 * The kiosk: big service buttons with the number waiting and the estimated
 * wait (live). A tap takes the citizen through as few screens as the service
 * needs -- its matters and their one-time notice (一次性告知), the ID number
 * for a real-name service -- then issues the ticket and shows it full screen
 * with the phone page's QR code. The green channel and appointment check-in
 * have their own big buttons. Every screen but home goes home by itself when
 * nobody touches it.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;

  i18n.add({
    zh: {
      "kiosk.page_title": "取号 · HallQ",
      "kiosk.hall_default": "政务服务大厅",
      "kiosk.choose": "请选择要办理的业务",
      "kiosk.loading": "正在读取业务，请稍候…",
      "kiosk.none": "现在没有可以取号的业务，请到咨询台询问。",
      "kiosk.waiting": "等候 {n} 人",
      "kiosk.wait_about": "约 {n} 分钟",
      "kiosk.wait_none": "无需等候",
      "kiosk.closed": "暂停取号",
      "kiosk.green": "绿色通道",
      "kiosk.green_hint": "老年人 · 残疾人 · 军人 · 孕妇 优先",
      "kiosk.appointment": "预约签到",
      "kiosk.appointment_hint": "输入预约码或刷身份证",
      "kiosk.matters_hint": "请选择要办理的事项，可先查看需要带的材料",
      "kiosk.direct": "直接取号",
      "kiosk.notice_lead": "一次性告知：办理本事项请带齐以下材料",
      "kiosk.limit_days": "办结时限：{n} 个工作日",
      "kiosk.limit_now": "办结时限：即办（材料齐全当场办结）",
      "kiosk.materials_count": "{n} 项材料",
      "kiosk.take": "取号",
      "kiosk.green_title": "绿色通道 · 请选择优先类别",
      "kiosk.green_show": "叫号后请向窗口工作人员出示相关证件",
      "kiosk.green_services": "{category} · 请选择要办理的业务",
      "kiosk.id_title": "{service} · 实名取号",
      "kiosk.id_hint": "请在读卡器上刷身份证，或用下方按键输入18位身份证号码",
      "kiosk.id_label": "身份证号码",
      "kiosk.key_del": "删除",
      "kiosk.key_clear": "清空",
      "kiosk.key_ok": "确认取号",
      "kiosk.key_checkin": "确认签到",
      "kiosk.checkin_title": "预约签到",
      "kiosk.checkin_hint": "请输入预约码，或刷身份证 / 输入身份证号码",
      "kiosk.appt_label": "预约码或身份证号码",
      "kiosk.code_short": "预约码为 4 至 32 位字母或数字，请核对。",
      "kiosk.your_number": "您的号码",
      "kiosk.ahead": "前面还有 {n} 人等候",
      "kiosk.ahead_one": "前面还有 1 人等候",
      "kiosk.ahead_none": "前面没有人等候，请留意叫号",
      "kiosk.ticket_wait": "预计等候约 {n} 分钟",
      "kiosk.ticket_wait_none": "预计马上叫号",
      "kiosk.priority": "优先 · {name}",
      "kiosk.appointment_badge": "预约 · 时段内优先叫号",
      "kiosk.appointment_late_badge": "预约",
      "kiosk.appointment_late": "您已错过预约时段，此号按普通号顺序叫号。",
      "kiosk.qr": "扫码查看排队进度",
      "kiosk.printed": "请取走小票",
      "kiosk.listen": "请在休息区等候，留意叫号屏幕和语音提示",
      "kiosk.back": "返回",
      "kiosk.countdown": "{n} 秒后自动返回首页",
      "kiosk.busy": "正在取号…"
    },
    en: {
      "kiosk.page_title": "Take a number · HallQ",
      "kiosk.hall_default": "Government Service Hall",
      "kiosk.choose": "Please choose a service",
      "kiosk.loading": "Loading services, please wait…",
      "kiosk.none": "No service is taking numbers now. Please ask at the information desk.",
      "kiosk.waiting": "{n} waiting",
      "kiosk.wait_about": "about {n} min",
      "kiosk.wait_none": "no wait",
      "kiosk.closed": "Not taking numbers",
      "kiosk.green": "Green channel",
      "kiosk.green_hint": "Seniors · disabilities · military · pregnancy",
      "kiosk.appointment": "Appointment check-in",
      "kiosk.appointment_hint": "Enter your code or swipe your ID card",
      "kiosk.matters_hint": "Choose what you need; you can see what to bring first",
      "kiosk.direct": "Just take a number",
      "kiosk.notice_lead": "Please bring all of the following",
      "kiosk.limit_days": "Done within {n} working days",
      "kiosk.limit_now": "Done on the spot when everything is brought",
      "kiosk.materials_count": "{n} documents",
      "kiosk.take": "Take a number",
      "kiosk.green_title": "Green channel · who are you?",
      "kiosk.green_show": "Please show your certificate at the window when called",
      "kiosk.green_services": "{category} · choose a service",
      "kiosk.id_title": "{service} · ID required",
      "kiosk.id_hint": "Swipe your ID card on the reader, or enter the 18-character number below",
      "kiosk.id_label": "ID number",
      "kiosk.key_del": "Delete",
      "kiosk.key_clear": "Clear",
      "kiosk.key_ok": "Take a number",
      "kiosk.key_checkin": "Check in",
      "kiosk.checkin_title": "Appointment check-in",
      "kiosk.checkin_hint": "Enter your appointment code, or swipe / enter your ID number",
      "kiosk.appt_label": "Appointment code or ID number",
      "kiosk.code_short": "An appointment code has 4 to 32 letters or digits.",
      "kiosk.your_number": "Your number",
      "kiosk.ahead": "{n} people ahead of you",
      "kiosk.ahead_one": "1 person ahead of you",
      "kiosk.ahead_none": "Nobody is ahead of you. Please watch for your number",
      "kiosk.ticket_wait": "Estimated wait: about {n} min",
      "kiosk.ticket_wait_none": "You should be called shortly",
      "kiosk.priority": "Priority · {name}",
      "kiosk.appointment_badge": "Appointment · called first in your slot",
      "kiosk.appointment_late_badge": "Appointment",
      "kiosk.appointment_late": "You missed your appointment slot, so this is an ordinary ticket.",
      "kiosk.qr": "Scan to follow your place",
      "kiosk.printed": "Please take your ticket",
      "kiosk.listen": "Please wait in the seating area and watch the screens for your number",
      "kiosk.back": "Back",
      "kiosk.countdown": "Back to the start in {n} s",
      "kiosk.busy": "Taking a number…"
    }
  });

  // The printer's sentences come from the server in Chinese only; English by reason.
  i18n.add({
    en: {
      "print.paper_out": "The printer is out of paper, so no ticket was printed. Note the number on the screen or scan the code; staff will reprint it.",
      "print.cover_open": "The printer's cover is open, so no ticket was printed. Note the number on the screen or scan the code.",
      "print.offline": "The printer is offline, so no ticket was printed. Note the number on the screen or scan the code.",
      "print.no_answer": "The printer did not answer; your ticket may not have printed. Note the number on the screen or scan the code.",
      "print.other": "Your ticket could not be printed. Note the number on the screen or scan the code."
    }
  });

  var READING_IDLE = 60;  // seconds: reading materials or typing an ID takes longer than glancing at a ticket
  var ID_NUMBER = /^\d{17}[\dX]$/;
  var FIXABLE = { invalid_id_number: 1, appointment_not_found: 1, invalid_field: 1, id_required: 1 };

  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle"), 10) || 20;
  var screens = {};
  ["home", "matters", "notice", "green", "green-services", "idpad", "checkin", "ticket", "error"]
    .forEach(function (id) { screens[id] = document.getElementById(id); });
  var current = "home";
  var trail = [];          // the screens behind this one, for 返回
  var servicesEl = document.getElementById("services");
  var services = [];       // in the snapshot's order: {code, prefix, name, name_en, waiting, wait_minutes}
  var info = {};           // code -> the /api/services entry (open, closed_message, real_name, matters)
  var categories = [];     // the green channel's categories
  var hall = null;
  var request = null;      // the ticket being asked for: {service, matter?, priority?}
  var lastTicket = null;   // the POST answer on show
  var lastError = null;    // {message, message_en} or an API error body on show
  var busy = false;
  var remaining = 0;
  var countdownTimer = null;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- screens --------------------------------------------------------

  function show(name) {
    current = name;
    Object.keys(screens).forEach(function (k) { screens[k].hidden = k !== name; });
    body.setAttribute("data-screen", name);
    if (name === "home") stopCountdown(); else startCountdown();
    if (name === "idpad") idPad.focus();
    if (name === "checkin") apptPad.focus();
  }

  /** Forward to a screen; 返回 comes back here. */
  function go(name) {
    trail.push(current);
    show(name);
  }

  function back() {
    show(trail.length ? trail.pop() : "home");
    if (current === "home") goHome();
  }

  function goHome() {
    trail = [];
    request = null;
    lastTicket = null;
    lastError = null;
    idPad.clear();
    apptPad.clear();
    hidePadError("id-error");
    hidePadError("appt-error");
    show("home");
  }

  function startCountdown() {
    var reading = current !== "ticket" && current !== "error";
    remaining = reading ? Math.max(idleSeconds, READING_IDLE) : idleSeconds;
    drawCountdown();
    if (countdownTimer) clearInterval(countdownTimer);
    countdownTimer = setInterval(function () {
      remaining -= 1;
      if (remaining <= 0) { goHome(); return; }
      drawCountdown();
    }, 1000);
  }

  function stopCountdown() {
    if (countdownTimer) clearInterval(countdownTimer);
    countdownTimer = null;
  }

  function drawCountdown() {
    document.querySelectorAll("[data-countdown]").forEach(function (e) {
      e.textContent = t("kiosk.countdown", { n: remaining });
    });
  }

  // ---- home: the service buttons ---------------------------------------

  function svc(code) {
    var s = services.filter(function (x) { return x.code === code; })[0] || {};
    return Object.assign({}, s, info[code] || {}, { waiting: s.waiting, wait_minutes: s.wait_minutes });
  }

  function waitText(minutes) {
    if (minutes === null || minutes === undefined) return "";
    return minutes > 0 ? t("kiosk.wait_about", { n: minutes }) : t("kiosk.wait_none");
  }

  /** One service button: prefix, both names, and waiting + estimated wait, or why it is closed. */
  function serviceButton(s, cls) {
    var b = el("button", cls);
    b.type = "button";
    b.setAttribute("data-service", s.code);
    b.setAttribute("data-waiting", String(s.waiting || 0));
    var closed = s.open === false;
    b.setAttribute("data-open", closed ? "false" : "true");
    // A closed service stays tappable (not disabled): the tap says why, in one big sentence.
    b.disabled = busy;

    b.appendChild(el("span", "k-prefix", s.prefix || s.code));
    var names = el("span", "k-names");
    names.appendChild(el("span", "k-name", i18n.pick(s, "name")));
    // The other language underneath, so both readers find their service.
    names.appendChild(el("span", "k-name2", i18n.lang() === "en" ? s.name : (s.name_en || "")));
    b.appendChild(names);

    var side = el("span", "k-side");
    if (closed) {
      side.appendChild(el("span", "k-waiting k-closed", i18n.pick(s, "closed_message") || t("kiosk.closed")));
    } else {
      side.appendChild(el("span", "k-waiting", t("kiosk.waiting", { n: s.waiting || 0 })));
      var w = el("span", "k-wait", waitText(s.wait_minutes));
      w.setAttribute("data-wait-minutes", s.wait_minutes === null || s.wait_minutes === undefined ? "" : String(s.wait_minutes));
      w.hidden = !w.textContent;
      side.appendChild(w);
    }
    b.appendChild(side);
    return b;
  }

  function drawServices() {
    servicesEl.innerHTML = "";
    if (!services.length) {
      servicesEl.appendChild(el("p", "k-loading", t(hall ? "kiosk.none" : "kiosk.loading")));
      return;
    }
    servicesEl.setAttribute("data-count", String(services.length));
    services.forEach(function (s0) {
      var s = svc(s0.code);
      var b = serviceButton(s, "k-svc");
      b.addEventListener("click", function () { chooseService(s.code, null); });
      servicesEl.appendChild(b);
    });
    drawGreenButton();
  }

  /** The green channel's button names its categories, as the hall configured them. */
  function drawGreenButton() {
    var b = $("btn-green");
    b.hidden = !categories.length;
    var hint = b.querySelector(".k-extra-hint");
    hint.removeAttribute("data-i18n");
    hint.textContent = categories.map(function (c) { return i18n.pick(c, "name"); }).join(" · ");
  }

  function setServices(list) {
    // A service a new configuration removed while people still wait for it (retired) is called
    // until they are served, but no longer offered here.
    services = list.filter(function (s) { return !s.retired; }).map(function (s) {
      return { code: s.code, prefix: s.prefix, name: s.name, name_en: s.name_en,
               waiting: s.waiting || 0, wait_minutes: s.wait_minutes === undefined ? null : s.wait_minutes };
    });
    drawServices();
  }

  function setWaiting(code, waiting) {
    services.forEach(function (s) { if (s.code === code) s.waiting = waiting; });
    var b = servicesEl.querySelector('[data-service="' + code + '"]');
    if (!b) return;
    b.setAttribute("data-waiting", String(waiting));
    var w = b.querySelector(".k-waiting:not(.k-closed)");
    if (w) w.textContent = t("kiosk.waiting", { n: waiting });
  }

  // ---- choosing: service, matter, green channel --------------------------

  function closedError(s) {
    return { error: { code: s.closed_code || "service_closed",
                      message: s.closed_message || t("kiosk.closed"), message_en: s.closed_message_en } };
  }

  /** A service was tapped (on home, or on the green channel's list with a priority). */
  function chooseService(code, priority) {
    if (busy) return;
    var s = svc(code);
    if (s.open === false) { showError(closedError(s)); return; }
    request = { service: code };
    if (priority) request.priority = priority;
    if (!priority && s.matters && s.matters.length) {
      drawMatters();
      go("matters");
      return;
    }
    proceed();
  }

  /** The last step before issuing: a real-name service asks for the ID number first. */
  function proceed() {
    var s = svc(request.service);
    if (s.real_name) {
      drawIdPad();
      idPad.clear();
      hidePadError("id-error");
      go("idpad");
      return;
    }
    issue("/api/tickets", request, null);
  }

  function drawMatters() {
    if (!request) return;
    var s = svc(request.service);
    $("matters-title").textContent = i18n.pick(s, "name");
    var list = $("matters-list");
    list.innerHTML = "";
    (s.matters || []).forEach(function (m) {
      var b = el("button", "k-choice k-matter");
      b.type = "button";
      b.setAttribute("data-matter", m.code);
      b.appendChild(el("span", "k-choice-name", i18n.pick(m, "name")));
      b.appendChild(el("span", "k-choice-hint", t("kiosk.materials_count", { n: (m.materials || []).length }) +
        " · " + limitText(m.time_limit_days)));
      b.addEventListener("click", function () {
        request.matter = m.code;
        drawNotice();
        go("notice");
      });
      list.appendChild(b);
    });
  }

  function limitText(days) {
    return days > 0 ? t("kiosk.limit_days", { n: days }) : t("kiosk.limit_now");
  }

  function drawNotice() {
    if (!request || !request.matter) return;
    var s = svc(request.service);
    var m = (s.matters || []).filter(function (x) { return x.code === request.matter; })[0];
    if (!m) return;
    $("notice-title").textContent = i18n.pick(m, "name");
    var ol = $("notice-materials");
    ol.innerHTML = "";
    var materials = i18n.lang() === "en" && (m.materials_en || []).length ? m.materials_en : (m.materials || []);
    materials.forEach(function (text) { ol.appendChild(el("li", "k-material", text)); });
    var limit = $("notice-limit");
    limit.setAttribute("data-days", String(m.time_limit_days));
    limit.textContent = limitText(m.time_limit_days);
  }

  function drawCategories() {
    var list = $("green-categories");
    list.innerHTML = "";
    categories.forEach(function (c) {
      var b = el("button", "k-choice k-category", i18n.pick(c, "name"));
      b.type = "button";
      b.setAttribute("data-category", c.code);
      b.addEventListener("click", function () {
        request = { priority: c.code };
        drawGreenServices();
        go("green-services");
      });
      list.appendChild(b);
    });
  }

  function drawGreenServices() {
    if (!request || !request.priority) return;
    var c = categories.filter(function (x) { return x.code === request.priority; })[0];
    $("green-services-title").textContent = t("kiosk.green_services", { category: i18n.pick(c, "name") });
    var list = $("green-services-list");
    list.innerHTML = "";
    services.forEach(function (s0) {
      var b = serviceButton(svc(s0.code), "k-pick");
      b.addEventListener("click", function () { chooseService(s0.code, request.priority); });
      list.appendChild(b);
    });
  }

  // ---- the keypads --------------------------------------------------------

  function showPadError(id, text) {
    var e = $(id);
    e.textContent = text;
    e.hidden = !text;
    // The sentence takes the hint's place, so the keypad keeps its room.
    e.closest(".k-screen").classList.toggle("has-error", !!text);
  }

  function hidePadError(id) { showPadError(id, ""); }

  function drawIdPad() {
    if (!request) return;
    $("idpad-title").textContent = t("kiosk.id_title", { service: i18n.pick(svc(request.service), "name") });
  }

  var idPad = HallQ.pad(screens.idpad, {
    allowed: /[0-9X]/, max: 18, letters: false,
    onChange: function () { hidePadError("id-error"); },
    onSubmit: function (value) {
      issue("/api/tickets", Object.assign({}, request, { id_number: value }), "id-error");
    }
  });

  var apptPad = HallQ.pad(screens.checkin, {
    allowed: /[0-9A-Z-]/, max: 32, letters: true,
    onChange: function () { hidePadError("appt-error"); },
    onSubmit: function (value) {
      // An ID card reader gives 18 characters of digits (and X); anything else is a code.
      if (ID_NUMBER.test(value)) { issue("/api/appointments/check-in", { id_number: value }, "appt-error"); return; }
      if (value.length < 4) { showPadError("appt-error", t("kiosk.code_short")); return; }
      issue("/api/appointments/check-in", { code: value }, "appt-error");
    }
  });

  // ---- taking a ticket ---------------------------------------------------

  function setBusy(on) {
    busy = on;
    body.classList.toggle("busy", on);
    document.querySelectorAll(".k-svc, .k-pick, .k-go, .k-choice, .k-extra").forEach(function (b) { b.disabled = on; });
    idPad.setBusy(on);
    apptPad.setBusy(on);
  }

  /** POST for a ticket; a mistake the citizen can fix by retyping is said on the keypad (padError). */
  function issue(url, payload, padError) {
    if (busy) return;  // a double tap must not issue two tickets
    setBusy(true);
    HallQ.api("POST", url, payload).then(function (res) {
      setBusy(false);
      if (res.ok && res.body.ticket) {
        lastTicket = res.body;
        trail = [];
        request = null;
        idPad.clear();
        apptPad.clear();
        drawTicket();
        show("ticket");
        refreshServices();
        return;
      }
      var code = res.body && res.body.error && res.body.error.code;
      if (padError && FIXABLE[code]) {
        showPadError(padError, i18n.errorText(res.body));
        startCountdown();
        return;
      }
      showError(res.body);
    });
  }

  function showError(errBody) {
    lastError = errBody;
    drawError();
    trail = [];
    show("error");
  }

  function drawTicket() {
    if (!lastTicket) return;
    var tk = lastTicket.ticket;
    $("ticket-number").textContent = tk.number;
    $("ticket-service").textContent = i18n.pick(tk, "service_name");
    var matter = $("ticket-matter");
    matter.textContent = i18n.pick(tk, "matter_name");
    matter.hidden = !matter.textContent;

    // Green channel, appointment, or a late appointment made ordinary.
    var badge = $("ticket-priority");
    var late = tk.appointment && lastTicket.appointment_priority === false;
    badge.setAttribute("data-priority", tk.priority || "");
    if (late) badge.textContent = t("kiosk.appointment_late_badge");
    else if (tk.priority === "appointment") badge.textContent = t("kiosk.appointment_badge");
    else if (tk.priority) badge.textContent = t("kiosk.priority", { name: i18n.pick(tk, "priority_name") });
    else badge.textContent = "";
    badge.hidden = !badge.textContent;
    var lateEl = $("ticket-late");
    lateEl.textContent = late ? t("kiosk.appointment_late") : "";
    lateEl.hidden = !late;

    var ahead = lastTicket.ahead;
    var aheadEl = $("ticket-ahead");
    aheadEl.setAttribute("data-ahead", String(ahead));
    aheadEl.textContent = ahead > 1 ? t("kiosk.ahead", { n: ahead })
      : ahead === 1 ? t("kiosk.ahead_one") : t("kiosk.ahead_none");
    var wait = $("ticket-wait");
    var minutes = lastTicket.wait_minutes;
    wait.setAttribute("data-wait-minutes", minutes === null || minutes === undefined ? "" : String(minutes));
    wait.textContent = minutes === null || minutes === undefined ? ""
      : minutes > 0 ? t("kiosk.ticket_wait", { n: minutes }) : t("kiosk.ticket_wait_none");
    wait.hidden = !wait.textContent;

    var qr = $("ticket-qr");
    if (lastTicket.token) {
      var src = "/t/" + encodeURIComponent(lastTicket.token) + "/qr.svg";
      if (qr.getAttribute("src") !== src) qr.setAttribute("src", src);
    }
    $("ticket-qr-box").hidden = !lastTicket.token;

    // The printer: say what happened to the paper ticket, if there is a printer.
    var pr = lastTicket.print || { status: "not_configured" };
    var printEl = $("ticket-print");
    printEl.setAttribute("data-print-status", pr.status);
    printEl.setAttribute("data-reason", pr.reason || "");
    printEl.classList.toggle("k-print-failed", pr.status === "not_printed");
    if (pr.status === "not_printed") {
      printEl.textContent = printMessage(pr);
      printEl.hidden = !printEl.textContent;
    } else if (pr.status === "printed") {
      printEl.textContent = t("kiosk.printed");
      printEl.hidden = false;
    } else {
      printEl.textContent = "";
      printEl.hidden = true;
    }
    screens.ticket.setAttribute("data-print-status", pr.status);
  }

  function printMessage(pr) {
    if (i18n.lang() !== "en") return pr.message || "";
    if (pr.message_en) return pr.message_en;
    var key = "print." + pr.reason;
    return i18n.has(key) ? t(key) : t("print.other");
  }

  function drawError() {
    if (lastError) $("error-text").textContent = i18n.errorText(lastError);
  }

  // ---- wiring ---------------------------------------------------------

  document.querySelectorAll('[data-action="home"]').forEach(function (b) { b.addEventListener("click", goHome); });
  document.querySelectorAll('[data-action="back"]').forEach(function (b) { b.addEventListener("click", back); });
  $("btn-green").addEventListener("click", function () {
    if (busy) return;
    request = null;
    drawCategories();
    go("green");
  });
  $("btn-appointment").addEventListener("click", function () {
    if (busy) return;
    apptPad.clear();
    hidePadError("appt-error");
    go("checkin");
  });
  $("matters-direct").addEventListener("click", function () {
    if (!request) return;
    delete request.matter;
    proceed();
  });
  $("notice-take").addEventListener("click", function () { if (request) proceed(); });

  // Any touch or key away from home means someone is still there.
  ["pointerdown", "keydown"].forEach(function (kind) {
    document.addEventListener(kind, function (ev) {
      if (current === "home" || (ev.target.closest && ev.target.closest('[data-action="home"]'))) return;
      startCountdown();
    }, true);
  });
  // A kiosk has no right mouse button to offer.
  document.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });

  function drawHall() {
    var e = $("hall-name");
    if (hall && i18n.pick(hall, "name")) {
      e.removeAttribute("data-i18n");
      e.textContent = i18n.pick(hall, "name");
    }
  }

  function tick() {
    $("clock").textContent = HallQ.clock.synced() ? HallQ.clock.formatTime(HallQ.clock.now(), false) : "";
  }
  setInterval(tick, 1000);
  tick();

  document.addEventListener("hallq:lang", function () {
    drawHall(); drawServices(); drawMatters(); drawNotice(); drawCategories(); drawGreenServices();
    drawIdPad(); drawTicket(); drawError(); drawCountdown(); tick();
  });

  /** Whether each service issues now (hours, quotas), its estimated wait, matters and real-name
   *  rule come from /api/services: asked on load, on every snapshot, after the queues move, and
   *  once a minute. */
  function refreshServices() {
    HallQ.api("GET", "/api/services").then(function (res) {
      if (!res.ok || !res.body.services) return;
      info = {};
      res.body.services.forEach(function (x) { info[x.code] = x; });
      categories = res.body.priority_categories || [];
      // The answer is newer than any snapshot counts we hold.
      if (!services.length) setServices(res.body.services);
      else {
        services.forEach(function (s) {
          if (info[s.code]) { s.waiting = info[s.code].waiting; s.wait_minutes = info[s.code].wait_minutes; }
        });
        drawServices();
      }
      if (current === "green-services") drawGreenServices();
    });
  }
  var refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer) return;  // a burst of events makes one request
    refreshTimer = setTimeout(function () { refreshTimer = null; refreshServices(); }, 400);
  }
  refreshServices();
  setInterval(refreshServices, 60000);

  HallQ.live({
    snapshot: function (s) {
      hall = s.hall || hall;
      drawHall();
      setServices(s.services || []);
      tick();
      refreshServices();
    },
    queue_changed: function (e) { setWaiting(e.service, e.waiting); refreshSoon(); },
    window_changed: refreshSoon
  });

  show("home");
})();
