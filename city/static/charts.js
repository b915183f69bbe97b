/*
 * The city's charts: each .c-chart element names its kind (data-chart: bars or bar-line), its bar
 * series (data-series: "key:label,key:label") and a line series (data-line), and reads its data
 * from the <script type="application/json" id="<id>-data"> beside it. Drawn by the ECharts the city
 * serves itself; without it the tables above say the same.
 */
(function () {
  "use strict";
  if (!window.echarts) return;
  function pairs(text) {
    return (text || "").split(",").filter(Boolean).map(function (p) { var i = p.indexOf(":"); return [p.slice(0, i), p.slice(i + 1)]; });
  }
  document.querySelectorAll(".c-chart").forEach(function (el) {
    var data = JSON.parse(document.getElementById(el.id + "-data").textContent);
    var series = pairs(el.dataset.series).map(function (p) { return { name: p[1], type: "bar", data: data[p[0]] }; });
    var yAxis = [{ type: "value", axisLabel: { fontSize: 16 } }];
    pairs(el.dataset.line).forEach(function (p) {
      yAxis.push({ type: "value", max: 100, axisLabel: { fontSize: 16 } });
      series.push({ name: p[1], type: "line", yAxisIndex: 1, data: data[p[0]] });
    });
    var chart = window.echarts.init(el);
    chart.setOption({
      textStyle: { fontSize: 16 }, tooltip: { trigger: "axis" }, legend: { textStyle: { fontSize: 16 } },
      grid: { left: 60, right: 60, bottom: 90 },
      xAxis: { type: "category", data: data.labels, axisLabel: { fontSize: 15, rotate: data.labels.length > 8 ? 40 : 0 } },
      yAxis: yAxis, series: series
    });
    el.dataset.drawn = "yes";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
