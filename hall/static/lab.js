/*
 * The device lab (/devices, demo only): the simulated printer's switches and
 * the tickets it printed, drawn like paper slips; the simulated serial
 * devices (LED displays, raters, keypads, wireless remotes) drawn from
 * whatever /api/lab's "serial" holds, with their buttons.
 *
 * Data: GET /api/lab, fetched again on every hall event and every 2 s (the
 * simulators change without events: an LED's text, a rater being armed).
 * The hall's own view of each device (online, paper_out…) comes from the
 * live snapshot's "devices" and device_changed events.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;
  var POLL_MS = 2000;
  /** /api/lab "serial" lists -> the <kind> of POST /api/lab/<kind>/<id>/press. */
  var KIND_OF = { leds: "led", raters: "rater", keypads: "keypad", wireless: "wireless" };

  i18n.add({
    zh: {
      "lab.title": "设备实验室",
      "lab.intro": "这里是演示大厅的模拟设备：它们收发的是真实的字节。可以改变打印机的状态、查看打印出的小票、按评价器和呼叫器的按键。",
      "lab.printer": "小票打印机",
      "lab.no_printer": "没有模拟的打印机。",
      "lab.driver_state": "大厅看到的状态：",
      "lab.paper": "纸",
      "lab.paper_ok": "纸正常",
      "lab.paper_near_end": "纸将用完",
      "lab.paper_out": "缺纸",
      "lab.cover_open": "纸仓盖打开",
      "lab.offline": "脱机",
      "lab.silent": "不应答",
      "lab.printed": "打印出的小票",
      "lab.no_slips": "还没有打印小票：在取号机上取一个号。",
      "lab.cut_short": "未切纸：打印中断",
      "lab.qr": "二维码",
      "lab.serial": "串口设备",
      "lab.no_serial": "没有模拟的串口设备 · no serial devices",
      "lab.leds": "LED 屏",
      "lab.raters": "评价器",
      "lab.keypads": "呼叫器",
      "lab.wireless": "无线呼叫器",
      "lab.window_strip": "窗口条屏",
      "lab.main_screen": "大厅主屏",
      "lab.address": "地址 {address}",
      "lab.window": "{window}号窗口",
      "lab.windows": "窗口 {windows}",
      "lab.remote": "遥控器 {remote}",
      "lab.armed": "等待评价：{ticket}",
      "lab.not_armed": "未激活",
      "lab.pressed": "已按下 {device} 的“{label}”。",
      "state.connecting": "连接中",
      "state.online": "正常",
      "state.faulted": "故障",
      "state.paper_out": "缺纸",
      "state.paper_near_end": "纸将用完",
      "state.cover_open": "纸仓盖打开",
      "state.offline": "脱机",
      "state.unknown": "无应答（状态未知）"
    },
    en: {
      "lab.title": "Device lab",
      "lab.intro": "The demo hall's simulated devices; they send and receive the real bytes. Change the printer's state, see the tickets it printed, press the raters' and keypads' keys.",
      "lab.printer": "Ticket printer",
      "lab.no_printer": "No simulated printer.",
      "lab.driver_state": "The hall sees:",
      "lab.paper": "Paper",
      "lab.paper_ok": "Paper OK",
      "lab.paper_near_end": "Near end",
      "lab.paper_out": "Paper out",
      "lab.cover_open": "Cover open",
      "lab.offline": "Offline",
      "lab.silent": "Silent",
      "lab.printed": "Printed tickets",
      "lab.no_slips": "Nothing printed yet: take a ticket at the kiosk.",
      "lab.cut_short": "Not cut: printing stopped",
      "lab.qr": "QR code",
      "lab.serial": "Serial devices",
      "lab.no_serial": "No simulated serial devices",
      "lab.leds": "LED displays",
      "lab.raters": "Raters",
      "lab.keypads": "Keypads",
      "lab.wireless": "Wireless keypads",
      "lab.window_strip": "Window strip",
      "lab.main_screen": "Main screen",
      "lab.address": "address {address}",
      "lab.window": "window {window}",
      "lab.windows": "windows {windows}",
      "lab.remote": "remote {remote}",
      "lab.armed": "Waiting for a rating: {ticket}",
      "lab.not_armed": "Not armed",
      "lab.pressed": "Pressed “{label}” on {device}.",
      "state.connecting": "Connecting",
      "state.online": "OK",
      "state.faulted": "Faulted",
      "state.paper_out": "Paper out",
      "state.paper_near_end": "Paper near end",
      "state.cover_open": "Cover open",
      "state.offline": "Offline",
      "state.unknown": "No answer (unknown)"
    }
  });

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function say(text, kind) {
    $("message").textContent = text || "";
    $("message").setAttribute("data-kind", kind || "");
  }

  function apiSentence(body) {
    var err = body && body.error;
    if (err && i18n.lang() === "en" && err.message_en) return err.message_en;
    return (err && err.message) || i18n.errorText(body);
  }

  var lab = null;       // the last /api/lab answer
  var devices = {};     // the hall's view: device id -> {device, kind, state, detail, since}
  var drawn = { slips: null, serial: null }; // JSON of what is on screen, so a poll redraws only changes

  // ---- the printer ----------------------------------------------------------------

  function drawPrinter() {
    var p = lab && lab.printer;
    var box = $("printer");
    $("printer-none").hidden = !!p;
    $("printer-body").hidden = !p;
    if (!p) return;
    box.setAttribute("data-paper", p.paper);
    box.setAttribute("data-cover-open", String(!!p.cover_open));
    box.setAttribute("data-offline", String(!!p.offline));
    box.setAttribute("data-silent", String(!!p.silent));
    box.querySelectorAll("[data-paper]").forEach(function (b) {
      if (b === box) return;
      b.setAttribute("aria-pressed", String(b.getAttribute("data-paper") === p.paper));
    });
    box.querySelectorAll("[data-flag]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(!!p[b.getAttribute("data-flag")]));
    });
    $("printed-count").textContent = String(p.count || 0);
    var json = JSON.stringify(p.tickets || []) + i18n.lang();
    if (json === drawn.slips) return;
    drawn.slips = json;
    var slips = $("slips");
    slips.innerHTML = "";
    (p.tickets || []).forEach(function (tk) { slips.appendChild(slip(tk)); });
    $("slips-none").hidden = (p.tickets || []).length > 0;
  }

  /** The ticket's parts in print order: `items` when the API gives them, else lines, QR codes, images. */
  function partsOf(tk) {
    if (Array.isArray(tk.items)) return tk.items;
    var parts = (tk.lines || []).map(function (l) { return { kind: "line", line: l }; });
    (tk.qr || []).forEach(function (q) { parts.push({ kind: "qr", payload: q }); });
    (tk.images || []).forEach(function (src) { parts.push({ kind: "image", src: src }); });
    return parts;
  }

  function slip(tk) {
    var paper = el("div", "l-slip");
    paper.setAttribute("data-complete", String(tk.complete !== false));
    partsOf(tk).forEach(function (part) {
      if (part.kind === "line") paper.appendChild(slipLine(part.line || part));
      else if (part.kind === "qr") paper.appendChild(slipQr(part.payload));
      else if (part.kind === "image") {
        var img = el("img", "l-raster");
        img.src = part.src;
        img.alt = "";
        paper.appendChild(img);
      }
    });
    if (tk.complete === false) paper.appendChild(el("div", "l-cut-short", t("lab.cut_short")));
    return paper;
  }

  function slipLine(line) {
    var size = line.size || [1, 1];
    var row = el("div", "l-line");
    row.style.textAlign = line.align || "left";
    var text = el("span", "l-text", line.text || "\u00a0");
    text.setAttribute("data-size", size[0] + "x" + size[1]);
    if (line.bold) text.classList.add("l-bold");
    // GS ! scales height and width apart: the font follows the height, scaleX the width.
    text.style.fontSize = (14 * size[1]) + "px";
    if (size[0] !== size[1]) {
      text.style.transform = "scaleX(" + (size[0] / size[1]) + ")";
      text.style.transformOrigin = line.align === "right" ? "right" : line.align === "center" ? "center" : "left";
    }
    row.appendChild(text);
    return row;
  }

  function slipQr(payload) {
    var box = el("div", "l-qr");
    box.setAttribute("data-payload", payload);
    // The phone progress page's own QR picture, when the code points at /t/<token>.
    var m = /\/t\/([A-Za-z0-9_-]+)\/?$/.exec(payload || "");
    if (m) {
      var img = el("img", "l-qr-img");
      img.src = "/t/" + m[1] + "/qr.svg";
      img.alt = t("lab.qr") + " " + payload;
      box.appendChild(img);
    }
    box.appendChild(el("div", "l-qr-text", payload));
    return box;
  }

  function setPrinter(change) {
    HallQ.api("POST", "/api/lab/printer", change).then(function (res) {
      if (!res.ok) { say(apiSentence(res.body), "error"); return; }
      say("", "");
      lab = res.body;
      drawPrinter();
    });
  }

  document.querySelectorAll("#printer-body [data-paper]").forEach(function (b) {
    b.addEventListener("click", function () { setPrinter({ paper: b.getAttribute("data-paper") }); });
  });
  document.querySelectorAll("#printer-body [data-flag]").forEach(function (b) {
    b.addEventListener("click", function () {
      var flag = b.getAttribute("data-flag"), change = {};
      change[flag] = !(lab && lab.printer && lab.printer[flag]);
      setPrinter(change);
    });
  });

  /** The hall's view of the printer (what the board shows): from the live link. */
  function drawDriver() {
    var printer = null;
    Object.keys(devices).forEach(function (id) { if (devices[id].kind === "printer") printer = devices[id]; });
    var st = $("printer-driver-state");
    $("printer").setAttribute("data-driver-state", printer ? printer.state : "");
    st.setAttribute("data-state", printer ? printer.state : "");
    st.textContent = printer ? (i18n.has("state." + printer.state) ? t("state." + printer.state) : printer.state) : "—";
    $("printer-driver-detail").textContent = printer && printer.detail ? i18n.bilingual(printer.detail) : "";
  }

  // ---- the serial devices ----------------------------------------------------------

  function drawSerial() {
    var serial = lab ? lab.serial : null;
    var json = JSON.stringify(serial) + i18n.lang();
    if (json === drawn.serial) return;
    drawn.serial = json;
    var has = !!serial && Object.keys(serial).some(function (k) { return Array.isArray(serial[k]) && serial[k].length; });
    $("serial-none").hidden = has;
    var body = $("serial-body");
    body.innerHTML = "";
    if (!has) return;
    // Displays first, then what people press; any kind added later after them.
    var order = ["leds", "raters", "keypads", "wireless"];
    Object.keys(serial).sort(function (a, b) {
      var ia = order.indexOf(a), ib = order.indexOf(b);
      return (ia < 0 ? order.length : ia) - (ib < 0 ? order.length : ib) || (a < b ? -1 : a > b ? 1 : 0);
    }).forEach(function (group) {
      var list = serial[group];
      if (!Array.isArray(list) || !list.length) return;
      var sec = el("div", "l-group-devices");
      sec.setAttribute("data-group", group);
      sec.appendChild(el("h3", null, i18n.has("lab." + group) ? t("lab." + group) : group));
      list.forEach(function (d) { sec.appendChild(deviceCard(group, d)); });
      body.appendChild(sec);
    });
  }

  function deviceCard(group, d) {
    var kind = KIND_OF[group] || group;
    var card = el("div", "l-device l-device-" + kind);
    card.setAttribute("data-kind", kind);
    card.setAttribute("data-device", d.id);
    var head = el("div", "l-device-head");
    head.appendChild(el("b", null, d.id));
    var facts = [];
    if (d.kind) facts.push(i18n.has("lab." + d.kind) ? t("lab." + d.kind) : d.kind);
    if (d.address !== undefined && d.address !== null) facts.push(t("lab.address", { address: d.address }));
    if (d.remote !== undefined && d.remote !== null) facts.push(t("lab.remote", { remote: d.remote }));
    if (d.window !== undefined && d.window !== null) facts.push(t("lab.window", { window: d.window }));
    if (Array.isArray(d.windows) && d.windows.length) facts.push(t("lab.windows", { windows: d.windows.join(", ") }));
    head.appendChild(el("span", "l-facts", facts.join(" · ")));
    var hall = devices[d.id];
    if (hall) {
      var st = el("span", "l-state", i18n.has("state." + hall.state) ? t("state." + hall.state) : hall.state);
      st.setAttribute("data-state", hall.state);
      head.appendChild(st);
    }
    card.appendChild(head);

    if (typeof d.text === "string") {
      // LED strips: window strips in red, the hall's main screen in green, like the hardware.
      var led = el("div", "l-led " + (d.kind === "main_screen" ? "l-led-green" : "l-led-red"), d.text || "\u00a0");
      led.setAttribute("data-text", d.text);
      card.appendChild(led);
    }
    if (d.display !== undefined) {
      var digits = el("div", "l-digits", d.display === null || d.display === "" ? "----" : String(d.display));
      digits.setAttribute("data-display", d.display === null ? "" : String(d.display));
      card.appendChild(digits);
    }
    if (d.armed !== undefined) {
      var armed = el("div", "l-armed" + (d.armed ? " on" : ""),
                     d.armed ? t("lab.armed", { ticket: d.ticket || "" }) : t("lab.not_armed"));
      armed.setAttribute("data-armed", String(!!d.armed));
      card.appendChild(armed);
    }
    if (Array.isArray(d.keys) && d.keys.length) {
      var keys = el("div", "l-keys");
      d.keys.forEach(function (k) {
        var b = el("button", "l-key", k.label || String(k.key));
        b.type = "button";
        b.setAttribute("data-key", String(k.key));
        b.addEventListener("click", function () { press(kind, d.id, k); });
        keys.appendChild(b);
      });
      card.appendChild(keys);
    }
    return card;
  }

  function press(kind, id, k) {
    HallQ.api("POST", "/api/lab/" + encodeURIComponent(kind) + "/" + encodeURIComponent(id) + "/press", { key: k.key })
      .then(function (res) {
        if (!res.ok) { say(apiSentence(res.body), "error"); return; }
        say(t("lab.pressed", { device: id, label: k.label || String(k.key) }), "ok");
        lab = res.body;
        drawAll();
      });
  }

  // ---- fetching ----------------------------------------------------------------

  function drawAll() { drawDriver(); drawPrinter(); drawSerial(); }

  var fetchTimer = null;
  /** Fetch /api/lab again; a burst of events makes one request. */
  function refresh() {
    if (fetchTimer) return;
    fetchTimer = setTimeout(function () {
      fetchTimer = null;
      HallQ.api("GET", "/api/lab").then(function (res) {
        if (!res.ok) { say(apiSentence(res.body), "error"); return; }
        lab = res.body;
        drawAll();
      });
    }, 80);
  }

  function setDevices(list) {
    devices = {};
    (list || []).forEach(function (d) { devices[d.device] = d; });
  }

  HallQ.live({
    snapshot: function (s) { setDevices(s.devices); drawn.serial = null; refresh(); drawDriver(); },
    device_changed: function (e) {
      devices[e.device] = { device: e.device, kind: e.kind, state: e.state, detail: e.detail || "", since: e.at };
      drawn.serial = null; // a serial device's state badge may have changed
      drawDriver();
    },
    any: function () { refresh(); }
  });
  setInterval(refresh, POLL_MS);
  document.addEventListener("hallq:lang", function () { drawn = { slips: null, serial: null }; drawAll(); });
  refresh();
})();
