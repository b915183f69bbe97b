/*
 * The case page's next steps: each form posts its step to
 * POST /api/cases/<id>/<action> (the hall checks the role and the case's rules),
 * then the page is drawn again from the server; a refusal is shown as its sentence.
 */
(function () {
  "use strict";
  var A = HallQ.assess, $ = A.$;
  var box = $("case");
  if (!box) return;
  var caseId = box.getAttribute("data-case");

  document.querySelectorAll("form[data-action]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = {};
      Array.prototype.forEach.call(form.elements, function (f) {
        if (!f.name || f.tagName === "BUTTON" || f.tagName === "FIELDSET") return;
        if (f.type === "radio" && !f.checked) return;
        body[f.name] = f.value === "true" ? true : f.value === "false" ? false : f.value;
      });
      if (ev.submitter && ev.submitter.name) body[ev.submitter.name] = ev.submitter.value;
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      HallQ.api("POST", "/api/cases/" + caseId + "/" + form.getAttribute("data-action"), body).then(function (res) {
        if (res.ok) { window.location.reload(); return; }
        buttons.forEach(function (b) { b.disabled = false; });
        var out = $("action-result");
        out.textContent = A.errorText(res.body);
        out.setAttribute("data-kind", "error");
      });
    });
  });
})();
