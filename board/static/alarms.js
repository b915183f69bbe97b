/*
 * The alarms' history, /board/alarms: every alarm of a date range (today by
 * default), of one kind or all, open ones or all, from GET /api/alarms; each
 * with when it was raised, its sentence, who acknowledged it (when, note),
 * when it cleared and for how long it was open. The filters stay in the
 * page's address, so a reload or a shared link shows the same list.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t, board = HallQ.board;

  i18n.add({
    zh: {
      "history.page_title": "告警记录 · HallQ",
      "history.back": "返回实时看板",
      "history.kind": "类型",
      "history.all_kinds": "全部类型",
      "history.from": "起",
      "history.to": "止",
      "history.status_all": "全部",
      "history.status_open": "未解除",
      "history.search": "查询",
      "history.results": "告警",
      "history.col_raised": "发生时间",
      "history.col_kind": "类型",
      "history.col_sentence": "内容",
      "history.col_acknowledged": "确认",
      "history.col_cleared": "解除",
      "history.col_duration": "持续（分钟）",
      "history.none": "这段时间没有符合条件的告警。"
    },
    en: {
      "history.page_title": "Alarm history · HallQ",
      "history.back": "Back to the live board",
      "history.kind": "Kind",
      "history.all_kinds": "All kinds",
      "history.from": "From",
      "history.to": "To",
      "history.status_all": "All",
      "history.status_open": "Open",
      "history.search": "Search",
      "history.results": "Alarms",
      "history.col_raised": "Raised",
      "history.col_kind": "Kind",
      "history.col_sentence": "Alarm",
      "history.col_acknowledged": "Acknowledged",
      "history.col_cleared": "Cleared",
      "history.col_duration": "Open for (min)",
      "history.none": "No alarms match in these days."
    }
  });

  var today = document.body.getAttribute("data-today");
  var shown = [];

  function $(id) { return document.getElementById(id); }

  function filters() {
    var status = document.querySelector('#filter-status input:checked');
    return { status: status ? status.value : "all", kind: $("filter-kind").value,
             from: $("filter-from").value, to: $("filter-to").value };
  }

  /** The filters from the page's address (?kind=&from=&to=&status=), today's and all by default. */
  function readAddress() {
    var q = new URLSearchParams(window.location.search);
    $("filter-kind").value = q.get("kind") || "";
    $("filter-from").value = q.get("from") || today;
    $("filter-to").value = q.get("to") || q.get("from") || today;
    var status = q.get("status") === "open" ? "open" : "all";
    document.querySelectorAll('#filter-status input').forEach(function (r) { r.checked = r.value === status; });
  }

  function query(f) {
    var q = new URLSearchParams();
    q.set("status", f.status);
    if (f.kind) q.set("kind", f.kind);
    if (f.from) q.set("from", f.from);
    if (f.to) q.set("to", f.to);
    return q.toString();
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function minutesOpen(a) {
    var end = a.cleared_at ? Date.parse(a.cleared_at) : HallQ.clock.now();
    return Math.max(0, Math.floor((end - Date.parse(a.raised_at)) / 60000));
  }

  function draw() {
    var tbody = $("results");
    tbody.innerHTML = "";
    shown.forEach(function (a) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-alarm-id", String(a.id));
      tr.setAttribute("data-kind", a.kind);
      tr.setAttribute("data-state", a.cleared_at ? "cleared" : a.acknowledged_at ? "acknowledged" : "open");
      cell(tr, String(a.raised_at || "").slice(0, 10) + " " + board.when(a.raised_at), "b-num");
      cell(tr, board.kindName(a.kind), "b-strong");
      cell(tr, board.sentence(a));
      cell(tr, a.acknowledged_at ? board.acknowledgement(a, String(a.raised_at).slice(0, 10)) : t("board.nobody"));
      cell(tr, a.cleared_at ? board.when(a.cleared_at, String(a.raised_at).slice(0, 10)) : t("alarm.open"),
           a.cleared_at ? "b-num" : "b-strong b-open");
      cell(tr, String(minutesOpen(a)), "b-num");
      tbody.appendChild(tr);
    });
    $("results-count").textContent = String(shown.length);
    $("results-empty").hidden = shown.length > 0;
  }

  function search() {
    var f = filters();
    var q = query(f);
    window.history.replaceState(null, "", window.location.pathname + "?" + q);
    $("filter-submit").disabled = true;
    HallQ.api("GET", "/api/alarms?" + q).then(function (res) {
      $("filter-submit").disabled = false;
      $("results-error").textContent = res.ok ? "" : i18n.errorText(res.body);
      shown = res.ok ? (res.body.alarms || []) : [];
      document.body.setAttribute("data-loaded", q);
      draw();
    });
  }

  $("filters").addEventListener("submit", function (ev) { ev.preventDefault(); search(); });
  document.addEventListener("hallq:lang", draw);

  readAddress();
  board.signIn({ main: "history", onManager: search });
})();
