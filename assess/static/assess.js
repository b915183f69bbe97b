/*
 * Shared by the assessment pages: the sign-in form, signing out, and how a
 * figure is written (counts as they are, times as m:ss, rates as percent,
 * nothing to divide as "—"). HallQ.api (live.js) sends the CSRF token.
 */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function errorText(body) {
    var err = body && body.error;
    if (!err) return "服务器出错了，请稍后重试。";
    return err.message + (err.message_en && err.message_en !== err.message ? " " + err.message_en : "");
  }

  var form = $("signin-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      $("signin-submit").disabled = true;
      HallQ.api("POST", "/api/login", {
        username: $("signin-username").value.trim(), password: $("signin-password").value
      }).then(function (res) {
        $("signin-submit").disabled = false;
        if (!res.ok) { $("signin-error").textContent = errorText(res.body); return; }
        window.location.reload();
      });
    });
  }

  var logout = $("logout");
  if (logout) {
    logout.addEventListener("click", function () {
      HallQ.api("POST", "/api/logout").then(function () { window.location.reload(); });
    });
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  /** A figure as the tables show it; kind is count, seconds or rate. */
  function format(value, kind) {
    if (value === null || value === undefined) return "—";
    if (kind === "seconds") {
      var s = Math.round(value), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      return h ? h + ":" + pad(m) + ":" + pad(s % 60) : m + ":" + pad(s % 60);
    }
    if (kind === "rate") return (100 * value).toFixed(1) + "%";
    return String(value);
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.assess = { format: format, errorText: errorText, $: $ };
})();
