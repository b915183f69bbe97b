/*
 * Shared by the assessment pages (signing in and out: hall/static/signin.js): how a
 * figure is written (counts as they are, times as m:ss, rates as percent,
 * nothing to divide as "—"). HallQ.api (live.js) sends the CSRF token.
 */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  var errorText = HallQ.signin.errorText;   // signin.js: signing in and out are shared with the other pages

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
