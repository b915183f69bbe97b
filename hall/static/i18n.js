/*
 * HallQ shared page helpers: the page language and the hall's clock.
 *
 * Language: zh-CN by default, English second. The choice comes from
 * ?lang=zh|en, else localStorage "hallq.lang", else zh; it is remembered in
 * localStorage. Elements carry their Chinese text in the HTML and a key:
 *   <h1 data-i18n="kiosk.title">请选择办理业务</h1>
 * and each page adds its English (and any dynamic Chinese) strings with
 * HallQ.i18n.add({zh: {...}, en: {...}}). A page that draws dynamic text
 * listens for the "hallq:lang" event on document and redraws.
 *
 * Clock: screens show the hall's time, not the PC's: HallQ.clock.sync(iso)
 * takes the server's "now" (ISO 8601 with offset) from a snapshot and keeps
 * the difference, so a kiosk PC with a wrong clock or time zone still shows
 * the right time and waiting minutes.
 */
(function () {
  "use strict";

  var STORAGE_KEY = "hallq.lang";
  var LANGS = ["zh", "en"];
  var dict = { zh: {}, en: {} };

  // Stable API error codes (see docs/api.md) as sentences a person can act on.
  var COMMON = {
    zh: {
      "lang.zh": "中文",
      "lang.en": "English",
      "status.online": "已连接",
      "status.offline": "连接中断，正在重新连接…",
      "error.invalid_json": "请求格式不正确，请刷新页面后重试。",
      "error.unknown_service": "没有这项业务，请选择屏幕上的其他业务。",
      "error.unknown_window": "没有这个窗口，请重新选择窗口。",
      "error.unknown_ticket": "没有找到这个号码，请刷新等候列表后重试。",
      "error.queue_empty": "现在没有等候的群众。",
      "error.not_signed_in": "请先登录。",
      "error.forbidden": "您没有这个操作的权限，请用有权限的账号登录。",
      "error.bad_credentials": "用户名或密码不正确，请重新输入。",
      "error.wrong_state": "当前状态下不能这样操作。",
      "error.window_paused": "窗口暂停中，请先点“恢复”。",
      "error.no_current_ticket": "当前没有正在办理的号码，请先叫号。",
      "error.window_taken": "这个窗口已有工作人员登录，请选择其他窗口。",
      "error.network": "网络连接中断，请稍后重试。",
      "error.server": "服务器出错了，请稍后重试。"
    },
    en: {
      "lang.zh": "中文",
      "lang.en": "English",
      "status.online": "Connected",
      "status.offline": "Connection lost, reconnecting…",
      "error.invalid_json": "The request was not understood. Please reload the page and try again.",
      "error.unknown_service": "There is no such service. Please choose another service on the screen.",
      "error.unknown_window": "There is no such window. Please choose a window again.",
      "error.unknown_ticket": "That ticket was not found. Please refresh the waiting list and try again.",
      "error.queue_empty": "Nobody is waiting right now.",
      "error.not_signed_in": "Please sign in first.",
      "error.forbidden": "You are not allowed to do this. Please sign in with an account that is.",
      "error.bad_credentials": "Wrong user name or password. Please try again.",
      "error.wrong_state": "This cannot be done in the current state.",
      "error.window_paused": "The window is paused. Press Resume first.",
      "error.no_current_ticket": "There is no current ticket. Call one first.",
      "error.window_taken": "Someone is already signed in at this window. Please choose another window.",
      "error.network": "The network connection is down. Please try again shortly.",
      "error.server": "The server had a problem. Please try again shortly."
    }
  };

  function readInitialLang() {
    var fromUrl = new URLSearchParams(window.location.search).get("lang");
    if (fromUrl && LANGS.indexOf(fromUrl) >= 0) {
      remember(fromUrl);
      return fromUrl;
    }
    var stored = null;
    try { stored = window.localStorage.getItem(STORAGE_KEY); } catch (e) { /* private mode */ }
    return LANGS.indexOf(stored) >= 0 ? stored : "zh";
  }

  function remember(l) {
    try { window.localStorage.setItem(STORAGE_KEY, l); } catch (e) { /* private mode */ }
  }

  var lang = readInitialLang();

  /** Add strings: add({zh: {key: text}, en: {key: text}}). */
  function add(table) {
    LANGS.forEach(function (l) {
      var src = table[l] || {};
      Object.keys(src).forEach(function (k) { dict[l][k] = src[k]; });
    });
  }

  /** The text for key in the current language; {name} placeholders filled from params. */
  function t(key, params) {
    var text = dict[lang][key];
    if (text === undefined) text = dict.zh[key];
    if (text === undefined) return key;
    if (params) {
      text = text.replace(/\{(\w+)\}/g, function (m, name) {
        return params[name] === undefined ? m : String(params[name]);
      });
    }
    return text;
  }

  function has(key) { return dict[lang][key] !== undefined || dict.zh[key] !== undefined; }

  /** obj[field] in Chinese, obj[field + "_en"] in English when the server gave one. */
  function pick(obj, field) {
    if (!obj) return "";
    if (lang === "en" && obj[field + "_en"]) return obj[field + "_en"];
    return obj[field] || "";
  }

  /** A device's detail, written "中文 / English" by the drivers: the half for the page's language. */
  function bilingual(text) {
    if (!text) return "";
    var at = text.indexOf(" / ");
    if (at < 0) return text;
    return lang === "en" ? text.slice(at + 3) : text.slice(0, at);
  }

  /** A sentence for an API error body {"error": {code, message, message_en?}}. */
  function errorText(body) {
    var err = body && body.error;
    if (!err) return t("error.server");
    if (has("error." + err.code)) return t("error." + err.code);
    if (lang === "en" && err.message_en) return err.message_en;
    return err.message || t("error.server");
  }

  /** Translate every element under root that carries a data-i18n* attribute. */
  function apply(root) {
    root = root || document;
    root.querySelectorAll("[data-i18n]").forEach(function (el) {
      el.textContent = t(el.getAttribute("data-i18n"));
    });
    ["placeholder", "title", "aria-label"].forEach(function (attr) {
      root.querySelectorAll("[data-i18n-" + attr + "]").forEach(function (el) {
        el.setAttribute(attr, t(el.getAttribute("data-i18n-" + attr)));
      });
    });
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    document.querySelectorAll(".lang-toggle [data-lang]").forEach(function (b) {
      var on = b.getAttribute("data-lang") === lang;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  /** Switch language, remember it, keep ?lang in the address in step, redraw. */
  function setLang(l) {
    if (LANGS.indexOf(l) < 0 || l === lang) return;
    lang = l;
    remember(l);
    // A ?lang left in the address would undo the choice on the next reload.
    var url = new URL(window.location.href);
    if (url.searchParams.has("lang")) {
      url.searchParams.set("lang", l);
      window.history.replaceState(null, "", url.toString());
    }
    apply(document);
    document.dispatchEvent(new CustomEvent("hallq:lang", { detail: { lang: l } }));
  }

  add(COMMON);

  // ---- the hall's clock -------------------------------------------------

  var skewMs = 0;        // server time minus this PC's time
  var hallOffsetMin = null; // the hall's UTC offset, from the server's ISO string

  function sync(nowIso) {
    if (!nowIso) return;
    var server = Date.parse(nowIso);
    if (isNaN(server)) return;
    skewMs = server - Date.now();
    var m = /([+-])(\d\d):?(\d\d)$/.exec(nowIso);
    if (m) hallOffsetMin = (m[1] === "-" ? -1 : 1) * (parseInt(m[2], 10) * 60 + parseInt(m[3], 10));
    else if (/Z$/.test(nowIso)) hallOffsetMin = 0;
  }

  function now() { return Date.now() + skewMs; }

  /** True once the server's time is known; before that a clock would show the PC's guess. */
  function synced() { return hallOffsetMin !== null; }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  /** A Date whose UTC fields read as the hall's wall clock. */
  function hallDate(ms) {
    var off = hallOffsetMin === null ? -new Date(ms).getTimezoneOffset() : hallOffsetMin;
    return new Date(ms + off * 60000);
  }

  /** "09:03" or "09:03:07" in the hall's time. */
  function formatTime(msOrIso, withSeconds) {
    var ms = typeof msOrIso === "string" ? Date.parse(msOrIso) : msOrIso;
    if (isNaN(ms)) return "";
    var d = hallDate(ms);
    var s = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    return withSeconds ? s + ":" + pad(d.getUTCSeconds()) : s;
  }

  /** "2026年11月27日 星期五" or "Fri 27 Nov 2026" in the hall's time. */
  function formatDate(ms) {
    var d = hallDate(ms);
    var wd = d.getUTCDay();
    if (lang === "en") {
      var days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
      var months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
      return days[wd] + " " + d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear();
    }
    return d.getUTCFullYear() + "年" + (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 星期" +
      "日一二三四五六".charAt(wd);
  }

  /** Elapsed time since an ISO instant as "m:ss" (or "h:mm:ss"). */
  function elapsed(iso) {
    var ms = Date.parse(iso);
    if (isNaN(ms)) return "";
    var s = Math.max(0, Math.floor((now() - ms) / 1000));
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(sec);
  }

  /** Whole minutes since an ISO instant (never negative). */
  function minutesSince(iso) {
    var ms = Date.parse(iso);
    if (isNaN(ms)) return 0;
    return Math.max(0, Math.floor((now() - ms) / 60000));
  }

  function bindToggles() {
    document.querySelectorAll(".lang-toggle [data-lang]").forEach(function (b) {
      b.addEventListener("click", function () { setLang(b.getAttribute("data-lang")); });
    });
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.i18n = {
    add: add, t: t, has: has, pick: pick, bilingual: bilingual, errorText: errorText, apply: apply, setLang: setLang,
    lang: function () { return lang; }
  };
  window.HallQ.clock = {
    sync: sync, now: now, synced: synced, formatTime: formatTime, formatDate: formatDate,
    elapsed: elapsed, minutesSince: minutesSince
  };

  function ready() { bindToggles(); apply(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
