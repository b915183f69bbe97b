/*
 * What the board's two pages (/board and /board/alarms) share: the manager's
 * sign-in, and how an alarm is written (its kind, when, who acknowledged it).
 *
 * HallQ.board.signIn({onManager(who), onSignedOut()}) asks /api/me, shows the
 * page's sign-in form (POST /api/login without a window) until a manager or
 * admin is signed in, then calls onManager; the sign-out button signs out.
 * Loaded after the shared scripts (hall/static: i18n.js, live.js).
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;
  var MANAGERS = ["manager", "admin"];

  i18n.add({
    zh: {
      "board.logout": "退出登录",
      "board.login_title": "管理人员登录",
      "board.login_note": "实时看板需要管理员（manager 或 admin）账号。",
      "board.username": "用户名",
      "board.password": "密码",
      "board.login": "登录",
      "board.not_manager": "{name} 不是管理员账号，请用管理员账号登录。",
      "board.nobody": "—",
      "board.history": "告警记录",
      // The kinds of hall/alarms.py (KINDS).
      "alarm.kind_long_wait": "等候超时",
      "alarm.kind_long_queue": "排队过长",
      "alarm.kind_service_overtime": "办理超时",
      "alarm.kind_window_paused": "窗口暂停过久",
      "alarm.kind_window_unstaffed": "窗口无人",
      "alarm.kind_device_fault": "设备故障",
      "alarm.kind_bad_rating": "差评",
      "alarm.kind_case_overdue": "差评整改逾期",
      "alarm.acknowledged": "{who} 于 {at} 确认",
      "alarm.cleared": "{at} 解除",
      "alarm.open": "未解除",
      "alarm.raised_for": "已持续 {minutes} 分钟"
    },
    en: {
      "board.logout": "Sign out",
      "board.login_title": "Manager sign-in",
      "board.login_note": "The live board needs a manager or admin account.",
      "board.username": "User name",
      "board.password": "Password",
      "board.login": "Sign in",
      "board.not_manager": "{name} is not a manager account. Please sign in with a manager account.",
      "board.nobody": "—",
      "board.history": "Alarm history",
      "alarm.kind_long_wait": "Long wait",
      "alarm.kind_long_queue": "Long queue",
      "alarm.kind_service_overtime": "Over time limit",
      "alarm.kind_window_paused": "Window paused too long",
      "alarm.kind_window_unstaffed": "Window unstaffed",
      "alarm.kind_device_fault": "Device fault",
      "alarm.kind_bad_rating": "Bad rating",
      "alarm.kind_case_overdue": "Case overdue",
      "alarm.acknowledged": "acknowledged by {who} at {at}",
      "alarm.cleared": "cleared at {at}",
      "alarm.open": "open",
      "alarm.raised_for": "for {minutes} min"
    }
  });

  function $(id) { return document.getElementById(id); }

  function isManager(who) { return !!(who && who.user && MANAGERS.indexOf(who.user.role) >= 0); }

  /** Show the page's sign-in until a manager is signed in; see the header. */
  function signIn(opts) {
    var body = document.body;

    function showLogin(message) {
      body.setAttribute("data-authorized", "no");
      $("login").hidden = false;
      $(opts.main || "board").hidden = true;
      $("logout").hidden = true;
      $("user-name").textContent = "";
      $("login-error").textContent = message || "";
      if (opts.onSignedOut) opts.onSignedOut();
    }

    function decide(who) {
      if (!isManager(who)) {
        showLogin(who && who.user ? t("board.not_manager", { name: who.user.name || who.user.username }) : "");
        return;
      }
      body.setAttribute("data-authorized", "yes");
      $("login").hidden = true;
      $(opts.main || "board").hidden = false;
      $("logout").hidden = false;
      $("user-name").textContent = who.user.name || who.user.username;
      opts.onManager(who);
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

    HallQ.api("GET", "/api/me").then(function (res) { decide(res.ok ? res.body : null); });
    return { showLogin: showLogin };
  }

  /** The alarm's kind in the page's language (its code when this page does not know it). */
  function kindName(kind) {
    return i18n.has("alarm.kind_" + kind) ? t("alarm.kind_" + kind) : kind;
  }

  /** The alarm's sentence, as the hall wrote it, in the page's language. */
  function sentence(a) { return i18n.pick(a, "message") || kindName(a.kind); }

  /** "09:03", or "11-26 09:03" for an instant of another day than `day` (YYYY-MM-DD). The hall
   *  writes its instants in its own time zone, so the wall-clock time is read off the text itself. */
  function when(iso, day) {
    if (!iso) return "";
    var time = String(iso).slice(11, 16);
    var date = String(iso).slice(0, 10);
    return day && date !== day ? date.slice(5) + " " + time : time;
  }

  /** Who acknowledged it and when, with the note; "" while nobody has. */
  function acknowledgement(a, day) {
    if (!a.acknowledged_at) return "";
    var text = t("alarm.acknowledged", { who: a.acknowledged_by || "", at: when(a.acknowledged_at, day) });
    return a.note ? text + " · " + a.note : text;
  }

  window.HallQ.board = {
    signIn: signIn, kindName: kindName, sentence: sentence, when: when, acknowledgement: acknowledgement
  };
})();
