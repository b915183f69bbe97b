/*
 * The board's alarm tone: two short beeps made with WebAudio (no file, no
 * network), played when a new alarm is raised while the board is open.
 *
 * HallQ.alarmSound.bind(button) makes the button turn it on and off; the
 * choice is remembered in localStorage ("hallq.board.sound", on unless turned
 * off). Browsers start audio only after a click on the page: the sign-in or
 * any press unlocks it (a wall TV's Chromium runs with
 * --autoplay-policy=no-user-gesture-required, see docs/deploy.md). The button
 * counts the tones it played in data-tones.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;
  var KEY = "hallq.board.sound";
  // Two beeps a fifth apart, 0.18 s each: heard across a hall, over before a call announcement.
  var BEEPS = [{ hz: 880, at: 0 }, { hz: 1320, at: 0.26 }], BEEP_S = 0.18, VOLUME = 0.25;

  i18n.add({
    zh: { "board.sound_on": "提示音：开", "board.sound_off": "提示音：关" },
    en: { "board.sound_on": "Alarm sound: on", "board.sound_off": "Alarm sound: off" }
  });

  var ctx = null;
  var button = null;

  function enabled() {
    var stored = null;
    try { stored = window.localStorage.getItem(KEY); } catch (e) { /* private mode */ }
    return stored !== "off";
  }

  function remember(on) {
    try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (e) { /* private mode */ }
  }

  function context() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!ctx && Ctx) ctx = new Ctx();
    return ctx;
  }

  /** Called on a click: the browser then lets the page's audio run. */
  function unlock() {
    var c = context();
    if (c && c.state === "suspended") c.resume();
  }

  function draw() {
    if (!button) return;
    var on = enabled();
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.setAttribute("data-sound", on ? "on" : "off");
    var label = button.querySelector("[data-i18n]");
    label.setAttribute("data-i18n", on ? "board.sound_on" : "board.sound_off");
    label.textContent = t(on ? "board.sound_on" : "board.sound_off");
  }

  /** The tone for a new alarm, unless turned off. */
  function play() {
    if (!enabled()) return false;
    var c = context();
    if (!c) return false;
    if (c.state === "suspended") c.resume();
    var start = c.currentTime + 0.02;
    BEEPS.forEach(function (b) {
      var osc = c.createOscillator(), gain = c.createGain();
      osc.type = "sine";
      osc.frequency.value = b.hz;
      // A soft attack and release: no click at either end.
      gain.gain.setValueAtTime(0, start + b.at);
      gain.gain.linearRampToValueAtTime(VOLUME, start + b.at + 0.02);
      gain.gain.linearRampToValueAtTime(0, start + b.at + BEEP_S);
      osc.connect(gain).connect(c.destination);
      osc.start(start + b.at);
      osc.stop(start + b.at + BEEP_S + 0.02);
    });
    if (button) button.setAttribute("data-tones", String(Number(button.getAttribute("data-tones") || 0) + 1));
    return true;
  }

  function bind(el) {
    button = el;
    draw();
    el.addEventListener("click", function () {
      remember(!enabled());
      draw();
      unlock();
    });
    document.addEventListener("pointerdown", unlock, { capture: true });
    document.addEventListener("keydown", unlock, { capture: true });
  }

  window.HallQ.alarmSound = { bind: bind, play: play, enabled: enabled, unlock: unlock };
})();
