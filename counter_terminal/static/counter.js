/*
 * The window clerk's page. Sign in at a window (POST /api/login with the
 * window), then act on it through /api/windows/<id>/<action>, from buttons or
 * the keyboard (KEYS below; the same keys are drawn on the buttons and in the
 * help line). The window and its waiting list stay live from the socket.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;

  /** Keyboard shortcuts: key (KeyboardEvent.key, lower-cased) -> action. */
  var KEYS = {
    "n": "call-next", "f1": "call-next",
    "r": "recall",
    "x": "no-show",
    "s": "start",
    "f": "finish",
    "p": "pause",
    "u": "resume",
    "c": "call-selected",
    "t": "transfer",
    "g": "priority",
    "j": "rejoin",
    "d": "reprint"
  };
  /** Actions that open a dialog instead of posting at once. */
  var DIALOG_ACTIONS = { "transfer": 1, "priority": 1, "rejoin": 1, "reprint": 1 };
  /** In the pause dialog: key -> reason. */
  var REASON_KEYS = { "1": "break", "2": "meeting", "3": "helping", "4": "other" };
  var WINDOW_KEY = "hallq.counter.window";

  i18n.add({
    zh: {
      "counter.page_title": "窗口工作台 · HallQ",
      "counter.title": "窗口工作台",
      "counter.logout": "退出登录",
      "counter.password_change": "修改密码",
      "counter.login_title": "窗口登录",
      "counter.username": "用户名",
      "counter.password": "密码",
      "counter.window": "窗口",
      "counter.login": "登录并开窗",
      "counter.choose_window": "请选择窗口",
      "counter.window_busy": "（已有人登录）",
      "counter.current": "当前号码",
      "counter.call_next": "呼叫下一位",
      "counter.recall": "重呼",
      "counter.no_show": "过号",
      "counter.start": "开始办理",
      "counter.finish": "办结",
      "counter.pause": "暂停",
      "counter.resume": "恢复",
      "counter.queue": "等候队列",
      "counter.call_selected": "呼叫所选号码",
      "counter.queue_hint": "点一下选中号码，再按“呼叫所选号码”（或 C 键）；双击直接呼叫；↑ ↓ 键移动选择。",
      "counter.col_number": "号码",
      "counter.col_service": "业务",
      "counter.col_issued": "取号时间",
      "counter.col_waited": "已等候",
      "counter.queue_empty": "现在没有等候的群众。",
      "counter.keys": "快捷键：N 或 F1 呼叫下一位 · R 重呼 · X 过号 · S 开始办理 · F 办结 · P 暂停 · U 恢复 · C 呼叫所选 · ↑↓ 选择号码 · T 转办 · G 设为优先 · J 过号重排 · D 补打小票",
      "counter.pause_title": "暂停原因",
      "counter.reason_break": "休息",
      "counter.reason_meeting": "会议",
      "counter.reason_helping": "协助群众",
      "counter.reason_other": "其他",
      "counter.cancel": "取消",
      "counter.status_closed": "关闭",
      "counter.status_idle": "空闲",
      "counter.post_A": "A岗",
      "counter.post_B": "B岗",
      "counter.post_none": "非本窗口AB岗",
      "counter.status_called": "已呼叫",
      "counter.status_serving": "办理中",
      "counter.status_paused": "暂停：{reason}",
      "counter.ticket_called": "已呼叫，等候群众到窗口",
      "counter.ticket_serving": "办理时间",
      "counter.minutes": "{n} 分钟",
      "counter.done_call-next": "已呼叫 {number}。",
      "counter.done_call": "已呼叫 {number}。",
      "counter.done_recall": "已重呼 {number}。",
      "counter.done_no-show": "{number} 已记为过号。",
      "counter.done_recall_limit": "{number} 已重呼到上限，已记为过号；可在过号重排中让其重新排队。",
      "counter.done_start": "{number} 开始办理。",
      "counter.done_finish": "{number} 已办结。",
      "counter.done_pause": "窗口已暂停。",
      "counter.done_resume": "窗口已恢复。",
      "counter.choose_first": "请先在等候队列里点一下要呼叫的号码。",
      "counter.ticket_pending": "当前号码已呼叫但还没开始办理：请先开始办理、重呼或标记过号。",
      "counter.settle_first": "请先办结或处理当前号码，再暂停窗口。",
      "counter.need_window": "请选择一个窗口。",
      "counter.signed_out": "已退出登录。",
      "counter.transfer": "转办",
      "counter.priority": "设为优先",
      "counter.rejoin": "过号重排",
      "counter.reprint": "补打小票",
      "counter.col_tags": "标记",
      "counter.back": "上一步",
      "counter.tag_priority": "优先·{name}",
      "counter.tag_appointment": "预约",
      "counter.tag_transferred": "转办",
      "counter.tag_rejoined": "重排",
      "counter.tag_reprint": "补打",
      "counter.transfer_title": "转办 {number}",
      "counter.transfer_service": "第一步：转到哪项业务？",
      "counter.transfer_window": "第二步：转到{service}的哪个窗口？",
      "counter.any_window": "任意窗口（排入{service}队列）",
      "counter.window_state_closed": "未开",
      "counter.window_state_open": "在岗",
      "counter.window_state_paused": "暂停",
      "counter.current_service": "当前业务",
      "counter.done_transfer": "{number} 已转到{service}。",
      "counter.done_transfer_window": "{number} 已转到{service}（{window}）。",
      "counter.priority_title": "设为优先：{number}",
      "counter.done_priority": "{number} 已设为优先（{category}）。",
      "counter.choose_first_priority": "请先在等候队列里点一下要设为优先的号码。",
      "counter.rejoin_title": "过号重排",
      "counter.rejoin_hint": "过号的群众回来了：输入他的号码，他将重新排队。",
      "counter.ticket_number": "号码",
      "counter.rejoin_submit": "重新排队",
      "counter.done_rejoin": "{number} 已重新排队，前面还有 {ahead} 人。",
      "counter.reprint_title": "补打小票",
      "counter.reprint_submit": "打印",
      "counter.done_reprint": "{number} 的小票已补打。",
      "counter.need_number": "请输入号码，例如 A003。"
    },
    en: {
      "counter.page_title": "Window desk · HallQ",
      "counter.title": "Window desk",
      "counter.logout": "Sign out",
      "counter.password_change": "My password",
      "counter.login_title": "Sign in at a window",
      "counter.username": "User name",
      "counter.password": "Password",
      "counter.window": "Window",
      "counter.login": "Sign in and open",
      "counter.choose_window": "Choose a window",
      "counter.window_busy": " (someone is signed in)",
      "counter.current": "Current ticket",
      "counter.call_next": "Call next",
      "counter.recall": "Recall",
      "counter.no_show": "No-show",
      "counter.start": "Start",
      "counter.finish": "Finish",
      "counter.pause": "Pause",
      "counter.resume": "Resume",
      "counter.queue": "Waiting",
      "counter.call_selected": "Call selected",
      "counter.queue_hint": "Click a number to select it, then press Call selected (or C); double-click calls at once; ↑ ↓ move the selection.",
      "counter.col_number": "Number",
      "counter.col_service": "Service",
      "counter.col_issued": "Issued",
      "counter.col_waited": "Waited",
      "counter.queue_empty": "Nobody is waiting right now.",
      "counter.keys": "Keys: N or F1 call next · R recall · X no-show · S start · F finish · P pause · U resume · C call selected · ↑↓ select · T transfer · G make priority · J rejoin no-show · D reprint",
      "counter.pause_title": "Why pause?",
      "counter.reason_break": "Break",
      "counter.reason_meeting": "Meeting",
      "counter.reason_helping": "Helping a citizen",
      "counter.reason_other": "Other",
      "counter.cancel": "Cancel",
      "counter.status_closed": "Closed",
      "counter.status_idle": "Open",
      "counter.post_A": "A post",
      "counter.post_B": "B post",
      "counter.post_none": "Not an A/B holder here",
      "counter.status_called": "Called",
      "counter.status_serving": "Serving",
      "counter.status_paused": "Paused: {reason}",
      "counter.ticket_called": "Called, waiting for the citizen",
      "counter.ticket_serving": "Serving for",
      "counter.minutes": "{n} min",
      "counter.done_call-next": "Called {number}.",
      "counter.done_call": "Called {number}.",
      "counter.done_recall": "Called {number} again.",
      "counter.done_no-show": "{number} marked as a no-show.",
      "counter.done_recall_limit": "{number} was recalled as often as allowed and is now a no-show; it may rejoin the queue.",
      "counter.done_start": "Started serving {number}.",
      "counter.done_finish": "{number} finished.",
      "counter.done_pause": "The window is paused.",
      "counter.done_resume": "The window is open again.",
      "counter.choose_first": "Click the number to call in the waiting list first.",
      "counter.ticket_pending": "The current ticket was called but not started: start, recall or mark it as a no-show first.",
      "counter.settle_first": "Finish or settle the current ticket before pausing the window.",
      "counter.need_window": "Please choose a window.",
      "counter.signed_out": "Signed out.",
      "counter.transfer": "Transfer",
      "counter.priority": "Make priority",
      "counter.rejoin": "Rejoin no-show",
      "counter.reprint": "Reprint",
      "counter.col_tags": "Tags",
      "counter.back": "Back",
      "counter.tag_priority": "Priority·{name}",
      "counter.tag_appointment": "Appointment",
      "counter.tag_transferred": "Transferred",
      "counter.tag_rejoined": "Rejoined",
      "counter.tag_reprint": "Reprint",
      "counter.transfer_title": "Transfer {number}",
      "counter.transfer_service": "Step 1: to which service?",
      "counter.transfer_window": "Step 2: to which window of {service}?",
      "counter.any_window": "Any window (join the {service} line)",
      "counter.window_state_closed": "closed",
      "counter.window_state_open": "open",
      "counter.window_state_paused": "paused",
      "counter.current_service": "current service",
      "counter.done_transfer": "{number} was transferred to {service}.",
      "counter.done_transfer_window": "{number} was transferred to {service} ({window}).",
      "counter.priority_title": "Make priority: {number}",
      "counter.done_priority": "{number} is now a priority ticket ({category}).",
      "counter.choose_first_priority": "Click the number to make priority in the waiting list first.",
      "counter.rejoin_title": "Rejoin a no-show",
      "counter.rejoin_hint": "The citizen who missed the call is back: type the number and it waits again.",
      "counter.ticket_number": "Number",
      "counter.rejoin_submit": "Rejoin",
      "counter.done_rejoin": "{number} waits again; {ahead} ahead.",
      "counter.reprint_title": "Reprint a ticket",
      "counter.reprint_submit": "Print",
      "counter.done_reprint": "{number} was printed again.",
      "counter.need_number": "Type a number, for example A003."
    }
  });

  var body = document.body;
  var me = null;          // {user, window}
  var link = null;        // the live link (HallQ.live), as this window's counter once signed in
  var windowId = null;    // the window this page works
  var win = null;         // WINDOW
  var windows = [];       // all WINDOWs, for the login list
  var waiting = [];       // TICKETs, in calling order
  var selected = null;    // a ticket number in the waiting list
  var busy = false;
  var services = [];      // from /api/services: {code, name, name_en, ...}
  var categories = [];    // the green-channel categories: {code, name, name_en}
  var lastNoShow = null;  // the number this page last marked as a no-show, offered for rejoin

  function $(id) { return document.getElementById(id); }

  // ---- messages -----------------------------------------------------------

  function say(text, kind) {
    var el = $("message");
    el.textContent = text || "";
    el.setAttribute("data-kind", kind || "");
  }

  /** The API's own sentence for a refusal, as it was written (in the page's language when it has one). */
  function apiSentence(body) {
    var err = body && body.error;
    if (err && i18n.lang() === "en" && err.message_en) return err.message_en;
    if (err && err.message) return err.message;
    return i18n.errorText(body);
  }

  // ---- tags ------------------------------------------------------------------

  /** What a clerk must know about a ticket at a glance: {kind, text} each. */
  function tagsOf(tk) {
    var out = [];
    if (tk.priority === "appointment" || tk.appointment) {
      out.push({ kind: "appointment", text: t("counter.tag_appointment") });
    } else if (tk.priority) {
      out.push({ kind: "priority", text: t("counter.tag_priority", { name: i18n.pick(tk, "priority_name") || tk.priority }) });
    }
    if (tk.matter_name) out.push({ kind: "matter", text: i18n.pick(tk, "matter_name") });
    var steps = tk.steps || [];
    if (steps.some(function (st) { return st.outcome === "transferred"; })) {
      out.push({ kind: "transferred", text: t("counter.tag_transferred") });
    }
    if (steps.some(function (st) { return st.outcome === "no_show"; })) {
      out.push({ kind: "rejoined", text: t("counter.tag_rejoined") });
    }
    if (tk.print_status === "not_printed") out.push({ kind: "reprint", text: t("counter.tag_reprint") });
    return out;
  }

  function drawTags(el, tk) {
    el.innerHTML = "";
    if (!tk) return;
    tagsOf(tk).forEach(function (tag) {
      var span = document.createElement("span");
      span.className = "c-tag c-tag-" + tag.kind;
      span.setAttribute("data-tag", tag.kind);
      span.textContent = tag.text;
      el.appendChild(span);
    });
  }

  // ---- signing in and out ---------------------------------------------------

  function showLogin() {
    var had = windowId;
    me = null; windowId = null; win = null; waiting = []; selected = null;
    if (had && link) link.rejoin();  // back to what the public sees
    body.setAttribute("data-signed-in", "no");
    $("login").hidden = false;
    $("work").hidden = true;
    $("here").hidden = true;
    loadWindows();
  }

  function showWork() {
    body.setAttribute("data-signed-in", "yes");
    $("login").hidden = true;
    $("work").hidden = false;
    $("here").hidden = false;
    $("user-name").textContent = me.user.name || me.user.username;
    drawWindow();
    loadQueue();
    loadServices();
  }

  function loadWindows() {
    return HallQ.api("GET", "/api/state").then(function (res) {
      if (res.ok) {
        HallQ.clock.sync(res.body.now);
        windows = res.body.windows || [];
        drawWindowChoices();
      }
    });
  }

  function drawWindowChoices() {
    var sel = $("login-window");
    var keep = sel.value || new URLSearchParams(location.search).get("window");
    if (!keep) { try { keep = localStorage.getItem(WINDOW_KEY); } catch (e) { keep = null; } }
    sel.innerHTML = "";
    var none = document.createElement("option");
    none.value = "";
    none.textContent = t("counter.choose_window");
    sel.appendChild(none);
    windows.forEach(function (w) {
      var o = document.createElement("option");
      o.value = String(w.id);
      var svc = (w.services || []).join(" ");
      // Before sign-in the page sees what the public sees: that a window is staffed, not by whom.
      var busyText = (w.staff || w.staffed) ? t("counter.window_busy") : "";
      o.textContent = i18n.pick(w, "name") + " · " + svc + busyText;
      sel.appendChild(o);
    });
    if (keep && windows.some(function (w) { return String(w.id) === String(keep); })) sel.value = String(keep);
  }

  $("login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var username = $("login-username").value.trim();
    var password = $("login-password").value;
    var w = $("login-window").value;
    if (!w) { $("login-error").textContent = t("counter.need_window"); return; }
    $("login-error").textContent = "";
    $("login-submit").disabled = true;
    HallQ.api("POST", "/api/login", { username: username, password: password, window: parseInt(w, 10) })
      .then(function (res) {
        $("login-submit").disabled = false;
        if (!res.ok) { $("login-error").textContent = i18n.errorText(res.body); return; }
        $("login-password").value = "";
        try { localStorage.setItem(WINDOW_KEY, w); } catch (e) { /* private mode */ }
        signedIn(res.body);
      });
  });

  /** After /api/login or /api/me said who we are and at which window. */
  function signedIn(who) {
    me = who;
    windowId = who.window;
    if (link) link.rejoin();  // the window's counter audience, now that we hold it
    // The window as the server has it now (open, with this clerk).
    return HallQ.api("GET", "/api/state").then(function (res) {
      if (res.ok) {
        HallQ.clock.sync(res.body.now);
        windows = res.body.windows || [];
        win = windows.filter(function (w) { return w.id === windowId; })[0] || null;
      }
      say("", "");
      showWork();
    });
  }

  $("logout").addEventListener("click", function () {
    HallQ.api("POST", "/api/logout").then(function () {
      showLogin();
      $("login-error").textContent = t("counter.signed_out");
    });
  });

  // ---- the window and its current ticket -----------------------------------

  function windowStatusKey() {
    if (!win) return "closed";
    if (win.status === "paused") return "paused";
    if (win.status === "closed") return "closed";
    if (win.current && win.current.status === "serving") return "serving";
    if (win.current && win.current.status === "called") return "called";
    return "idle";
  }

  function drawWindow() {
    if (!win) return;
    $("window-name").textContent = i18n.pick(win, "name");
    // The post (AB岗) the hall recorded for this clerk here: the server says it, the page shows it.
    var post = win.staff ? (win.staff.post || "none") : null;
    var postEl = $("user-post");
    postEl.hidden = !post;
    postEl.setAttribute("data-post", post || "");
    postEl.textContent = post ? t("counter.post_" + post) : "";
    var key = windowStatusKey();
    var badge = $("window-status");
    badge.setAttribute("data-status", key);
    badge.textContent = key === "paused"
      ? t("counter.status_paused", { reason: t("counter.reason_" + (win.pause_reason || "other")) })
      : t("counter.status_" + key);

    var c = win.current;
    var box = $("current");
    box.setAttribute("data-number", c ? c.number : "");
    box.setAttribute("data-status", c ? c.status : "");
    $("current-number").textContent = c ? c.number : "—";
    $("current-service").textContent = c ? i18n.pick(c, "service_name") : "";
    drawTags($("current-tags"), c);
    $("current-state").textContent = !c ? "" :
      c.status === "serving" ? t("counter.ticket_serving") : t("counter.ticket_called");
    drawTimer();
    drawButtons();
  }

  function lastCallAt(ticket) {
    var calls = ticket.calls || [];
    return calls.length ? calls[calls.length - 1].at : ticket.issued_at;
  }

  function drawTimer() {
    var c = win && win.current;
    var el = $("current-timer");
    if (!c) { el.textContent = ""; return; }
    el.textContent = HallQ.clock.elapsed(c.status === "serving" && c.started_at ? c.started_at : lastCallAt(c));
  }

  /** Why an action cannot be done now (an error code), or null when it can.
   *  Mirrors the hall's rules so buttons grey out; the server still decides. */
  function blocked(action) {
    if (!win) return "not_signed_in";
    var paused = win.status === "paused";
    var c = win.current;
    switch (action) {
      case "resume": return paused ? null : "wrong_state";
      case "pause":
        if (paused) return "wrong_state";
        return c ? "settle_first" : null;
      case "call-next": case "call-selected":
        if (paused) return "window_paused";
        // A called citizen must be started, recalled or marked no-show before the next call.
        if (c && c.status === "called") return "ticket_pending";
        return action === "call-selected" && !selected ? "choose_first" : null;
      case "recall":
        if (paused) return "window_paused";
        if (!c) return "no_current_ticket";
        return c.status === "called" ? null : "wrong_state";
      case "no-show": case "start":
        if (!c) return "no_current_ticket";
        return c.status === "called" ? null : "wrong_state";
      case "finish":
        return c ? null : "no_current_ticket";
      case "transfer":
        if (!c) return "no_current_ticket";
        return c.status === "called" || c.status === "serving" ? null : "wrong_state";
      case "priority":
        return selected ? null : "choose_first_priority";
      case "rejoin": case "reprint":
        return null;
    }
    return null;
  }

  function drawButtons() {
    document.querySelectorAll("#work [data-action]").forEach(function (b) {
      b.disabled = busy || blocked(b.getAttribute("data-action")) !== null;
    });
  }

  // ---- actions ---------------------------------------------------------------

  // Actions run one after another: a clerk who types N then S quickly gets both,
  // in order, each checked against the state the one before left behind.
  var queue = Promise.resolve();

  function act(action, reason) {
    queue = queue.then(function () { return run(action, reason); });
  }

  function run(action, reason) {
    if (!windowId) return null;
    var why = blocked(action);
    if (why) {
      say(i18n.has("counter." + why) ? t("counter." + why) : t("error." + why), "error");
      return null;
    }
    if (action === "pause" && reason === undefined) { openPause(); return null; }
    if (DIALOG_ACTIONS[action]) { openRuleDialog(action); return null; }

    var path = action === "call-selected" ? "call" : action;
    var data;
    if (action === "call-selected") data = { ticket: selected };
    else if (action === "pause") data = { reason: reason };
    else data = {};
    busy = true;
    drawButtons();
    return HallQ.api("POST", "/api/windows/" + windowId + "/" + path, data).then(function (res) {
      busy = false;
      if (res.ok) {
        var before = win && win.current;
        if (res.body.window) win = res.body.window;
        else if (res.body.ticket && win) win = Object.assign({}, win, { current: res.body.ticket });
        var tk = res.body.ticket || before;
        // A recall past the hall's limit makes the ticket a no-show: say so, and offer it for rejoin.
        var done = path === "recall" && tk && tk.status === "no_show" ? "recall_limit" : path;
        if ((path === "no-show" || done === "recall_limit") && tk) lastNoShow = tk.number;
        say(t("counter.done_" + done, { number: tk ? tk.number : "" }), "ok");
        if (path === "call") selected = null;
        drawWindow();
        loadQueue();
      } else {
        if (res.body.error && res.body.error.code === "not_signed_in") { showLogin(); }
        say(i18n.errorText(res.body), "error");
        drawButtons();
      }
    });
  }

  document.querySelectorAll("#work [data-action]").forEach(function (b) {
    b.addEventListener("click", function () { act(b.getAttribute("data-action")); });
  });

  // ---- the pause reason dialog ---------------------------------------------

  function openPause() {
    $("pause-dialog").hidden = false;
    $("pause-dialog").querySelector("[data-reason]").focus();
  }

  function closePause(reason) {
    $("pause-dialog").hidden = true;
    if (reason) act("pause", reason);
  }

  $("pause-dialog").querySelectorAll("[data-reason]").forEach(function (b) {
    b.addEventListener("click", function () { closePause(b.getAttribute("data-reason")); });
  });

  // ---- transfer, green channel, rejoin, reprint ----------------------------------

  var openDialog = null;  // the id of the open rule dialog, or null
  var dialogKeys = {};    // in a choice dialog: digit -> function
  var transferTo = null;  // the service chosen in the transfer dialog's first step

  function loadServices() {
    return HallQ.api("GET", "/api/services").then(function (res) {
      if (!res.ok) return;
      services = res.body.services || [];
      categories = res.body.priority_categories || [];
    });
  }

  /** Run draw with the services and categories: at once from those loaded at sign-in, so a
   *  digit typed right after T or G is not lost; loaded first when the page has none yet. */
  function withServices(draw) {
    if (services.length) draw();
    else loadServices().then(draw);
  }

  function showDialog(id) {
    openDialog = id;
    $(id).hidden = false;
    var err = $(id.replace("-dialog", "-error"));
    if (err) err.textContent = "";
  }

  function closeDialog() {
    if (!openDialog) return;
    $(openDialog).hidden = true;
    openDialog = null;
    dialogKeys = {};
    drawButtons();
  }

  /** Big buttons, each with its digit key; choices: [{label, note?, attrs, run}]. */
  function drawChoices(box, choices) {
    box.innerHTML = "";
    dialogKeys = {};
    var n = 0;
    choices.forEach(function (ch) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "c-btn c-choice";
      Object.keys(ch.attrs || {}).forEach(function (k) { b.setAttribute(k, ch.attrs[k]); });
      var label = document.createElement("span");
      label.textContent = ch.label;
      b.appendChild(label);
      if (ch.note) {
        var note = document.createElement("small");
        note.textContent = ch.note;
        b.appendChild(note);
      }
      var digit = ch.zero ? "0" : (++n <= 9 ? String(n) : null);
      if (digit) {
        var kbd = document.createElement("kbd");
        kbd.textContent = digit;
        b.appendChild(kbd);
        dialogKeys[digit] = ch.run;
      }
      b.addEventListener("click", ch.run);
      box.appendChild(b);
    });
    var first = box.querySelector("button");
    if (first) first.focus();
  }

  function openRuleDialog(action) {
    var c = win && win.current;
    if (action === "transfer") {
      transferTo = null;
      showDialog("transfer-dialog");
      $("transfer-title").textContent = t("counter.transfer_title", { number: c.number });
      withServices(transferStepService);
    } else if (action === "priority") {
      showDialog("priority-dialog");
      $("priority-title").textContent = t("counter.priority_title", { number: selected });
      var number = selected;
      withServices(function () {
        drawChoices($("priority-choices"), categories.map(function (cat) {
          return { label: i18n.pick(cat, "name"), attrs: { "data-category": cat.code },
                   run: function () { markPriority(number, cat); } };
        }));
      });
    } else if (action === "rejoin") {
      showDialog("rejoin-dialog");
      $("rejoin-number").value = lastNoShow || "";
      $("rejoin-number").focus();
      $("rejoin-number").select();
    } else if (action === "reprint") {
      showDialog("reprint-dialog");
      $("reprint-number").value = (c && c.number) || selected || "";
      $("reprint-number").focus();
      $("reprint-number").select();
    }
  }

  function transferStepService() {
    var c = win && win.current;
    transferTo = null;
    $("transfer-back").hidden = true;
    $("transfer-step").textContent = t("counter.transfer_service");
    drawChoices($("transfer-choices"), services.map(function (svc) {
      return { label: (svc.prefix || svc.code) + "  " + i18n.pick(svc, "name"),
               note: c && c.service === svc.code ? t("counter.current_service") : "",
               attrs: { "data-service": svc.code },
               run: function () { transferStepWindow(svc); } };
    }));
  }

  function transferStepWindow(svc) {
    transferTo = svc;
    $("transfer-back").hidden = false;
    var name = i18n.pick(svc, "name");
    $("transfer-step").textContent = t("counter.transfer_window", { service: name });
    var choices = [{ label: t("counter.any_window", { service: name }), attrs: { "data-window": "" }, zero: true,
                     run: function () { transfer(svc, null); } }];
    windows.filter(function (w) {
      return w.id !== windowId && (w.services || []).indexOf(svc.code) >= 0;
    }).forEach(function (w) {
      choices.push({ label: i18n.pick(w, "name"), note: t("counter.window_state_" + (w.status || "closed")),
                     attrs: { "data-window": String(w.id) }, run: function () { transfer(svc, w); } });
    });
    drawChoices($("transfer-choices"), choices);
  }

  $("transfer-back").addEventListener("click", transferStepService);

  function transfer(svc, w) {
    var body = { service: svc.code };
    if (w) body.window = w.id;
    var number = win && win.current ? win.current.number : "";
    queue = queue.then(function () {
      return HallQ.api("POST", "/api/windows/" + windowId + "/transfer", body).then(function (res) {
        if (!res.ok) { $("transfer-error").textContent = apiSentence(res.body); return; }
        closeDialog();
        if (res.body.window) win = res.body.window;
        var params = { number: (res.body.ticket && res.body.ticket.number) || number,
                       service: i18n.pick(svc, "name"), window: w ? i18n.pick(w, "name") : "" };
        say(t(w ? "counter.done_transfer_window" : "counter.done_transfer", params), "ok");
        drawWindow();
        loadQueue();
      });
    });
  }

  function markPriority(number, cat) {
    queue = queue.then(function () {
      return HallQ.api("POST", "/api/tickets/" + encodeURIComponent(number) + "/priority", { category: cat.code })
        .then(function (res) {
          if (!res.ok) { $("priority-error").textContent = apiSentence(res.body); return; }
          closeDialog();
          say(t("counter.done_priority", { number: number, category: i18n.pick(cat, "name") }), "ok");
          loadQueue();
        });
    });
  }

  /** A typed ticket number, as the hall writes it (a003 -> A003). */
  function typedNumber(input) { return input.value.trim().toUpperCase(); }

  $("rejoin-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var number = typedNumber($("rejoin-number"));
    if (!number) { $("rejoin-error").textContent = t("counter.need_number"); return; }
    $("rejoin-submit").disabled = true;
    HallQ.api("POST", "/api/tickets/" + encodeURIComponent(number) + "/rejoin", {}).then(function (res) {
      $("rejoin-submit").disabled = false;
      if (!res.ok) { $("rejoin-error").textContent = apiSentence(res.body); return; }
      closeDialog();
      if (lastNoShow === number) lastNoShow = null;
      say(t("counter.done_rejoin", { number: res.body.ticket.number, ahead: res.body.ahead }), "ok");
      loadQueue();
    });
  });

  $("reprint-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var number = typedNumber($("reprint-number"));
    if (!number) { $("reprint-error").textContent = t("counter.need_number"); return; }
    $("reprint-submit").disabled = true;
    HallQ.api("POST", "/api/tickets/" + encodeURIComponent(number) + "/reprint", {}).then(function (res) {
      $("reprint-submit").disabled = false;
      if (!res.ok) { $("reprint-error").textContent = apiSentence(res.body); return; }
      var pr = res.body.print || {};
      if (pr.status !== "printed") {
        // Not printed (paper out, cover open…): the printer's own sentence; the dialog stays for a retry.
        $("reprint-error").textContent = pr.message || pr.reason || pr.status || "";
        return;
      }
      closeDialog();
      say(t("counter.done_reprint", { number: res.body.ticket.number }), "ok");
      loadQueue();
      if (win && win.current && win.current.number === res.body.ticket.number) {
        win = Object.assign({}, win, { current: res.body.ticket });
        drawWindow();
      }
    });
  });

  document.querySelectorAll("[data-close]").forEach(function (b) {
    b.addEventListener("click", closeDialog);
  });

  /** Keys while a rule dialog is open: Esc closes, digits choose, Backspace steps back. */
  function dialogKey(ev, key) {
    if (key === "escape") { ev.preventDefault(); closeDialog(); return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT") return; // typing a number; Enter submits the form
    if (key === "backspace" && openDialog === "transfer-dialog" && transferTo) {
      ev.preventDefault(); transferStepService(); return;
    }
    if (dialogKeys[key]) { ev.preventDefault(); dialogKeys[key](); }
  }

  // ---- the waiting list --------------------------------------------------------

  var queueTimer = null;
  /** Reload the window's waiting list; bursts of events make one request. */
  function loadQueue() {
    if (!windowId) return;
    if (queueTimer) clearTimeout(queueTimer);
    queueTimer = setTimeout(function () {
      queueTimer = null;
      HallQ.api("GET", "/api/windows/" + windowId + "/queue").then(function (res) {
        if (res.ok) { waiting = res.body.waiting || []; drawQueue(); }
        else if (res.body.error && res.body.error.code === "not_signed_in") showLogin();
      });
    }, 100);
  }

  function drawQueue() {
    var tbody = $("queue");
    tbody.innerHTML = "";
    if (selected && !waiting.some(function (tk) { return tk.number === selected; })) selected = null;
    waiting.forEach(function (tk) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-number", tk.number);
      tr.setAttribute("aria-selected", tk.number === selected ? "true" : "false");
      tr.tabIndex = -1;
      var cells = [tk.number, i18n.pick(tk, "service_name"), "", HallQ.clock.formatTime(tk.issued_at, false), ""];
      cells.forEach(function (text, i) {
        var td = document.createElement("td");
        td.textContent = text;
        if (i === 0) td.className = "c-num";
        if (i === 2) {
          var box = document.createElement("span");
          box.className = "c-tags";
          td.className = "c-tagcell";
          td.appendChild(box);
          drawTags(box, tk);
        }
        if (i === 4) { td.className = "c-waited"; td.setAttribute("data-since", tk.issued_at); }
        tr.appendChild(td);
      });
      tr.addEventListener("click", function () { select(tk.number); });
      tr.addEventListener("dblclick", function () { select(tk.number); act("call-selected"); });
      tbody.appendChild(tr);
    });
    $("queue-count").textContent = String(waiting.length);
    $("queue-empty").hidden = waiting.length > 0;
    drawWaited();
    drawButtons();
  }

  function select(number) {
    selected = number;
    $("queue").querySelectorAll("tr").forEach(function (tr) {
      tr.setAttribute("aria-selected", tr.getAttribute("data-number") === number ? "true" : "false");
    });
    drawButtons();
  }

  function moveSelection(step) {
    if (!waiting.length) return;
    var i = waiting.findIndex(function (tk) { return tk.number === selected; });
    i = i < 0 ? (step > 0 ? 0 : waiting.length - 1) : Math.min(waiting.length - 1, Math.max(0, i + step));
    select(waiting[i].number);
    var row = $("queue").querySelector('tr[data-number="' + waiting[i].number + '"]');
    if (row && row.scrollIntoView) row.scrollIntoView({ block: "nearest" });
  }

  function drawWaited() {
    $("queue").querySelectorAll("td.c-waited").forEach(function (td) {
      td.textContent = t("counter.minutes", { n: HallQ.clock.minutesSince(td.getAttribute("data-since")) });
    });
  }

  // ---- keyboard --------------------------------------------------------------

  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    var key = (ev.key || "").toLowerCase();
    if (openDialog) { dialogKey(ev, key); return; }
    if (!$("pause-dialog").hidden) {
      if (key === "escape") { ev.preventDefault(); closePause(null); }
      else if (REASON_KEYS[key]) { ev.preventDefault(); closePause(REASON_KEYS[key]); }
      return;
    }
    if (!windowId) return;
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
    if (key === "arrowdown") { ev.preventDefault(); moveSelection(1); return; }
    if (key === "arrowup") { ev.preventDefault(); moveSelection(-1); return; }
    var action = KEYS[key];
    if (!action) return;
    ev.preventDefault(); // F1 would open the browser's help
    act(action);
  });

  // ---- live ------------------------------------------------------------------

  function tick() {
    $("clock").textContent = HallQ.clock.synced() ? HallQ.clock.formatTime(HallQ.clock.now(), false) : "";
    drawTimer();
    drawWaited();
  }
  setInterval(tick, 1000);

  function servesService(code) { return !!(win && (win.services || []).indexOf(code) >= 0); }

  document.addEventListener("hallq:lang", function () {
    if (windowId) { drawWindow(); drawQueue(); } else { drawWindowChoices(); }
    tick();
  });

  link = HallQ.live({
    ended: function () {
      // The hall ended this page's session (signed out elsewhere, another clerk took the window).
      HallQ.api("GET", "/api/me").then(function (res) {
        if (!res.ok || res.body.window !== windowId) {
          showLogin();
          $("login-error").textContent = t("counter.signed_out");
        }
      });
    },
    snapshot: function (s) {
      windows = s.windows || [];
      tick();
      if (windowId) {
        var mine = windows.filter(function (w) { return w.id === windowId; })[0];
        if (mine) { win = mine; drawWindow(); }
        loadQueue();
      } else if (!$("login").hidden) {
        drawWindowChoices();
      }
    },
    window_changed: function (e) {
      var w = e.window;
      windows = windows.map(function (x) { return x.id === w.id ? w : x; });
      if (windowId && w.id === windowId) {
        // Signed out elsewhere (another PC, the admin): this page is no longer at the window.
        if (w.status === "closed" && me && (!w.staff || w.staff.username !== me.user.username)) {
          HallQ.api("GET", "/api/me").then(function (res) {
            if (!res.ok || res.body.window !== windowId) showLogin();
          });
        }
        win = w;
        drawWindow();
      } else if (!windowId && !$("login").hidden) {
        drawWindowChoices();
      }
    },
    any: function (name, e) {
      if (!windowId) return;
      var code = e.service || (e.ticket && e.ticket.service);
      if (name !== "window_changed" && (!code || servesService(code))) loadQueue();
    }
  }, function () { return windowId ? { audience: "counter", window: windowId } : { audience: "screens" }; });

  // ---- start: still signed in after a reload? -------------------------------

  HallQ.api("GET", "/api/me").then(function (res) {
    if (res.ok && res.body.window) { signedIn(res.body); return; }
    showLogin();
    if (res.ok && res.body.user) $("login-username").value = res.body.user.username;
  });
  tick();
})();
