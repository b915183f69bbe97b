/*
 * The kiosk's on-screen keypad, bound to one <input>.
 *
 * A kiosk has no keyboard, so the citizen taps huge keys; but an ID card
 * reader "types" the number like a USB keyboard and ends with Enter, so the
 * same input also takes typed keys. Whatever arrives is upper-cased and
 * filtered to the characters the pad allows, so a reader's stray spaces or
 * a lower-case x never reach the API.
 *
 *   HallQ.pad(section, {allowed: /[0-9X]/, max: 18, letters: false, onSubmit(value)})
 *   -> {value(), clear(), focus(), setBusy(on)}
 */
(function () {
  "use strict";

  var LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ-".split("");

  function key(label, value, extra) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "k-key" + (extra ? " " + extra : "");
    b.setAttribute("data-key", value);
    b.textContent = label;
    return b;
  }

  function pad(section, opts) {
    var input = section.querySelector(".k-pad-input");
    var digits = section.querySelector(".k-digits");
    var letters = section.querySelector(".k-letters");
    var ok = section.querySelector('[data-key="ok"]');
    var busy = false;

    // Digits as on a phone; the ID pad puts X (the check digit 10) beside 0.
    ["1", "2", "3", "4", "5", "6", "7", "8", "9"].forEach(function (d) { digits.appendChild(key(d, d)); });
    if (opts.letters) {
      digits.appendChild(key("0", "0", "k-key-wide"));
      LETTERS.forEach(function (l) { letters.appendChild(key(l, l, "k-key-letter")); });
    } else {
      digits.appendChild(key("X", "X"));
      digits.appendChild(key("0", "0", "k-key-wide2"));
    }

    function clean(text) {
      var out = "";
      String(text).toUpperCase().split("").forEach(function (c) {
        if (opts.allowed.test(c) && out.length < opts.max) out += c;
      });
      return out;
    }

    function changed() {
      if (ok) ok.disabled = busy || !input.value;
      if (opts.onChange) opts.onChange(input.value);
    }

    function set(value) {
      input.value = clean(value);
      changed();
    }

    function submit() {
      if (busy || !input.value) return;
      opts.onSubmit(input.value);
    }

    function press(k) {
      if (busy) return;
      if (k === "del") set(input.value.slice(0, -1));
      else if (k === "clear") set("");
      else if (k === "ok") submit();
      else set(input.value + k);
      focus();
    }

    function focus() {
      // preventScroll: the screen must not jump when the reader's input takes focus.
      input.focus({ preventScroll: true });
      var n = input.value.length;
      try { input.setSelectionRange(n, n); } catch (e) { /* not a text input */ }
    }

    section.addEventListener("mousedown", function (ev) {
      // Tapping a key must not take the focus from the input the card reader types into.
      if (ev.target.closest(".k-key")) ev.preventDefault();
    });
    section.addEventListener("click", function (ev) {
      var b = ev.target.closest(".k-key");
      if (b && section.contains(b)) press(b.getAttribute("data-key"));
    });
    input.addEventListener("input", function () { set(input.value); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); submit(); }
    });
    // Keys typed while the input lost focus (a tap elsewhere) still go into it.
    document.addEventListener("keydown", function (ev) {
      if (section.hidden || ev.target === input || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === "Enter") { ev.preventDefault(); submit(); }
      else if (ev.key === "Backspace") { ev.preventDefault(); press("del"); }
      else if (ev.key.length === 1) { ev.preventDefault(); set(input.value + ev.key); focus(); }
    });

    changed();
    return {
      value: function () { return input.value; },
      clear: function () { set(""); },
      focus: focus,
      setBusy: function (on) { busy = on; changed(); }
    };
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.pad = pad;
})();
