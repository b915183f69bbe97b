/*
 * The figures page: a range (a preset or two dates) and a slice give the
 * figures table (GET /api/assess/figures); each figure opens the records
 * behind it (GET /api/assess/drill); five charts (Apache ECharts, served by
 * the hall) each with its table beside it; an export runs as a job
 * (POST /api/assess/exports), its progress polled, then downloaded.
 * The range and slice are kept in the address, so a reload shows the same.
 */
(function () {
  "use strict";
  var A = HallQ.assess, $ = A.$, format = A.format;
  var LEVEL_COLORS = { very_satisfied: "#1b7f3b", satisfied: "#5aa469", basic: "#a7c957", dissatisfied: "#e67e22",
                       very_dissatisfied: "#c62828", unrated: "#9aa6b4", excluded: "#5f6b7a" };
  var PHASES = { reading: "读取记录 Reading", figuring: "计算指标 Figuring", writing: "写入文件 Writing",
                 done: "完成 Done", failed: "失败 Failed" };
  var OUTCOMES = { waiting: "等候", called: "已呼叫", serving: "办理中", finished: "办结", transferred: "转移",
                   no_show: "过号", cancelled: "取消", expired: "过期" };
  var LEVELS = { very_satisfied: "非常满意", satisfied: "满意", basic: "基本满意", dissatisfied: "不满意",
                 very_dissatisfied: "非常不满意" };
  var CHANNELS = { rater: "评价器", tablet: "评价平板", phone: "手机" };
  var data = null;       // the latest answer of /api/assess/figures
  var charts = {};

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function bilingual(tag, zh, en) {
    var e = el(tag, zh + " ");
    e.appendChild(el("small", en));
    return e;
  }

  function fail(body) { $("figures-error").textContent = body ? A.errorText(body) : ""; }

  // ---- the query ------------------------------------------------------------

  function params() {
    var q = new URLSearchParams(window.location.search);
    return { from: q.get("from"), to: q.get("to"), preset: q.get("preset"), by: q.get("by") || "window" };
  }

  function query(p) {
    var q = new URLSearchParams();
    if (p.from && p.to) { q.set("from", p.from); q.set("to", p.to); } else q.set("preset", p.preset || "this_month");
    q.set("by", p.by);
    return q.toString();
  }

  function load(p) {
    window.history.replaceState(null, "", "?" + query(p));
    document.body.setAttribute("data-loading", "yes");
    return HallQ.api("GET", "/api/assess/figures?" + query(p)).then(function (res) {
      document.body.setAttribute("data-loading", "no");
      if (!res.ok) { fail(res.body); return; }
      fail(null);
      data = res.body;
      $("range-from").value = data.from;
      $("range-to").value = data.to;
      $("slice").value = data.by;
      drawTable();
      drawCharts();
    });
  }

  document.querySelectorAll(".a-preset").forEach(function (b) {
    b.addEventListener("click", function () { load({ preset: b.getAttribute("data-preset"), by: $("slice").value }); });
  });
  $("show").addEventListener("click", function () {
    load({ from: $("range-from").value, to: $("range-to").value, by: $("slice").value });
  });
  $("slice").addEventListener("change", function () {
    load({ from: $("range-from").value, to: $("range-to").value, by: $("slice").value });
  });
  $("all-figures").addEventListener("change", drawTable);

  // ---- the figures table -------------------------------------------------------

  function shownColumns() {
    var all = $("all-figures").checked;
    return data.columns.filter(function (c) { return all || c.main; });
  }

  function figureRow(row, by, columns, total) {
    var tr = el("tr");
    tr.setAttribute("data-key", row.key);
    if (total) tr.className = "a-total";
    var th = el("th", row.label);
    th.setAttribute("scope", "row");
    if (row.label_en && row.label_en !== row.label) th.appendChild(el("small", " " + row.label_en));
    tr.appendChild(th);
    columns.forEach(function (c) {
      var v = row.figures[c.figure];
      var td = el("td", null, "a-num");
      td.setAttribute("data-figure", c.figure);
      td.setAttribute("data-value", v === null ? "" : String(v));
      var b = el("button", format(v, c.kind), "a-drill");
      b.type = "button";
      b.title = "查看明细 Details";
      b.addEventListener("click", function () { drill(by, row, c); });
      td.appendChild(b);
      tr.appendChild(td);
    });
    return tr;
  }

  function drawTable() {
    if (!data) return;
    var columns = shownColumns();
    var slice = document.querySelector('#slice option[value="' + data.by + '"]');
    $("figures-title").textContent = "统计指标 · 按" + (slice ? slice.textContent.split(" ")[0] : data.by);
    $("figures-range").textContent = data.from === data.to ? data.from : data.from + " 至 " + data.to;
    $("figures-table").setAttribute("data-by", data.by);
    var head = $("figures-head");
    head.innerHTML = "";
    head.appendChild(bilingual("th", slice ? slice.textContent.split(" ")[0] : data.by,
                               slice ? slice.textContent.split(" ").slice(1).join(" ") : ""));
    columns.forEach(function (c) {
      var th = bilingual("th", c.name, c.name_en);
      th.setAttribute("data-figure", c.figure);
      head.appendChild(th);
    });
    var body = $("figures-body");
    body.innerHTML = "";
    data.rows.forEach(function (row) { body.appendChild(figureRow(row, data.by, columns, false)); });
    var foot = $("figures-foot");
    foot.innerHTML = "";
    foot.appendChild(figureRow(data.total, "total", columns, true));
  }

  // ---- drilling down -----------------------------------------------------------------

  var DRILL_COLUMNS = {
    step: [["number", "号码", "Number"], ["business_day", "日期", "Day"], ["service", "业务", "Service"],
           ["window", "窗口", "Window"], ["staff_name", "工作人员", "Staff"], ["outcome", "结果", "Outcome"],
           ["wait", "等候", "Wait"], ["service_time", "办理", "Service"]],
    rating: [["number", "号码", "Number"], ["at", "时间", "Time"], ["level", "评价", "Level"],
             ["channel", "渠道", "Channel"], ["reason_names", "原因", "Reasons"], ["comment", "意见", "Comment"],
             ["window", "窗口", "Window"], ["staff_name", "工作人员", "Staff"], ["excluded", "剔除", "Excluded"]],
    "case": [["case_id", "工单", "Case"], ["number", "号码", "Number"], ["opened_at", "生成时间", "Opened"],
             ["level", "评价", "Level"], ["status", "状态", "Status"], ["window", "窗口", "Window"],
             ["staff_name", "工作人员", "Staff"], ["deadline", "台账期限", "Deadline"]]
  };

  function cellText(r, field) {
    var v = r[field];
    if (field === "wait" || field === "service_time") return format(v, "seconds");
    if (field === "outcome") return OUTCOMES[v] || v;
    if (field === "level") return v ? LEVELS[v] || v : "未评价";
    if (field === "channel") return CHANNELS[v] || v;
    if (field === "reason_names") return (v || []).join("、");
    if (field === "excluded") return v ? "是：" + (r.exclusion_reason || "") : "";
    if (field === "at" || field === "opened_at") return v ? v.replace("T", " ").slice(0, 16) : "";
    return v === null || v === undefined ? "—" : String(v);
  }

  function drill(by, row, column) {
    var q = new URLSearchParams({ from: data.from, to: data.to, by: by, key: by === "total" ? "total" : row.key,
                                  figure: column.figure });
    HallQ.api("GET", "/api/assess/drill?" + q.toString()).then(function (res) {
      if (!res.ok) { fail(res.body); return; }
      var d = res.body;
      $("drill").hidden = false;
      $("drill").setAttribute("data-figure", d.figure);
      $("drill").setAttribute("data-count", String(d.count));
      $("drill-title").textContent = row.label + " · " + column.name + "（" + format(row.figures[column.figure], column.kind) + "）";
      $("drill-count").textContent = "共 " + d.count + " 条" + (d.truncated ? "，显示前 " + d.records.length + " 条" : "") +
        " · " + d.count + " record(s)";
      var kind = d.records.length ? d.records[0].kind : "step";
      var cols = DRILL_COLUMNS[kind];
      var head = $("drill-head"), body = $("drill-body");
      head.innerHTML = "";
      body.innerHTML = "";
      var tr = el("tr");
      cols.forEach(function (c) { tr.appendChild(bilingual("th", c[1], c[2])); });
      head.appendChild(tr);
      d.records.forEach(function (r) {
        var row = el("tr");
        row.setAttribute("data-kind", r.kind);
        cols.forEach(function (c) {
          var td = el("td");
          if (c[0] === "case_id") {
            var a = el("a", "#" + r.case_id);
            a.href = "/assess/cases/" + r.case_id;
            td.appendChild(a);
          } else td.textContent = cellText(r, c[0]);
          row.appendChild(td);
        });
        body.appendChild(row);
      });
      $("drill").scrollIntoView({ block: "nearest" });
    });
  }
  $("drill-close").addEventListener("click", function () { $("drill").hidden = true; });

  // ---- charts, each with its table --------------------------------------------------------

  function table(id, headers, rows) {
    var t = $("table-" + id);
    t.innerHTML = "";
    var thead = el("thead"), tr = el("tr");
    headers.forEach(function (h) { tr.appendChild(bilingual("th", h[0], h[1])); });
    thead.appendChild(tr);
    t.appendChild(thead);
    var tbody = el("tbody");
    rows.forEach(function (cells) {
      var r = el("tr");
      cells.forEach(function (c, i) { r.appendChild(el(i ? "td" : "th", c, i ? "a-num" : "")); });
      tbody.appendChild(r);
    });
    t.appendChild(tbody);
  }

  function chart(id, option) {
    if (!window.echarts) return;
    var node = $("chart-" + id);
    if (!charts[id]) charts[id] = window.echarts.init(node, null, { renderer: "svg" });
    charts[id].setOption(option, true);
    node.setAttribute("data-drawn", "yes");
  }

  function pct(v) { return v === null ? null : Math.round(1000 * v) / 10; }

  function trend(id, series) {
    table(id, [["时间", id === "daily" ? "Day" : "Month"], ["取号数", "Tickets"], ["评价数", "Rated"],
               ["差评数", "Bad"], ["满意率", "Satisfaction"]],
          series.map(function (s) { return [s.key, s.tickets, s.rated, s.bad, format(s.satisfaction, "rate")]; }));
    chart(id, {
      tooltip: { trigger: "axis" }, legend: { data: ["取号数", "满意率 %"] },
      grid: { left: 50, right: 50, top: 40, bottom: 30 },
      xAxis: { type: "category", data: series.map(function (s) { return s.key; }) },
      yAxis: [{ type: "value", name: "取号数", minInterval: 1 }, { type: "value", name: "%", min: 0, max: 100 }],
      series: [{ name: "取号数", type: "bar", data: series.map(function (s) { return s.tickets; }), itemStyle: { color: "#0b4f9c" } },
               { name: "满意率 %", type: "line", yAxisIndex: 1, connectNulls: false,
                 data: series.map(function (s) { return pct(s.satisfaction); }), itemStyle: { color: "#1b7f3b" } }]
    });
  }

  function drawCharts() {
    var c = data.charts;
    trend("daily", c.daily);
    trend("monthly", c.monthly);

    table("levels", [["等级", "Level"], ["数量", "Count"]], c.levels.map(function (l) { return [l.name, l.count]; }));
    chart("levels", {
      tooltip: { trigger: "item" }, legend: { bottom: 0 },
      series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b}: {c}" },
                 data: c.levels.filter(function (l) { return l.count > 0; }).map(function (l) {
                   return { name: l.name, value: l.count, itemStyle: { color: LEVEL_COLORS[l.level] } };
                 }) }]
    });

    var binName = function (b) { return b.to === null ? b.from + " 分钟以上" : b.from + "–" + b.to + " 分钟"; };
    table("waits", [["等候时间", "Wait"], ["人次", "Steps"]], c.waits.map(function (b) { return [binName(b), b.count]; }));
    chart("waits", {
      tooltip: { trigger: "axis" }, grid: { left: 50, right: 20, top: 20, bottom: 50 },
      xAxis: { type: "category", data: c.waits.map(binName), axisLabel: { rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", barCategoryGap: "2%", data: c.waits.map(function (b) { return b.count; }),
                 itemStyle: { color: "#b26a00" } }]
    });

    table("ranking", [["名次", "Rank"], ["窗口", "Window"], ["满意率", "Satisfaction"], ["评价数", "Rated"],
                      ["差评数", "Bad"], ["办理数", "Served"]],
          c.ranking.map(function (r) {
            return [r.rank === null ? "—" : String(r.rank), r.label, format(r.satisfaction, "rate"), r.rated, r.bad, r.served];
          }));
    var ranked = c.ranking.filter(function (r) { return r.satisfaction !== null; }).slice().reverse();
    chart("ranking", {
      tooltip: { trigger: "axis" }, grid: { left: 120, right: 30, top: 10, bottom: 30 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: ranked.map(function (r) { return r.label; }) },
      series: [{ type: "bar", data: ranked.map(function (r) { return pct(r.satisfaction); }), itemStyle: { color: "#1b7f3b" } }]
    });
  }

  window.addEventListener("resize", function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });

  // ---- exports ---------------------------------------------------------------------

  function exportAs(fmt) {
    if (!data) return;
    var box = $("export-progress"), bar = $("export-bar"), text = $("export-text");
    box.hidden = false;
    box.setAttribute("data-phase", "starting");
    bar.value = 0;
    text.textContent = "开始导出 Starting…";
    HallQ.api("POST", "/api/assess/exports", { from: data.from, to: data.to, by: data.by, format: fmt }).then(function (res) {
      if (!res.ok) { text.textContent = A.errorText(res.body); box.setAttribute("data-phase", "failed"); return; }
      poll(res.body.url);
    });

    function poll(url) {
      HallQ.api("GET", url).then(function (res) {
        if (!res.ok) { text.textContent = A.errorText(res.body); box.setAttribute("data-phase", "failed"); return; }
        var job = res.body;
        box.setAttribute("data-phase", job.phase);
        var share = job.total ? job.done / job.total : 0;
        // Reading is most of the work; writing the file the rest.
        bar.value = job.phase === "done" ? 100 : job.phase === "writing" ? 80 + 20 * share : job.phase === "figuring" ? 78 : 75 * share;
        text.textContent = PHASES[job.phase] + (job.total && job.phase !== "done" ? " " + job.done + " / " + job.total : "");
        if (job.phase === "failed") { text.textContent = A.errorText({ error: job.error }); return; }
        if (job.phase === "done") { text.textContent = "完成，正在下载 " + job.filename; window.location.href = job.file_url; return; }
        setTimeout(function () { poll(url); }, 250);
      });
    }
  }
  $("export-csv").addEventListener("click", function () { exportAs("csv"); });
  $("export-xlsx").addEventListener("click", function () { exportAs("xlsx"); });

  load(params());
})();
