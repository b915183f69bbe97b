/*
 * The manager's live board: every window (clerk, state, current ticket, for
 * how long) and every service (waiting, longest wait in minutes), ticking;
 * today's rating figures as the hall sends them (rating_figures).
 * Needs a manager or admin session; without one the page shows its own
 * sign-in form (POST /api/login without a window).
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;
  var MANAGERS = ["manager", "admin"];
  // Longest-wait colours follow the common service-level target: 15 min, then 30.
  var WAIT_WARN_MIN = 15, WAIT_BAD_MIN = 30;

  i18n.add({
    zh: {
      "board.page_title": "实时看板 · HallQ",
      "board.title": "大厅实时看板",
      "board.logout": "退出登录",
      "board.login_title": "管理人员登录",
      "board.login_note": "实时看板需要管理员（manager 或 admin）账号。",
      "board.username": "用户名",
      "board.password": "密码",
      "board.login": "登录",
      "board.not_manager": "{name} 不是管理员账号，请用管理员账号登录。",
      "board.sum_waiting": "人等候",
      "board.sum_open": "个窗口在岗",
      "board.sum_serving": "人正在办理",
      "board.sum_longest": "分钟最长等候",
      "board.windows": "窗口",
      "board.services": "业务",
      "board.col_window": "窗口",
      "board.col_services": "业务",
      "board.col_staff": "工作人员",
      "board.col_state": "状态",
      "board.col_current": "当前号码",
      "board.col_since": "持续",
      "board.col_service": "业务",
      "board.col_waiting": "等候人数",
      "board.col_longest": "最长等候（分钟）",
      "board.col_windows_open": "在岗窗口",
      "board.state_closed": "关闭",
      "board.state_idle": "空闲",
      "board.state_called": "已呼叫",
      "board.state_serving": "办理中",
      "board.state_paused": "暂停：{reason}",
      "board.reason_break": "休息",
      "board.reason_meeting": "会议",
      "board.reason_helping": "协助群众",
      "board.reason_other": "其他",
      "board.nobody": "—",
      "board.col_estimate": "预计等候（分钟）",
      "board.devices": "设备",
      "board.col_device": "设备",
      "board.col_kind": "类型",
      "board.col_device_state": "状态",
      "board.col_detail": "说明",
      "board.col_device_since": "自",
      "board.no_devices": "本大厅没有配置设备。",
      "board.alarms": "{n} 项告警",
      "board.kind_printer": "小票打印机",
      "board.kind_voice": "语音播报",
      "board.kind_led": "LED 屏",
      "board.kind_keypad": "呼叫器",
      "board.kind_rater": "评价器",
      "board.kind_wireless": "无线呼叫器",
      "board.dev_connecting": "连接中",
      "board.dev_online": "正常",
      "board.dev_faulted": "故障",
      "board.dev_paper_out": "缺纸",
      "board.dev_paper_near_end": "纸将用完",
      "board.dev_cover_open": "纸仓盖打开",
      "board.dev_offline": "脱机",
      "board.dev_unknown": "无应答（状态未知）",
      "board.reprints": "待补打",
      "board.reprints_note": "打印机没有打印出来的号；打印机恢复后请补打。",
      "board.col_number": "号码",
      "board.col_issued": "取号时间",
      "board.no_reprints": "没有待补打的号。",
      "board.reprint": "补打",
      "board.reprinted": "{number} 的小票已补打。",
      "board.ratings": "今日评价",
      "board.rate_rated": "已评价",
      "board.rate_satisfaction": "满意率",
      "board.rate_unrated": "未评价",
      "board.rate_bad": "差评",
      "board.rate_open_cases": "差评待办结",
      "board.rate_overdue_cases": "差评整改逾期"
    },
    en: {
      "board.page_title": "Live board · HallQ",
      "board.title": "Hall live board",
      "board.logout": "Sign out",
      "board.login_title": "Manager sign-in",
      "board.login_note": "The live board needs a manager or admin account.",
      "board.username": "User name",
      "board.password": "Password",
      "board.login": "Sign in",
      "board.not_manager": "{name} is not a manager account. Please sign in with a manager account.",
      "board.sum_waiting": "waiting",
      "board.sum_open": "windows staffed",
      "board.sum_serving": "being served",
      "board.sum_longest": "min longest wait",
      "board.windows": "Windows",
      "board.services": "Services",
      "board.col_window": "Window",
      "board.col_services": "Services",
      "board.col_staff": "Staff",
      "board.col_state": "State",
      "board.col_current": "Current",
      "board.col_since": "For",
      "board.col_service": "Service",
      "board.col_waiting": "Waiting",
      "board.col_longest": "Longest wait (min)",
      "board.col_windows_open": "Windows staffed",
      "board.state_closed": "Closed",
      "board.state_idle": "Open",
      "board.state_called": "Called",
      "board.state_serving": "Serving",
      "board.state_paused": "Paused: {reason}",
      "board.reason_break": "break",
      "board.reason_meeting": "meeting",
      "board.reason_helping": "helping a citizen",
      "board.reason_other": "other",
      "board.nobody": "—",
      "board.col_estimate": "Estimated wait (min)",
      "board.devices": "Devices",
      "board.col_device": "Device",
      "board.col_kind": "Kind",
      "board.col_device_state": "State",
      "board.col_detail": "Detail",
      "board.col_device_since": "Since",
      "board.no_devices": "This hall has no devices configured.",
      "board.alarms": "{n} alarm(s)",
      "board.kind_printer": "Ticket printer",
      "board.kind_voice": "Voice",
      "board.kind_led": "LED display",
      "board.kind_keypad": "Keypad",
      "board.kind_rater": "Rater",
      "board.kind_wireless": "Wireless keypad",
      "board.dev_connecting": "Connecting",
      "board.dev_online": "OK",
      "board.dev_faulted": "Faulted",
      "board.dev_paper_out": "Paper out",
      "board.dev_paper_near_end": "Paper near end",
      "board.dev_cover_open": "Cover open",
      "board.dev_offline": "Offline",
      "board.dev_unknown": "No answer (unknown)",
      "board.reprints": "To reprint",
      "board.reprints_note": "Tickets the printer did not print; reprint them once it is back.",
      "board.col_number": "Number",
      "board.col_issued": "Issued",
      "board.no_reprints": "Nothing to reprint.",
      "board.reprint": "Reprint",
      "board.reprinted": "{number} was printed again.",
      "board.ratings": "Today's ratings",
      "board.rate_rated": "rated",
      "board.rate_satisfaction": "satisfaction",
      "board.rate_unrated": "unrated",
      "board.rate_bad": "bad ratings",
      "board.rate_open_cases": "bad-rating cases open",
      "board.rate_overdue_cases": "cases overdue"
    }
  });
  /** Device states that need someone: red ones stop the device, amber ones soon will or cannot be told. */
  var ALARM = { faulted: "red", paper_out: "red", cover_open: "red", offline: "red",
                unknown: "amber", paper_near_end: "amber" };

  var body = document.body;
  var state = null;   // the latest SNAPSHOT, kept current by events
  var link = null;

  function $(id) { return document.getElementById(id); }

  // ---- access ----------------------------------------------------------------

  function isManager(who) { return !!(who && who.user && MANAGERS.indexOf(who.user.role) >= 0); }

  function showLogin(message) {
    body.setAttribute("data-authorized", "no");
    $("login").hidden = false;
    $("board").hidden = true;
    $("logout").hidden = true;
    $("user-name").textContent = "";
    $("login-error").textContent = message || "";
  }

  function showBoard(who) {
    body.setAttribute("data-authorized", "yes");
    $("login").hidden = true;
    $("board").hidden = false;
    $("logout").hidden = false;
    $("user-name").textContent = who.user.name || who.user.username;
    if (!link) link = HallQ.live(handlers, { audience: "board" });
    else link.rejoin();  // as the one now signed in
  }

  function decide(who) {
    if (isManager(who)) showBoard(who);
    else showLogin(who && who.user ? t("board.not_manager", { name: who.user.name || who.user.username }) : "");
  }

  $("login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    $("login-submit").disabled = true;
    HallQ.api("POST", "/api/login", {
      username: $("login-username").value.trim(),
      password: $("login-password").value
    }).then(function (res) {
      $("login-submit").disabled = false;
      if (!res.ok) { $("login-error").textContent = i18n.errorText(res.body); return; }
      $("login-password").value = "";
      decide(res.body);
    });
  });

  $("logout").addEventListener("click", function () {
    HallQ.api("POST", "/api/logout").then(function () { showLogin(""); });
  });

  // ---- drawing -------------------------------------------------------------------

  function windowStateKey(w) {
    if (w.status === "paused") return "paused";
    if (w.status === "closed") return "closed";
    if (w.current && w.current.status === "serving") return "serving";
    if (w.current && w.current.status === "called") return "called";
    return "idle";
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function drawWindows() {
    var tbody = $("windows");
    tbody.innerHTML = "";
    (state.windows || []).forEach(function (w) {
      var key = windowStateKey(w);
      var tr = document.createElement("tr");
      tr.setAttribute("data-window", String(w.id));
      tr.setAttribute("data-state", key);
      cell(tr, i18n.pick(w, "name"), "b-strong");
      cell(tr, (w.services || []).join(" "));
      cell(tr, w.staff ? (w.staff.name || w.staff.username) : t("board.nobody"));
      var st = cell(tr, key === "paused"
        ? t("board.state_paused", { reason: t("board.reason_" + (w.pause_reason || "other")) })
        : t("board.state_" + key));
      st.className = "b-state b-state-" + key;
      cell(tr, w.current ? w.current.number : t("board.nobody"), "b-num");
      var since = cell(tr, "", "b-since");
      if (w.since && key !== "closed") since.setAttribute("data-since", w.since);
      tbody.appendChild(tr);
    });
  }

  function drawServices() {
    var tbody = $("services");
    tbody.innerHTML = "";
    (state.services || []).forEach(function (s) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-service", s.code);
      tr.setAttribute("data-waiting", String(s.waiting || 0));
      cell(tr, (s.prefix || s.code) + "  " + i18n.pick(s, "name"), "b-strong");
      cell(tr, String(s.waiting || 0), "b-num");
      var longest = cell(tr, "", "b-longest");
      if (s.longest_waiting_since && s.waiting) longest.setAttribute("data-since", s.longest_waiting_since);
      var staffed = (state.windows || []).filter(function (w) {
        return w.status !== "closed" && (w.services || []).indexOf(s.code) >= 0;
      }).length;
      cell(tr, String(staffed), "b-num");
      var est = cell(tr, s.wait_minutes == null ? t("board.nobody") : String(s.wait_minutes), "b-num b-estimate");
      est.setAttribute("data-minutes", s.wait_minutes == null ? "" : String(s.wait_minutes));
      tbody.appendChild(tr);
    });
  }

  function drawSummary() {
    var services = state.services || [], windows = state.windows || [];
    $("sum-waiting").textContent = String(services.reduce(function (n, s) { return n + (s.waiting || 0); }, 0));
    $("sum-open").textContent = String(windows.filter(function (w) { return w.status !== "closed"; }).length);
    $("sum-serving").textContent = String(windows.filter(function (w) {
      return w.current && w.current.status === "serving";
    }).length);
  }

  /** The ticking parts: how long each window has been in its state, and waits. */
  function tick() {
    $("clock").textContent = HallQ.clock.synced() ? HallQ.clock.formatTime(HallQ.clock.now(), true) : "";
    if (!state) return;
    document.querySelectorAll("#windows td[data-since]").forEach(function (td) {
      td.textContent = HallQ.clock.elapsed(td.getAttribute("data-since"));
    });
    var longestAll = 0;
    document.querySelectorAll("#services td.b-longest").forEach(function (td) {
      var since = td.getAttribute("data-since");
      var m = since ? HallQ.clock.minutesSince(since) : 0;
      longestAll = Math.max(longestAll, m);
      td.textContent = since ? String(m) : "0";
      td.classList.toggle("warn", m >= WAIT_WARN_MIN && m < WAIT_BAD_MIN);
      td.classList.toggle("bad", m >= WAIT_BAD_MIN);
    });
    $("sum-longest").textContent = String(longestAll);
  }

  function drawHall() {
    $("hall-name").textContent = state && state.hall ? i18n.pick(state.hall, "name") : "";
  }

  // ---- devices ---------------------------------------------------------------

  function drawDevices() {
    var box = $("devices");
    box.innerHTML = "";
    var devices = state.devices || [];
    var alarms = 0;
    devices.forEach(function (d) {
      var level = ALARM[d.state] || "";
      if (level) alarms += 1;
      var tile = document.createElement("div");
      tile.className = "b-device" + (level ? " b-alarm-" + level : "");
      tile.setAttribute("data-device", d.device);
      tile.setAttribute("data-kind", d.kind);
      tile.setAttribute("data-state", d.state);
      tile.setAttribute("data-alarm", level);
      var head = document.createElement("div");
      head.className = "b-device-head";
      var name = document.createElement("b");
      name.textContent = d.device;
      var kind = document.createElement("span");
      kind.className = "b-dev-kind";
      kind.textContent = i18n.has("board.kind_" + d.kind) ? t("board.kind_" + d.kind) : d.kind;
      head.appendChild(name);
      head.appendChild(kind);
      var badge = document.createElement("span");
      badge.className = "b-dev-state" + (d.state === "online" ? " b-dev-ok" : d.state === "connecting" ? " b-dev-wait" : "");
      badge.textContent = i18n.has("board.dev_" + d.state) ? t("board.dev_" + d.state) : d.state;
      var since = document.createElement("span");
      since.className = "b-dev-since";
      since.textContent = d.since ? HallQ.clock.formatTime(d.since, false) : "";
      var line = document.createElement("div");
      line.className = "b-device-line";
      line.appendChild(badge);
      line.appendChild(since);
      tile.appendChild(head);
      tile.appendChild(line);
      if (d.detail) {
        var detail = document.createElement("div");
        detail.className = "b-detail";
        detail.textContent = i18n.bilingual(d.detail);
        tile.appendChild(detail);
      }
      box.appendChild(tile);
    });
    $("devices-empty").hidden = devices.length > 0;
    $("devices-card").setAttribute("data-alarms", String(alarms));
    var count = $("device-alarms");
    count.hidden = alarms === 0;
    count.textContent = t("board.alarms", { n: alarms });
  }

  function deviceChanged(e) {
    var d = { device: e.device, kind: e.kind, state: e.state, detail: e.detail || "", since: e.at };
    var list = state.devices || (state.devices = []);
    var i = list.findIndex(function (x) { return x.device === e.device; });
    if (i >= 0) list[i] = d; else list.push(d);
    drawDevices();
  }

  // ---- estimated waits (GET /api/services: the snapshot's figure, kept fresh) ----

  var estimateTimer = null;
  function refreshEstimates() {
    if (estimateTimer) return;
    estimateTimer = setTimeout(function () {
      estimateTimer = null;
      HallQ.api("GET", "/api/services").then(function (res) {
        if (!res.ok || !state) return;
        var waits = {};
        (res.body.services || []).forEach(function (s) { waits[s.code] = s.wait_minutes; });
        state.services.forEach(function (s) { if (s.code in waits) s.wait_minutes = waits[s.code]; });
        drawServices();
        tick();
      });
    }, 400);
  }

  // ---- tickets to reprint ---------------------------------------------------------

  var reprints = [];
  var reprintTimer = null;
  function loadReprints() {
    if (reprintTimer) clearTimeout(reprintTimer);
    reprintTimer = setTimeout(function () {
      reprintTimer = null;
      HallQ.api("GET", "/api/reprints").then(function (res) {
        if (res.ok) { reprints = res.body.tickets || []; drawReprints(); }
      });
    }, 100);
  }

  function drawReprints() {
    var tbody = $("reprints");
    tbody.innerHTML = "";
    reprints.forEach(function (tk) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-number", tk.number);
      cell(tr, tk.number, "b-num b-strong");
      cell(tr, i18n.pick(tk, "service_name"));
      cell(tr, HallQ.clock.formatTime(tk.issued_at, false), "b-num");
      var td = cell(tr, "");
      var b = document.createElement("button");
      b.type = "button";
      b.className = "b-reprint-btn";
      b.textContent = t("board.reprint");
      b.addEventListener("click", function () { reprint(tk.number, b); });
      td.appendChild(b);
      tbody.appendChild(tr);
    });
    $("reprints-count").textContent = String(reprints.length);
    $("reprints-empty").hidden = reprints.length > 0;
  }

  function reprint(number, button) {
    var msg = $("reprint-message");
    button.disabled = true;
    HallQ.api("POST", "/api/tickets/" + encodeURIComponent(number) + "/reprint", {}).then(function (res) {
      button.disabled = false;
      var err = res.body && res.body.error;
      var pr = res.body && res.body.print;
      if (!res.ok) {
        msg.textContent = (i18n.lang() === "en" && err && err.message_en) || (err && err.message) || i18n.errorText(res.body);
        msg.setAttribute("data-kind", "error");
      } else if (pr && pr.status !== "printed") {
        msg.textContent = pr.message || pr.reason || pr.status;
        msg.setAttribute("data-kind", "error");
      } else {
        msg.textContent = t("board.reprinted", { number: number });
        msg.setAttribute("data-kind", "ok");
      }
      loadReprints();
    });
  }

  // ---- today's rating figures (the hall works them out and sends them: rating_figures) ----

  function drawRatings() {
    var f = state.rating_figures;
    if (!f) return;
    $("rate-rated").textContent = String(f.rated);
    // Satisfaction = (very satisfied + satisfied + basic) / rated; nothing rated yet: "—".
    $("rate-satisfaction").textContent = f.satisfaction == null ? t("board.nobody")
      : (Math.round(f.satisfaction * 1000) / 10).toFixed(1) + "%";
    $("rate-unrated").textContent = String(f.unrated);
    $("rate-bad").textContent = String(f.bad);
    $("rate-open-cases").textContent = String(f.open_cases);
    $("rate-overdue-cases").textContent = String(f.overdue_cases);
    $("rate-bad").parentNode.setAttribute("data-level", f.bad ? "alarm" : "");
    $("rate-overdue-cases").parentNode.setAttribute("data-level", f.overdue_cases ? "alarm" : "");
  }

  function drawAll() {
    if (!state) return;
    drawHall(); drawWindows(); drawServices(); drawSummary(); drawRatings(); drawDevices(); drawReprints(); tick();
  }

  setInterval(tick, 1000);
  tick();
  document.addEventListener("hallq:lang", drawAll);

  var handlers = {
    // The hall ended or refused the board's session: sign in again.
    ended: function () { showLogin(""); },
    snapshot: function (s) { state = s; drawAll(); loadReprints(); },
    device_changed: function (e) { if (state) deviceChanged(e); },
    rating_figures: function (f) { if (state) { state.rating_figures = f; drawRatings(); } },
    ticket_printed: function () { loadReprints(); },
    window_changed: function (e) {
      if (!state) return;
      var found = false;
      state.windows = state.windows.map(function (w) {
        if (w.id === e.window.id) { found = true; return e.window; }
        return w;
      });
      if (!found) state.windows.push(e.window);
      drawAll();
    },
    any: function (name, e) {
      if (name === "queue_changed" || name === "window_changed" || name.indexOf("ticket_") === 0) refreshEstimates();
      // A ticket leaves the reprint list when it is no longer open.
      if (/^ticket_(called|finished|no_show|cancelled|expired)$/.test(name)) loadReprints();
      // A ticket event also changes its window's current ticket; window_changed
      // normally says so too, but the board must not depend on the order.
      if (!state || name.indexOf("ticket_") !== 0 || !e.ticket || e.window == null) return;
      var live = e.ticket.status === "called" || e.ticket.status === "serving";
      state.windows.forEach(function (w) {
        if (w.id !== e.window) return;
        if (live) w.current = e.ticket;
        else if (w.current && w.current.number === e.ticket.number) w.current = null;
      });
      drawAll();
    },
    queue_changed: function (e) {
      if (!state) return;
      state.services.forEach(function (s) {
        if (s.code === e.service) {
          s.waiting = e.waiting;
          if (e.longest_waiting_since !== undefined) s.longest_waiting_since = e.longest_waiting_since;
        }
      });
      drawAll();
    }
  };

  HallQ.api("GET", "/api/me").then(function (res) {
    decide(res.ok ? res.body : null);
  });
})();
