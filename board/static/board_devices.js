/*
 * The board's devices and the tickets to reprint: every device as a tile on
 * the desk (its state, since when, its detail) and by kind on the TV (how many
 * are fine, each one in trouble by its name); and the tickets the printer did
 * not print (GET /api/reprints), each with its reprint button.
 *
 * HallQ.boardDevices.reset(devices) starts from a snapshot's `devices`;
 * .changed(e) applies a device_changed event; .loadReprints() asks again
 * (after a ticket event); .draw() redraws both, in the page's language.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;

  i18n.add({
    zh: {
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
      "board.reprints_chip": "待补打 {n}",
      "board.devices_online": "{n}/{of} 正常",
      "board.devices_connecting": "{n} 连接中",
      "board.devices_more": "另 {n} 台"
    },
    en: {
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
      "board.reprints_chip": "{n} to reprint",
      "board.devices_online": "{n} of {of} OK",
      "board.devices_connecting": "{n} connecting",
      "board.devices_more": "{n} more"
    }
  });

  var devices = [];   // the snapshot's devices, kept current by device_changed

  function $(id) { return document.getElementById(id); }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  /** Device states that need someone: red ones stop the device, amber ones soon will or cannot be told. */
  var ALARM = { faulted: "red", paper_out: "red", cover_open: "red", offline: "red",
                unknown: "amber", paper_near_end: "amber" };

  function drawDevices() {
    var box = $("devices");
    box.innerHTML = "";
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

  /** A device_changed event: that device's state replaces the one drawn. */
  function deviceChanged(e) {
    var d = { device: e.device, kind: e.kind, state: e.state, detail: e.detail || "", since: e.at };
    var i = devices.findIndex(function (x) { return x.device === e.device; });
    if (i >= 0) devices[i] = d; else devices.push(d);
    drawDevices();
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

  function reset(list) {
    devices = (list || []).slice();
    drawDevices();
    loadReprints();
  }

  function draw() { drawDevices(); drawReprints(); }

  window.HallQ.boardDevices = { reset: reset, changed: deviceChanged, loadReprints: loadReprints, draw: draw };
})();
