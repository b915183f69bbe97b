/*
 * The board's link to the city centre (三级联动): its state, the seq the city
 * acknowledged, how many events and how long the city is behind. Asks
 * GET /api/city-link every 5 s (a manager's); hidden while the hall has no link.
 */
(function () {
  "use strict";
  var i18n = HallQ.i18n, t = i18n.t;

  i18n.add({
    zh: {
      "board.city_link": "市中心链路",
      "board.city_online": "在线",
      "board.city_offline": "离线（正在重试）",
      "board.city_refused": "被市中心拒绝",
      "board.city_connecting": "连接中",
      "board.city_stopped": "未在发送",
      "board.city_behind": "落后 {n} 条记录，{s}",
      "board.city_caught_up": "已同步（确认至第 {seq} 条）",
      "board.city_seconds": "{n} 秒",
      "board.city_minutes": "{n} 分钟",
      "board.city_hours": "{n} 小时"
    },
    en: {
      "board.city_link": "City link",
      "board.city_online": "Online",
      "board.city_offline": "Offline (retrying)",
      "board.city_refused": "Refused by the city",
      "board.city_connecting": "Connecting",
      "board.city_stopped": "Not sending",
      "board.city_behind": "{n} records behind, {s}",
      "board.city_caught_up": "Up to date (acknowledged to seq {seq})",
      "board.city_seconds": "{n} s",
      "board.city_minutes": "{n} min",
      "board.city_hours": "{n} h"
    }
  });

  var link = null;

  function $(id) { return document.getElementById(id); }

  function age(seconds) {
    if (seconds < 120) return t("board.city_seconds", { n: Math.round(seconds) });
    if (seconds < 7200) return t("board.city_minutes", { n: Math.round(seconds / 60) });
    return t("board.city_hours", { n: Math.round(seconds / 3600) });
  }

  function draw() {
    var card = $("city-card");
    if (!card) return;
    card.hidden = !link || link.state === "none";
    if (card.hidden) return;
    card.setAttribute("data-state", link.state);
    $("city-state").textContent = t("board.city_" + link.state);
    var behind = link.behind || 0;
    $("city-behind").textContent = behind > 0
      ? t("board.city_behind", { n: behind, s: age(link.lag_seconds || 0) })
      : t("board.city_caught_up", { seq: link.acked == null ? "—" : link.acked });
    $("city-error").textContent = link.error || "";
  }

  function load() {
    HallQ.api("GET", "/api/city-link").then(function (res) {
      if (res.ok) { link = res.body; draw(); }
    });
  }

  HallQ.boardCity = { load: load, draw: draw };
  document.addEventListener("hallq:lang", draw);
  load();
  setInterval(load, 5000);
})();
