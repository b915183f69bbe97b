/*
 * The administration pages: the accounts page's actions (signing in and out: hall/static/signin.js),
 * the own-password form. Every change goes through /api (HallQ.api in
 * live.js sends the session's CSRF token); the server decides and says, and
 * the page shows its sentence or, after a change, the page again with the
 * server's new list and a line saying what was done.
 */
(function () {
  "use strict";

  var FLASH = "hallq.admin.flash";

  function $(id) { return document.getElementById(id); }

  var errorText = HallQ.signin.errorText;   // signin.js: signing in and out are shared with the other pages

  function reloadWith(text) {
    try { sessionStorage.setItem(FLASH, text); } catch (e) { /* private mode: no line */ }
    window.location.reload();
  }

  (function showFlash() {
    var text = null;
    try { text = sessionStorage.getItem(FLASH); sessionStorage.removeItem(FLASH); } catch (e) { /* none */ }
    if (text && $("flash")) { $("flash").textContent = text; $("flash").hidden = false; }
  })();

  // ---- the accounts page --------------------------------------------------------------

  var add = $("add-form");
  if (add) {
    add.addEventListener("submit", function (ev) {
      ev.preventDefault();
      $("add-submit").disabled = true;
      $("add-error").textContent = "";
      var username = $("add-username").value.trim();
      HallQ.api("POST", "/api/admin/accounts", {
        username: username, name: $("add-name").value.trim(), role: $("add-role").value,
        password: $("add-password").value
      }).then(function (res) {
        $("add-submit").disabled = false;
        if (!res.ok) { $("add-error").textContent = errorText(res.body); return; }
        reloadWith("已添加账号 " + username + "。 Account " + username + " added.");
      });
    });
  }

  var DONE = {
    role: ["已更改 {u} 的角色，其登录已退出。", "{u}'s role changed; their sign-ins ended."],
    disable: ["已停用 {u}，其登录已退出。", "{u} disabled; their sign-ins ended."],
    enable: ["已启用 {u}。", "{u} enabled."],
    remove: ["已删除 {u}。", "{u} removed."],
    password: ["已重置 {u} 的密码，其登录已退出。", "{u}'s password reset; their sign-ins ended."]
  };

  function done(action, username) {
    return DONE[action].map(function (s) { return s.replace("{u}", username); }).join(" ");
  }

  function act(action, username, body, errorEl) {
    errorEl.textContent = "";
    return HallQ.api("POST", "/api/admin/accounts/" + encodeURIComponent(username) + "/" + action, body || {})
      .then(function (res) {
        if (!res.ok) { errorEl.textContent = errorText(res.body); return false; }
        reloadWith(done(action, username));
        return true;
      });
  }

  var resetFor = null;
  var table = $("accounts");
  if (table) {
    table.addEventListener("click", function (ev) {
      var button = ev.target.closest("button[data-action]");
      if (!button) return;
      var row = button.closest("tr[data-username]");
      var username = row.getAttribute("data-username");
      var action = button.getAttribute("data-action");
      if (action === "role") {
        act("role", username, { role: row.querySelector(".ad-role-select").value }, $("row-error"));
      } else if (action === "password") {
        resetFor = username;
        $("reset-who").textContent = username;
        $("reset-password").value = "";
        $("reset-error").textContent = "";
        $("reset-dialog").showModal();
      } else if (action === "remove") {
        if (window.confirm("删除账号 " + username + "？删除后不能再登录，也不再列出。\nRemove " + username + "?")) {
          act("remove", username, {}, $("row-error"));
        }
      } else {
        act(action, username, {}, $("row-error"));
      }
    });
    $("reset-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      $("reset-submit").disabled = true;
      act("password", resetFor, { password: $("reset-password").value }, $("reset-error")).then(function (ok) {
        $("reset-submit").disabled = false;
        if (ok) $("reset-dialog").close();
      });
    });
    $("reset-cancel").addEventListener("click", function () { $("reset-dialog").close(); });
  }

  // ---- the own-password page ----------------------------------------------------------

  var pw = $("password-form");
  if (pw) {
    pw.addEventListener("submit", function (ev) {
      ev.preventDefault();
      $("password-error").textContent = "";
      $("password-done").hidden = true;
      if ($("password-new").value !== $("password-again").value) {
        $("password-error").textContent = "两次输入的新密码不一致，请重新输入。 The two new passwords differ; type them again.";
        return;
      }
      $("password-submit").disabled = true;
      HallQ.api("POST", "/api/account/password", {
        current_password: $("password-current").value, new_password: $("password-new").value
      }).then(function (res) {
        $("password-submit").disabled = false;
        if (!res.ok) { $("password-error").textContent = errorText(res.body); return; }
        pw.reset();
        var n = res.body.sessions_ended || 0;
        $("password-done").textContent = "密码已修改。" + (n ? "您在其他地方的 " + n + " 个登录已退出。" : "") +
          " Your password is changed." + (n ? " " + n + " other sign-in(s) ended." : "");
        $("password-done").hidden = false;
      });
    });
  }
})();
