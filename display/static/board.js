/*
 * The manager's live board: every window (clerk, state, current ticket, for
 * how long) and every service (waiting, longest wait in minutes), ticking.
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
      "board.nobody": "—"
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
      "board.nobody": "—"
    }
  });

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
    if (!link) link = HallQ.live(handlers);
    else link.requestSnapshot();
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

  function drawAll() {
    if (!state) return;
    drawHall(); drawWindows(); drawServices(); drawSummary(); tick();
  }

  setInterval(tick, 1000);
  tick();
  document.addEventListener("hallq:lang", drawAll);

  var handlers = {
    snapshot: function (s) { state = s; drawAll(); },
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
