/*
 * The star rating's form: a month's self-assessment (five aspects, 0-100) and the
 * inspections' score and findings, posted to POST /api/assess/stars; an aspect
 * left empty is not given (it scores 0), an empty inspection score means none
 * this month. The year's table is drawn again from the server.
 */
(function () {
  "use strict";
  var A = HallQ.assess, $ = A.$;
  $("stars-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var own = {}, any = false;
    document.querySelectorAll("input[data-aspect]").forEach(function (f) {
      if (f.value !== "") { own[f.getAttribute("data-aspect")] = Number(f.value); any = true; }
    });
    var score = $("inspection-score").value;
    var findings = $("inspection-findings").value.split("\n").map(function (s) { return s.trim(); })
      .filter(function (s) { return s; });
    var body = { month: $("stars-month").value, self_assessment: any ? own : null,
                 inspection: score === "" ? null : { score: Number(score), findings: findings } };
    $("stars-submit").disabled = true;
    HallQ.api("POST", "/api/assess/stars", body).then(function (res) {
      $("stars-submit").disabled = false;
      var out = $("stars-result");
      if (!res.ok) { out.textContent = A.errorText(res.body); out.setAttribute("data-kind", "error"); return; }
      window.location.href = "?year=" + body.month.slice(0, 4);
    });
  });
})();
