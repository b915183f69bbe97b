/*
 * The kiosk: big service buttons with the number waiting (live), one tap
 * issues a ticket and shows it full screen, then the kiosk goes home by
 * itself after data-idle seconds without a touch.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;

  i18n.add({
    zh: {
      "kiosk.page_title": "取号 · HallQ",
      "kiosk.hall_default": "政务服务大厅",
      "kiosk.choose": "请选择要办理的业务",
      "kiosk.hint": "轻触下方按钮即可取号",
      "kiosk.loading": "正在读取业务，请稍候…",
      "kiosk.none": "现在没有可以取号的业务，请到咨询台询问。",
      "kiosk.waiting": "等候 {n} 人",
      "kiosk.closed": "暂停取号",
      "kiosk.your_number": "您的号码",
      "kiosk.ahead": "前面还有 {n} 人等候",
      "kiosk.ahead_none": "前面没有人等候，请留意叫号",
      "kiosk.printed": "请取走打印出的号票",
      "kiosk.listen": "请在休息区等候，留意叫号屏幕和语音提示",
      "kiosk.back": "返回",
      "kiosk.countdown": "{n} 秒后自动返回首页",
      "kiosk.busy": "正在取号…"
    },
    en: {
      "kiosk.page_title": "Take a number · HallQ",
      "kiosk.hall_default": "Government Service Hall",
      "kiosk.choose": "Please choose a service",
      "kiosk.hint": "Touch a button below to take a number",
      "kiosk.loading": "Loading services, please wait…",
      "kiosk.none": "No service is taking numbers now. Please ask at the information desk.",
      "kiosk.waiting": "{n} waiting",
      "kiosk.closed": "Not taking numbers",
      "kiosk.your_number": "Your number",
      "kiosk.ahead": "{n} people ahead of you",
      "kiosk.ahead_none": "Nobody is ahead of you. Please watch for your number",
      "kiosk.printed": "Please take your printed ticket",
      "kiosk.listen": "Please wait in the seating area and watch the screens for your number",
      "kiosk.back": "Back",
      "kiosk.countdown": "Back to the start in {n} s",
      "kiosk.busy": "Taking a number…"
    }
  });

  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle"), 10) || 20;
  var screens = {
    home: document.getElementById("home"),
    ticket: document.getElementById("ticket"),
    error: document.getElementById("error")
  };
  var servicesEl = document.getElementById("services");
  var services = [];      // [{code, prefix, name, name_en, waiting, open?}]
  var OPEN_FIELDS = ["open", "closed_message", "closed_message_en"];  // from /api/services only
  var hall = null;
  var lastTicket = null;  // the POST /api/tickets answer on show
  var lastError = null;   // the error body on show
  var busy = false;
  var remaining = 0;
  var countdownTimer = null;

  // ---- screens --------------------------------------------------------

  function show(name) {
    Object.keys(screens).forEach(function (k) { screens[k].hidden = k !== name; });
    body.setAttribute("data-screen", name);
    if (name === "home") stopCountdown(); else startCountdown();
  }

  function startCountdown() {
    remaining = idleSeconds;
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
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      el.textContent = t("kiosk.countdown", { n: remaining });
    });
  }

  function goHome() {
    lastTicket = null;
    lastError = null;
    show("home");
  }

  // ---- home: the service buttons ---------------------------------------

  function drawServices() {
    if (!services.length) {
      servicesEl.innerHTML = "";
      var p = document.createElement("p");
      p.className = "k-loading";
      p.textContent = t(hall ? "kiosk.none" : "kiosk.loading");
      servicesEl.appendChild(p);
      return;
    }
    servicesEl.innerHTML = "";
    servicesEl.setAttribute("data-count", String(services.length));
    services.forEach(function (s) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "k-svc";
      b.setAttribute("data-service", s.code);
      b.setAttribute("data-waiting", String(s.waiting || 0));
      var closed = s.open === false;
      b.disabled = closed || busy;

      var prefix = document.createElement("span");
      prefix.className = "k-prefix";
      prefix.textContent = s.prefix || s.code;

      var names = document.createElement("span");
      names.className = "k-names";
      var main = document.createElement("span");
      main.className = "k-name";
      main.textContent = i18n.pick(s, "name");
      var second = document.createElement("span");
      second.className = "k-name2";
      // The other language underneath, so both readers find their service.
      second.textContent = i18n.lang() === "en" ? s.name : (s.name_en || "");
      names.appendChild(main);
      names.appendChild(second);

      var waiting = document.createElement("span");
      waiting.className = "k-waiting";
      // A closed service says why when the hall gives a reason (outside hours, quota reached).
      waiting.textContent = closed ? (i18n.pick(s, "closed_message") || t("kiosk.closed"))
        : t("kiosk.waiting", { n: s.waiting || 0 });
      if (closed) waiting.classList.add("k-closed");

      b.appendChild(prefix);
      b.appendChild(names);
      b.appendChild(waiting);
      b.addEventListener("click", function () { takeTicket(s.code); });
      servicesEl.appendChild(b);
    });
  }

  function setServices(list) {
    var before = {};
    services.forEach(function (s) { before[s.code] = s; });
    services = list.map(function (s) {
      var copy = Object.assign({}, s);
      // The snapshot does not say whether a service is open; keep what /api/services said.
      if (copy.open === undefined && before[s.code]) {
        OPEN_FIELDS.forEach(function (f) { copy[f] = before[s.code][f]; });
      }
      return copy;
    });
    drawServices();
  }

  function setWaiting(code, waiting) {
    services.forEach(function (s) { if (s.code === code) s.waiting = waiting; });
    var b = servicesEl.querySelector('[data-service="' + code + '"]');
    if (b && !b.disabled) {
      b.setAttribute("data-waiting", String(waiting));
      b.querySelector(".k-waiting").textContent = t("kiosk.waiting", { n: waiting });
    } else if (b) {
      b.setAttribute("data-waiting", String(waiting));
    }
  }

  // ---- taking a ticket ---------------------------------------------------

  function setBusy(on) {
    busy = on;
    body.classList.toggle("busy", on);
    servicesEl.querySelectorAll(".k-svc").forEach(function (b) {
      var s = services.filter(function (x) { return x.code === b.getAttribute("data-service"); })[0];
      b.disabled = on || (s && s.open === false);
    });
  }

  function takeTicket(code) {
    if (busy) return;  // a double tap must not issue two tickets
    setBusy(true);
    HallQ.api("POST", "/api/tickets", { service: code }).then(function (res) {
      setBusy(false);
      if (res.ok && res.body.ticket) {
        lastTicket = res.body;
        drawTicket();
        show("ticket");
      } else {
        lastError = res.body;
        drawError();
        show("error");
      }
    });
  }

  function drawTicket() {
    if (!lastTicket) return;
    var tk = lastTicket.ticket;
    document.getElementById("ticket-number").textContent = tk.number;
    document.getElementById("ticket-service").textContent = i18n.pick(tk, "service_name");
    var ahead = lastTicket.ahead;
    var aheadEl = document.getElementById("ticket-ahead");
    aheadEl.setAttribute("data-ahead", String(ahead));
    aheadEl.textContent = ahead > 0 ? t("kiosk.ahead", { n: ahead }) : t("kiosk.ahead_none");
    // The printer seam: say what happened to the paper ticket, if there is a printer.
    var pr = lastTicket.print || { status: "not_configured" };
    var printEl = document.getElementById("ticket-print");
    printEl.setAttribute("data-print-status", pr.status);
    if (pr.status === "not_printed") {
      printEl.textContent = i18n.pick(pr, "message");
      printEl.hidden = !printEl.textContent;
    } else if (pr.status === "printed") {
      printEl.textContent = t("kiosk.printed");
      printEl.hidden = false;
    } else {
      printEl.textContent = "";
      printEl.hidden = true;
    }
  }

  function drawError() {
    if (lastError) document.getElementById("error-text").textContent = i18n.errorText(lastError);
  }

  // ---- wiring ---------------------------------------------------------

  document.querySelectorAll('[data-action="home"]').forEach(function (b) {
    b.addEventListener("click", goHome);
  });
  // Any touch on the ticket or error screen means someone is still reading it.
  ["ticket", "error"].forEach(function (name) {
    screens[name].addEventListener("pointerdown", function (ev) {
      if (!ev.target.closest('[data-action="home"]')) startCountdown();
    });
  });
  // A kiosk has no right mouse button to offer.
  document.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });

  function drawHall() {
    var el = document.getElementById("hall-name");
    if (hall && i18n.pick(hall, "name")) {
      el.removeAttribute("data-i18n");
      el.textContent = i18n.pick(hall, "name");
    }
  }

  function tick() {
    document.getElementById("clock").textContent = HallQ.clock.synced()
      ? HallQ.clock.formatTime(HallQ.clock.now(), false) : "";
  }
  setInterval(tick, 1000);
  tick();

  document.addEventListener("hallq:lang", function () {
    drawHall(); drawServices(); drawTicket(); drawError(); drawCountdown(); tick();
  });

  /** Whether each service issues tickets now (hours, quotas) comes from /api/services,
   *  not from the snapshot: ask on load, on every snapshot and once a minute. */
  function refreshOpen() {
    HallQ.api("GET", "/api/services").then(function (res) {
      if (!res.ok || !res.body.services) return;
      if (!services.length) { setServices(res.body.services); return; }
      var byCode = {};
      res.body.services.forEach(function (x) { byCode[x.code] = x; });
      services.forEach(function (s) {
        var x = byCode[s.code];
        if (x) OPEN_FIELDS.forEach(function (f) { s[f] = x[f]; });
      });
      drawServices();
    });
  }
  refreshOpen();
  setInterval(refreshOpen, 60000);

  HallQ.live({
    snapshot: function (s) {
      hall = s.hall || hall;
      drawHall();
      setServices(s.services || []);
      tick();
      refreshOpen();
    },
    queue_changed: function (e) { setWaiting(e.service, e.waiting); }
  });

  show("home");
})();
