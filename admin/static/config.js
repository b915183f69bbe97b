/*
 * The configuration pages (/admin/config/...): build the whole new configuration
 * from the page's form and send it to PUT /api/admin/config.
 *
 * The page carries the configuration in force (#config-data: {version, config},
 * the hall file's data). Each field names its key relative to the item it is in
 * (data-field); a list of items (data-list) is rebuilt in the page's order, each
 * item starting from the one it was (data-index) so that keys this page does not
 * show are kept. The server decides: a refusal comes back as its sentence and the
 * field it is about ("windows[8].services"), shown next to that field.
 */
(function () {
  "use strict";

  var FLASH = "hallq.admin.flash";   // admin.js shows it after the reload
  function $(id) { return document.getElementById(id); }
  var dataEl = $("config-data");
  if (!dataEl) return;
  var data = JSON.parse(dataEl.textContent);
  var root = document.querySelector(".ad-main");

  function clone(x) { return x === undefined ? undefined : JSON.parse(JSON.stringify(x)); }

  function getPath(obj, path) {
    return path.split(".").reduce(function (o, k) { return o && typeof o === "object" ? o[k] : undefined; }, obj);
  }

  function setPath(obj, path, value) {
    var keys = path.split("."), o = obj;
    keys.slice(0, -1).forEach(function (k) {
      if (!o[k] || typeof o[k] !== "object") o[k] = {};
      o = o[k];
    });
    var last = keys[keys.length - 1];
    if (value === undefined) delete o[last]; else o[last] = value;
  }

  /** The item (or single device table, data-one) an element belongs to; null: the page itself. */
  function owner(el) {
    return el.parentElement ? el.parentElement.closest("[data-item], [data-one]") : null;
  }

  function own(scope, selector) {
    var base = scope || root;
    return Array.prototype.filter.call(base.querySelectorAll(selector), function (el) {
      return owner(el) === scope;
    });
  }

  function pad(t) { return /^\d:\d\d$/.test(t) ? "0" + t : t; }

  /** A field's value as the configuration takes it; undefined leaves the key out (its default). */
  function valueOf(el) {
    var kind = el.getAttribute("data-kind") || "text";
    var raw = typeof el.value === "string" ? el.value.trim() : "";
    switch (kind) {
      case "bool": return el.checked;
      case "int":
        if (raw === "") return undefined;
        return /^-?\d+$/.test(raw) ? parseInt(raw, 10) : raw;
      case "number":
        if (raw === "") return undefined;
        return raw !== "" && isFinite(Number(raw)) ? Number(raw) : raw;
      case "lines":
        return el.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
      case "periods":
        if (raw === "") return [];
        return raw.split(/[,，;；]+/).map(function (p) { return p.trim(); }).filter(Boolean).map(function (p) {
          var ends = p.split(/\s*[-–—~～至到]\s*/);
          return ends.length === 2 ? [pad(ends[0]), pad(ends[1])] : [p];
        });
      case "dates":
        return raw === "" ? [] : raw.split(/[,，;；\s]+/).filter(Boolean);
      case "codes":
        return Array.prototype.filter.call(el.querySelectorAll("input[type=checkbox]"), function (c) {
          return c.checked;
        }).map(function (c) { return c.value; });
      case "time":
      case "text":
      default:
        return raw === "" ? undefined : raw;
    }
  }

  /** A device's settings table as {key: value}: a value that reads as JSON (9600, true, [1, 2]) is that. */
  function settingsOf(table) {
    var out = {};
    table.querySelectorAll("tr[data-setting]").forEach(function (row) {
      var key = row.querySelector(".cf-key").value.trim();
      var text = row.querySelector(".cf-value").value.trim();
      if (!key) return;
      var value = text;
      if (/^(-?\d|\[|\{|true$|false$)/.test(text)) {
        try { value = JSON.parse(text); } catch (e) { value = text; }
      }
      out[key] = value;
    });
    return out;
  }

  function at(prefix, key) { return prefix ? prefix + "." + key : key; }

  /** Patch `base` (a copy of the scope's configuration, `orig` the same as it was) from the scope's fields. */
  function collect(scope, base, orig, prefix) {
    own(scope, "[data-field]").forEach(function (el) {
      var key = el.getAttribute("data-field");
      if (el.getAttribute("data-kind") === "settings") {
        Object.keys(base).forEach(function (k) { delete base[k]; });
        Object.assign(base, settingsOf(el));
        el.setAttribute("data-at", prefix);
        return;
      }
      setPath(base, key, valueOf(el));
      el.setAttribute("data-at", at(prefix, key));
    });
    own(scope, "[data-one]").forEach(function (el) {
      var key = el.getAttribute("data-one");
      var on = el.querySelector("[data-one-on]").checked;
      setPath(base, key, on ? settingsOf(el.querySelector("table")) : undefined);
      el.setAttribute("data-at", at(prefix, key));
    });
    own(scope, "[data-list]").forEach(function (list) {
      var key = list.getAttribute("data-list");
      var before = getPath(orig, key) || [];
      var items = [];
      Array.prototype.filter.call(list.children, function (c) { return c.hasAttribute("data-item"); })
        .forEach(function (item) {
          if (item.hasAttribute("data-removed")) return;
          var idx = item.getAttribute("data-index");
          var was = idx !== null && before[+idx] !== undefined ? before[+idx] : {};
          var where = at(prefix, key) + "[" + items.length + "]";
          item.setAttribute("data-at", where);
          items.push(collect(item, clone(was), was, where));
        });
      // A kind of device with no entry, that the configuration had not named either, stays unnamed.
      setPath(base, key, items.length || getPath(orig, key) !== undefined ? items : undefined);
    });
    return base;
  }

  function build() {
    return collect(null, clone(data.config), data.config, "");
  }

  // ---- showing a refusal next to its field ------------------------------------------------

  function clearErrors() {
    root.querySelectorAll(".cf-error").forEach(function (e) { e.textContent = ""; });
    root.querySelectorAll(".cf-bad").forEach(function (e) { e.classList.remove("cf-bad"); });
    var summary = $("config-error") || $("import-error");
    if (summary) summary.textContent = "";
  }

  function sentence(body) {
    var err = body && body.error;
    if (!err) return "服务器出错了，请稍后重试。 The server failed; try again.";
    return err.message + (err.message_en && err.message_en !== err.message ? " " + err.message_en : "");
  }

  /** The element a field path names, or the nearest one holding it ("services[0].matters[1]"). */
  function placeOf(field) {
    if (!field) return null;
    var best = null, bestLen = -1;
    root.querySelectorAll("[data-at]").forEach(function (el) {
      var a = el.getAttribute("data-at");
      if ((field === a || field.indexOf(a + ".") === 0 || field.indexOf(a + "[") === 0) && a.length > bestLen) {
        best = el; bestLen = a.length;
      }
    });
    return best;
  }

  function showRefusal(body, summary) {
    var text = sentence(body);
    if (summary) summary.textContent = text;
    var place = placeOf(body && body.error && body.error.field);
    if (!place) return;
    var label = place.closest("label.cf-field");
    var slot = label ? label.querySelector(".cf-error") : null;
    if (!slot) {
      slot = place.querySelector(":scope > .cf-error") || place.parentElement.querySelector(":scope > .cf-error");
    }
    if (!slot) {
      slot = document.createElement("p");
      slot.className = "cf-error";
      slot.setAttribute("role", "alert");
      place.insertBefore(slot, place.firstChild);
    }
    slot.textContent = body.error.message;
    (label || place).classList.add("cf-bad");
    (label || place).scrollIntoView({ block: "center" });
    var input = (label || place).querySelector("input, textarea, select");
    if (input) input.focus();
  }

  function done(res) {
    var names = { hall: "大厅", services: "业务", windows: "窗口", queue: "排队规则", appointments: "预约",
                  notify: "短信", ratings: "评价", calendar: "日历", alarms: "告警", devices: "设备" };
    var b = res.body;
    if (!b.changed.length) return "没有改动，配置仍是第 " + b.version + " 版。 Nothing changed: still version " + b.version + ".";
    return "已保存为第 " + b.version + " 版并立即生效：" + b.changed.map(function (c) { return names[c] || c; }).join("、") +
      "。 Saved as version " + b.version + ", in effect now: " + b.changed.join(", ") + ".";
  }

  function reloadWith(text) {
    try { sessionStorage.setItem(FLASH, text); } catch (e) { /* private mode: no line */ }
    window.location.reload();
  }

  // ---- the form's buttons ------------------------------------------------------------------

  root.addEventListener("click", function (ev) {
    var t = ev.target.closest("button");
    if (!t) return;
    var item = t.closest("[data-item]");
    if (t.hasAttribute("data-add")) {
      var key = t.getAttribute("data-add");
      var scope = t.parentElement.closest("[data-item]") || root;
      var list = own(scope === root ? null : scope, '[data-list="' + key + '"]')[0];
      var tpl = own(scope === root ? null : scope, 'template[data-template="' + key + '"]')[0] ||
        scope.querySelector('template[data-template="' + key + '"]');
      var fresh = tpl.content.firstElementChild.cloneNode(true);
      list.appendChild(fresh);
      var first = fresh.querySelector("input, textarea");
      if (first) first.focus();
    } else if (t.hasAttribute("data-remove") && item) {
      item.setAttribute("data-removed", "");
      item.classList.add("cf-is-removed");
    } else if (t.hasAttribute("data-undo") && item) {
      item.removeAttribute("data-removed");
      item.classList.remove("cf-is-removed");
    } else if (t.hasAttribute("data-add-setting")) {
      var body = t.parentElement.querySelector("table.cf-settings tbody");
      var row = document.createElement("tr");
      row.setAttribute("data-setting", "");
      row.innerHTML = '<td><input type="text" class="cf-key" aria-label="设置项 setting"></td>' +
        '<td><input type="text" class="cf-value" aria-label="值 value"></td>' +
        '<td><button type="button" class="ad-button" data-drop-setting>✕</button></td>';
      body.appendChild(row);
      row.querySelector("input").focus();
    } else if (t.hasAttribute("data-drop-setting")) {
      t.closest("tr").remove();
    }
  });

  var save = $("config-save");
  if (save) {
    save.addEventListener("click", function () {
      clearErrors();
      save.disabled = true;
      var body = { version: data.version, config: build(), note: $("config-note").value.trim() };
      HallQ.api("PUT", "/api/admin/config", body).then(function (res) {
        save.disabled = false;
        if (!res.ok) { showRefusal(res.body, $("config-error")); return; }
        if (!res.body.changed.length) { $("config-error").textContent = done(res); return; }
        reloadWith(done(res));
      });
    });
  }

  var importForm = $("import-form");
  if (importForm) {
    importForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearErrors();
      var file = $("import-file").files[0];
      if (!file) return;
      $("import-submit").disabled = true;
      file.text().then(function (text) {
        return HallQ.api("POST", "/api/admin/config/import",
                         { toml: text, note: $("import-note").value.trim(), version: data.version });
      }).then(function (res) {
        $("import-submit").disabled = false;
        if (!res.ok) { $("import-error").textContent = sentence(res.body); return; }
        reloadWith(done(res));
      });
    });
  }

  window.HallQConfig = { build: build };   // for the browser tests and a curious admin's console
})();
