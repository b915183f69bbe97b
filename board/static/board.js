/*
 * The manager's live board, the hall's control room: every window (clerk and
 * post, state, current ticket, serving time against its limit), every service
 * (waiting, longest wait, estimated wait, windows staffed), every device,
 * today's figures and rating figures (rating_figures), and the alarms
 * (board_alarms.js), all from the board audience's snapshot and events.
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
      "board.rate_overdue_cases": "差评整改逾期",
      "board.col_post": "岗位",
      "board.post_A": "A岗",
      "board.post_B": "B岗",
      "board.tv_layout": "电视版",
      "board.desk_layout": "桌面版",
      "board.reprints_chip": "待补打 {n}",
      "board.devices_online": "{n}/{of} 正常",
      "board.devices_connecting": "{n} 连接中",
      "board.devices_more": "另 {n} 台"
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
      "board.rate_overdue_cases": "cases overdue",
      "board.col_post": "Post",
      "board.post_A": "A post",
      "board.post_B": "B post",
      "board.tv_layout": "TV layout",
      "board.desk_layout": "Desk layout",
      "board.reprints_chip": "{n} to reprint",
      "board.devices_online": "{n} of {of} OK",
      "board.devices_connecting": "{n} connecting",
      "board.devices_more": "{n} more"
    }
  });
  /** Device states that need someone: red ones stop the device, amber ones soon will or cannot be told. */
  var ALARM = { faulted: "red", paper_out: "red", cover_open: "red", offline: "red",
                unknown: "amber", paper_near_end: "amber" };

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
    drawDeviceKinds(devices);
    var count = $("device-alarms");
    count.hidden = alarms === 0;
    count.textContent = t("board.alarms", { n: alarms });
  }

  /** The TV's devices: a line per kind, how many are fine and how many are connecting, and each one
   *  in trouble by its name, the first few of them (a big hall has sixty devices: no tile each). */
  var NAMED_PER_KIND = 4;
  function drawDeviceKinds(devices) {
    var box = $("device-kinds");
    box.innerHTML = "";
    var kinds = [], by = {};
    devices.forEach(function (d) {
      if (!by[d.kind]) { by[d.kind] = []; kinds.push(d.kind); }
      by[d.kind].push(d);
    });
    kinds.forEach(function (kind) {
      var list = by[kind];
      var fine = list.filter(function (d) { return d.state === "online"; }).length;
      var trouble = list.filter(function (d) { return ALARM[d.state]; });
      var waiting = list.length - fine - trouble.length;
      var row = document.createElement("div");
      row.className = "b-devkind";
      row.setAttribute("data-kind", kind);
      row.setAttribute("data-count", String(list.length));
      row.setAttribute("data-online", String(fine));
      if (trouble.length) row.setAttribute("data-trouble", String(trouble.length));
      var name = document.createElement("b");
      name.textContent = i18n.has("board.kind_" + kind) ? t("board.kind_" + kind) : kind;
      row.appendChild(name);
      var ok = document.createElement("span");
      ok.className = "b-devkind-ok";
      ok.textContent = t("board.devices_online", { n: fine, of: list.length });
      row.appendChild(ok);
      if (waiting) {
        var wait = document.createElement("span");
        wait.className = "b-devkind-wait";
        wait.textContent = t("board.devices_connecting", { n: waiting });
        row.appendChild(wait);
      }
      trouble.forEach(function (d, i) {
        if (i >= NAMED_PER_KIND) return;
        var chip = document.createElement("span");
        chip.className = "b-devchip b-alarm-" + ALARM[d.state];
        chip.setAttribute("data-device", d.device);
        chip.setAttribute("data-state", d.state);
        chip.textContent = d.device + " " + (i18n.has("board.dev_" + d.state) ? t("board.dev_" + d.state) : d.state);
        row.appendChild(chip);
      });
      if (trouble.length > NAMED_PER_KIND) {
        var more = document.createElement("span");
        more.className = "b-devchip b-alarm-red";
        more.textContent = t("board.devices_more", { n: trouble.length - NAMED_PER_KIND });
        row.appendChild(more);
      }
      box.appendChild(row);
    });
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
    // The TV has no room for the list: its devices card says how many wait (the desk reprints them).
    var chip = $("reprints-chip");
    chip.hidden = reprints.length === 0;
    chip.textContent = t("board.reprints_chip", { n: reprints.length });
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
  document.addEventListener("hallq:lang", function () { drawAll(); HallQ.boardAlarms.draw(); });
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
      loadReprints();
      HallQ.boardAlarms.reset(s.alarms, s.business_day);
    },
    device_changed: function (e) { if (state) deviceChanged(e); },
    rating_figures: function (f) { if (state) { state.rating_figures = f; drawRatings(); } },
    ticket_printed: function () { loadReprints(); },
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
})();
