/*
 * The manager's live board, the hall's control room: every window (clerk and
 * post, state, current ticket, serving time against its limit), every service
 * (waiting, longest wait, estimated wait, windows staffed), today's figures
 * and rating figures (rating_figures); the devices and tickets to reprint
 * (board_devices.js) and the alarms (board_alarms.js); all from the board
 * audience's snapshot and events.
 *
 * One page, two layouts: the desk's tables, and with ?tv=1 (body.tv) a wall
 * TV's at 1920×1080, where the windows are tiles fitted to the screen
 * (fitWindows) and nothing scrolls. The sign-in is board_common.js's.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;
  // Longest-wait colours follow the common service-level target: 15 min, then 30.
  var WAIT_WARN_MIN = 15, WAIT_BAD_MIN = 30;
  // A serving time turns amber at this share of its limit, red past the limit.
  var LIMIT_WARN = 0.8;
  // A window tile on the TV wants at least this width for its height: name, clerk, number side by side.
  var TILE_ASPECT = 2.0;

  i18n.add({
    zh: {
      "board.page_title": "实时看板 · HallQ",
      "board.title": "大厅实时看板",
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
      "board.col_estimate": "预计等候（分钟）",
      "board.ratings": "今日评价",
      "board.rate_rated": "已评价",
      "board.rate_satisfaction": "满意率",
      "board.rate_unrated": "未评价",
      "board.rate_bad": "差评",
      "board.rate_open_cases": "差评待办结",
      "board.rate_overdue_cases": "差评整改逾期",
      "board.col_post": "岗位",
      "board.post_A": "A岗",
      "board.post_B": "B岗",
      "board.tv_layout": "电视版",
      "board.desk_layout": "桌面版"
    },
    en: {
      "board.page_title": "Live board · HallQ",
      "board.title": "Hall live board",
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
      "board.col_estimate": "Estimated wait (min)",
      "board.ratings": "Today's ratings",
      "board.rate_rated": "rated",
      "board.rate_satisfaction": "satisfaction",
      "board.rate_unrated": "unrated",
      "board.rate_bad": "bad ratings",
      "board.rate_open_cases": "bad-rating cases open",
      "board.rate_overdue_cases": "cases overdue",
      "board.col_post": "Post",
      "board.post_A": "A post",
      "board.post_B": "B post",
      "board.tv_layout": "TV layout",
      "board.desk_layout": "Desk layout"
    }
  });
  var body = document.body;
  var tv = body.classList.contains("tv");
  var state = null;   // the latest SNAPSHOT, kept current by events
  var link = null;

  function $(id) { return document.getElementById(id); }

  var access = HallQ.board.signIn({
    onManager: function () {
      if (!link) link = HallQ.live(handlers, { audience: "board" });
      else link.rejoin();  // as the one now signed in
    }
  });
  HallQ.alarmSound.bind($("sound-toggle"));

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

  /** Since when the window's time counts, and against which limit (minutes; null: none).
   *  Serving: from its start, against the step's limit as the hall says it (limit_minutes);
   *  called: from the last call; otherwise from the window's last change. */
  function timing(w, key) {
    var c = w.current;
    if (key === "serving" && c && c.started_at) return { since: c.started_at, limit: c.limit_minutes == null ? null : c.limit_minutes };
    if (key === "called" && c && c.calls && c.calls.length) return { since: c.calls[c.calls.length - 1].at, limit: null };
    return { since: key === "closed" ? null : w.since, limit: null };
  }

  function drawWindows() {
    var tbody = $("windows");
    tbody.innerHTML = "";
    (state.windows || []).forEach(function (w) {
      var key = windowStateKey(w);
      var tr = document.createElement("tr");
      tr.setAttribute("data-window", String(w.id));
      tr.setAttribute("data-state", key);
      cell(tr, i18n.pick(w, "name"), "b-strong b-win-name");
      cell(tr, (w.services || []).join(" "), "b-win-services");
      cell(tr, w.staff ? (w.staff.name || w.staff.username) : t("board.nobody"), "b-win-staff");
      var st = cell(tr, key === "paused"
        ? t("board.state_paused", { reason: t("board.reason_" + (w.pause_reason || "other")) })
        : t("board.state_" + key));
      st.className = "b-state b-state-" + key;
      cell(tr, w.current ? w.current.number : t("board.nobody"), "b-num b-win-current");
      var since = cell(tr, "", "b-since");
      var tm = timing(w, key);
      if (tm.since) since.setAttribute("data-since", tm.since);
      if (tm.limit != null) since.setAttribute("data-limit", String(tm.limit));
      var post = w.staff && w.staff.post ? w.staff.post : "";
      var p = cell(tr, post ? t("board.post_" + post) : "", "b-post");
      p.setAttribute("data-post", post);
      tr.setAttribute("data-post", post);
      tbody.appendChild(tr);
    });
    fitWindows();
  }

  /** On the TV, the windows' tiles: as many columns as fill the box with tiles no narrower than TILE_ASPECT. */
  function fitWindows() {
    var tbody = $("windows");
    if (!tv || !state) return;
    var n = Math.max(1, (state.windows || []).length);
    var box = $("windows-card");
    var w = box.clientWidth, h = box.clientHeight;
    if (!w || !h) return;
    var best = { cols: 1, score: -1 };
    for (var cols = 1; cols <= n; cols++) {
      var rows = Math.ceil(n / cols);
      var tileW = w / cols, tileH = h / rows;
      var score = Math.min(tileW / TILE_ASPECT, tileH);  // the height a tile can use for its text
      if (score > best.score) best = { cols: cols, score: score };
    }
    tbody.style.setProperty("--cols", String(best.cols));
    tbody.style.setProperty("--rows", String(Math.ceil(n / best.cols)));
  }

  function drawServices() {
    var tbody = $("services");
    tbody.innerHTML = "";
    (state.services || []).forEach(function (s) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-service", s.code);
      tr.setAttribute("data-waiting", String(s.waiting || 0));
      cell(tr, (s.prefix || s.code) + "  " + i18n.pick(s, "name"), "b-strong");
      cell(tr, String(s.waiting || 0), "b-num b-waiting");
      var longest = cell(tr, "", "b-longest");
      if (s.longest_waiting_since && s.waiting) longest.setAttribute("data-since", s.longest_waiting_since);
      var staffed = (state.windows || []).filter(function (w) {
        return w.status !== "closed" && (w.services || []).indexOf(s.code) >= 0;
      }).length;
      cell(tr, String(staffed), "b-num b-staffed");
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

  /** The ticking parts: each window's time (against its limit), the waits, the alarms' ages. */
  function tick() {
    $("clock").textContent = HallQ.clock.synced() ? HallQ.clock.formatTime(HallQ.clock.now(), true) : "";
    if (!state) return;
    document.querySelectorAll("#windows td.b-since").forEach(function (td) {
      var since = td.getAttribute("data-since");
      if (!since) { td.textContent = ""; return; }
      var limit = td.getAttribute("data-limit");
      var level = "";
      td.textContent = HallQ.clock.elapsed(since);
      if (limit) {
        var used = (HallQ.clock.now() - Date.parse(since)) / 60000 / Number(limit);
        level = used >= 1 ? "over" : used >= LIMIT_WARN ? "warn" : "";
        var of = document.createElement("span");
        of.className = "b-limit";
        of.textContent = " / " + limit + ":00";
        td.appendChild(of);
      }
      td.setAttribute("data-level", level);
      td.parentNode.setAttribute("data-over", level === "over" ? "yes" : "");
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
    HallQ.boardAlarms.tick();
  }

  function drawHall() {
    $("hall-name").textContent = state && state.hall ? i18n.pick(state.hall, "name") : "";
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
    drawHall(); drawWindows(); drawServices(); drawSummary(); drawRatings(); tick();
  }

  setInterval(tick, 1000);
  tick();
  document.addEventListener("hallq:lang", function () { drawAll(); HallQ.boardDevices.draw(); HallQ.boardAlarms.draw(); });
  // The tiles' box changes with what is drawn around it (the services' rows, the devices): fit again then.
  if (tv && window.ResizeObserver) new ResizeObserver(fitWindows).observe($("windows-card"));

  function alarmChanged(name) {
    return function (e) { if (state) HallQ.boardAlarms.changed(name, e.alarm); };
  }

  var handlers = {
    // The hall ended or refused the board's session: sign in again.
    ended: function () { access.showLogin(""); },
    snapshot: function (s) {
      state = s;
      drawAll();
      HallQ.boardDevices.reset(s.devices);
      HallQ.boardAlarms.reset(s.alarms, s.business_day);
    },
    device_changed: function (e) { if (state) HallQ.boardDevices.changed(e); },
    rating_figures: function (f) { if (state) { state.rating_figures = f; drawRatings(); } },
    ticket_printed: function () { HallQ.boardDevices.loadReprints(); },
    alarm_raised: alarmChanged("alarm_raised"),
    alarm_acknowledged: alarmChanged("alarm_acknowledged"),
    alarm_cleared: alarmChanged("alarm_cleared"),
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
      if (/^ticket_(called|finished|no_show|cancelled|expired)$/.test(name)) HallQ.boardDevices.loadReprints();
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
})();
