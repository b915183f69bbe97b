/*
 * The sign-in form and the sign-out button of the signed-in pages (assessment,
 * administration): #signin-form with #signin-username, #signin-password,
 * #signin-submit and #signin-error, and #logout. Signing in or out reloads the
 * page, which the server then renders for that account. HallQ.api (live.js)
 * sends the session's CSRF token; a refusal shows the server's sentence in both
 * languages (HallQ.signin.errorText), as these pages write every sentence.
 */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function errorText(body) {
    var err = body && body.error;
    if (!err) return "服务器出错了，请稍后重试。 The server failed; try again.";
    return err.message + (err.message_en && err.message_en !== err.message ? " " + err.message_en : "");
  }

  var form = $("signin-form");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      $("signin-submit").disabled = true;
      HallQ.api("POST", "/api/login", {
        username: $("signin-username").value.trim(), password: $("signin-password").value
      }).then(function (res) {
        $("signin-submit").disabled = false;
        if (!res.ok) { $("signin-error").textContent = errorText(res.body); return; }
        window.location.reload();
      });
    });
  }

  var logout = $("logout");
  if (logout) {
    logout.addEventListener("click", function () {
      HallQ.api("POST", "/api/logout").then(function () { window.location.reload(); });
    });
  }

  window.HallQ.signin = { errorText: errorText };
})();
