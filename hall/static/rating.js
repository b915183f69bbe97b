/*
 * The five rating buttons every rating screen shares (the window's tablet,
 * the phone page): 非常满意 … 非常不满意, each with a face and its words. A
 * press of 不满意 or 非常不满意 opens the hall's reasons (large toggles, any
 * number) and an optional text, with a large submit; the other three submit
 * at once. The page decides what a submit does and what follows it.
 *
 *   var picker = HallQ.rating.picker(element, {
 *     reasons: [{code, name, name_en}], commentChars: 500,
 *     submit: function (level, reasons, comment) { return promise of null | "error sentence"; }
 *   });
 *   picker.reset();      // back to the five buttons, nothing chosen
 *
 * Loads after i18n.js. The server checks every rating again (hall/ratings.py);
 * this file only draws.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;
  var LEVELS = ["very_satisfied", "satisfied", "basic", "dissatisfied", "very_dissatisfied"];
  var BAD = ["dissatisfied", "very_dissatisfied"];
  var COLOURS = ["#1b7f3b", "#5a9a1f", "#a88400", "#d4620b", "#c62828"];
  var MOUTHS = ["M28 60 Q50 86 72 60", "M31 63 Q50 78 69 63", "M33 68 L67 68",
                "M31 74 Q50 62 69 74", "M28 78 Q50 56 72 78"];

  i18n.add({
    zh: {
      "rate.very_satisfied": "非常满意", "rate.satisfied": "满意", "rate.basic": "基本满意",
      "rate.dissatisfied": "不满意", "rate.very_dissatisfied": "非常不满意",
      "rate.reasons": "请选择不满意的原因（可多选）", "rate.comment": "您的意见或建议（选填）",
      "rate.submit": "提交评价", "rate.back": "返回重选", "rate.sending": "正在提交…",
      "rate.chosen": "您选择了：{level}"
    },
    en: {
      "rate.very_satisfied": "Very satisfied", "rate.satisfied": "Satisfied", "rate.basic": "Fairly satisfied",
      "rate.dissatisfied": "Dissatisfied", "rate.very_dissatisfied": "Very dissatisfied",
      "rate.reasons": "What went wrong? (choose any)", "rate.comment": "Your comments (optional)",
      "rate.submit": "Send rating", "rate.back": "Choose again", "rate.sending": "Sending…",
      "rate.chosen": "You chose: {level}"
    }
  });

  /** The face of level i (0 best, 4 worst) as SVG markup. */
  function face(i) {
    return '<svg class="hq-face" viewBox="0 0 100 100" aria-hidden="true">' +
      '<circle cx="50" cy="50" r="46" fill="' + COLOURS[i] + '"/>' +
      '<circle cx="34" cy="40" r="7" fill="#fff"/><circle cx="66" cy="40" r="7" fill="#fff"/>' +
      '<path d="' + MOUTHS[i] + '" stroke="#fff" stroke-width="8" fill="none" stroke-linecap="round"/></svg>';
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function picker(root, opts) {
    var level = null, busy = false;
    root.classList.add("hq-rate");
    root.innerHTML = "";
    var levels = el("div", "hq-rate-levels");
    var buttons = LEVELS.map(function (lv, i) {
      var b = el("button", "hq-rate-level");
      b.type = "button";
      b.setAttribute("data-level", lv);
      b.setAttribute("data-bad", BAD.indexOf(lv) >= 0 ? "yes" : "no");
      b.innerHTML = face(i);
      b.appendChild(el("span", "hq-rate-word"));
      b.addEventListener("click", function () { choose(lv); });
      levels.appendChild(b);
      return b;
    });
    var bad = el("div", "hq-rate-bad");
    bad.hidden = true;
    var chosen = el("p", "hq-rate-chosen");
    var reasonsTitle = el("p", "hq-rate-title");
    var reasonBox = el("div", "hq-rate-reasons");
    var toggles = (opts.reasons || []).map(function (r) {
      var b = el("button", "hq-rate-reason");
      b.type = "button";
      b.setAttribute("data-reason", r.code);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        b.setAttribute("aria-pressed", b.getAttribute("aria-pressed") === "true" ? "false" : "true");
      });
      reasonBox.appendChild(b);
      return {button: b, reason: r};
    });
    var commentLabel = el("label", "hq-rate-comment");
    var commentWord = el("span");
    var comment = el("textarea");
    comment.rows = 2;
    if (opts.commentChars) comment.maxLength = opts.commentChars;
    commentLabel.appendChild(commentWord);
    commentLabel.appendChild(comment);
    var actions = el("div", "hq-rate-actions");
    var back = el("button", "hq-rate-back");
    back.type = "button";
    var send = el("button", "hq-rate-submit");
    send.type = "button";
    actions.appendChild(back);
    actions.appendChild(send);
    [chosen, reasonsTitle, reasonBox, commentLabel, actions].forEach(function (x) { bad.appendChild(x); });
    var error = el("p", "hq-rate-error error-text");
    error.setAttribute("role", "alert");
    root.appendChild(levels);
    root.appendChild(bad);
    root.appendChild(error);

    function words() {
      buttons.forEach(function (b) { b.querySelector(".hq-rate-word").textContent = t("rate." + b.getAttribute("data-level")); });
      toggles.forEach(function (x) { x.button.textContent = i18n.pick(x.reason, "name"); });
      chosen.textContent = level ? t("rate.chosen", {level: t("rate." + level)}) : "";
      reasonsTitle.textContent = t("rate.reasons");
      commentWord.textContent = t("rate.comment");
      back.textContent = t("rate.back");
      send.textContent = busy ? t("rate.sending") : t("rate.submit");
    }

    function setBusy(on) {
      busy = on;
      buttons.concat([send, back]).forEach(function (b) { b.disabled = on; });
      root.setAttribute("data-busy", on ? "yes" : "no");
      words();
    }

    function go(lv, reasons, text) {
      if (busy) return;
      error.textContent = "";
      setBusy(true);
      Promise.resolve(opts.submit(lv, reasons, text)).then(function (problem) {
        setBusy(false);
        if (problem) error.textContent = problem;
      });
    }

    function choose(lv) {
      if (busy) return;
      if (BAD.indexOf(lv) < 0) { go(lv, [], ""); return; }
      level = lv;
      buttons.forEach(function (b) { b.classList.toggle("chosen", b.getAttribute("data-level") === lv); });
      levels.hidden = true;
      bad.hidden = false;
      root.setAttribute("data-state", "bad");
      words();
    }

    back.addEventListener("click", function () { reset(); });
    send.addEventListener("click", function () {
      var picked = toggles.filter(function (x) { return x.button.getAttribute("aria-pressed") === "true"; })
        .map(function (x) { return x.reason.code; });
      go(level, picked, comment.value.trim());
    });

    function reset() {
      level = null;
      error.textContent = "";
      comment.value = "";
      toggles.forEach(function (x) { x.button.setAttribute("aria-pressed", "false"); });
      buttons.forEach(function (b) { b.classList.remove("chosen"); });
      levels.hidden = false;
      bad.hidden = true;
      root.setAttribute("data-state", "levels");
      setBusy(false);
    }

    document.addEventListener("hallq:lang", words);
    reset();
    return {reset: reset, showError: function (text) { error.textContent = text || ""; }};
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.rating = {picker: picker, face: face, LEVELS: LEVELS, BAD: BAD};
})();
