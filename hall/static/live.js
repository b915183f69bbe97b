/*
 * HallQ live link and JSON calls, shared by every screen package's pages
 * (kiosk, counter, display, board, assess) and the device lab: they load it
 * from /static/live.js, through _macros.html's live_scripts() (hall/screens.py).
 *
 * HallQ.live(handlers, audience) connects to the Socket.IO namespace /hall as
 * one audience (docs/events.md): {audience: "screens"} (the default), or e.g.
 * {audience: "counter", window: 3}; `audience` may be a function, asked again
 * at every (re)connect. The server sends a "snapshot" on every connect (so a
 * reconnect after a network drop or a server restart replaces the whole
 * state), then the events this audience may see, each with its seq and prev
 * (the seq of the event this audience was sent before it). A prev above the
 * last seq seen means an event was missed: ask for a new snapshot. A seq at
 * or below the last one seen is a repeat: ignore it. When the server refuses
 * or ends the connection (signed out, another clerk took the window),
 * handlers.ended(reason) is called and the page decides what to show.
 *
 * HallQ.api(method, url, body) resolves to {ok, status, body}; it never
 * rejects, so a network fault becomes an error body pages can show.
 */
(function () {
  "use strict";

  /**
   * Connect to /hall. handlers: {snapshot(s), <event>(e), any(name, e),
   * status(online: bool), ended(reason)}. Returns {socket, requestSnapshot(),
   * rejoin()}: rejoin() connects again, as the audience named now.
   */
  function live(handlers, audience) {
    function who(cb) { cb((typeof audience === "function" ? audience() : audience) || { audience: "screens" }); }
    var socket = window.io("/hall", { reconnectionDelay: 500, reconnectionDelayMax: 3000, auth: who });
    var lastSeq = null;

    function setStatus(online) {
      document.querySelectorAll("[data-live-status]").forEach(function (el) {
        el.classList.toggle("online", online);
        el.classList.toggle("offline", !online);
        el.setAttribute("data-live-status", online ? "online" : "offline");
        el.title = HallQ.i18n.t(online ? "status.online" : "status.offline");
      });
      if (handlers.status) handlers.status(online);
    }

    function requestSnapshot() {
      lastSeq = null; // accept whatever the fresh snapshot says
      socket.emit("snapshot_request");
    }

    socket.on("connect", function () { setStatus(true); });
    socket.on("disconnect", function (reason) {
      setStatus(false);
      // The server ended it (a session that ended): it will not reconnect by itself.
      if (reason === "io server disconnect" && handlers.ended) handlers.ended(reason);
    });
    socket.on("connect_error", function (err) {
      setStatus(false);
      // Refused by the hall (not signed in, not this window): no retry until the page rejoins.
      if (err && err.data && err.data.code && handlers.ended) handlers.ended(err.data.code);
    });

    function rejoin() {
      lastSeq = null;
      socket.disconnect();
      socket.connect();
    }

    socket.on("snapshot", function (s) {
      lastSeq = typeof s.seq === "number" ? s.seq : null;
      HallQ.clock.sync(s.now);
      if (handlers.snapshot) handlers.snapshot(s);
    });

    // Every pushed event carries the seq, including kinds this page does not
    // draw, so all of them count when looking for a gap.
    socket.onAny(function (name, e) {
      if (name === "snapshot" || !e || typeof e !== "object") return;
      if (typeof e.seq === "number" && lastSeq !== null) {
        if (e.seq <= lastSeq) return;           // already in the snapshot
        if (typeof e.prev === "number" && e.prev > lastSeq) {  // missed one: state may be stale
          requestSnapshot();
          return;
        }
      }
      if (typeof e.seq === "number") lastSeq = e.seq;
      if (handlers[name]) handlers[name](e);
      if (handlers.any) handlers.any(name, e);
      // A new configuration version (windows, services, materials, names): the page draws the hall
      // again from a fresh snapshot, unless it handles the change itself.
      if (name === "config_changed" && !handlers.config_changed) requestSnapshot();
    });

    setStatus(false);
    return { socket: socket, requestSnapshot: requestSnapshot, rejoin: rejoin };
  }

  // The session's CSRF token, sent with every request: rendered into the page (data-csrf on this
  // script's tag), then taken from each answer that carries one (the sign-in's and /api/me's).
  var csrf = (document.currentScript && document.currentScript.getAttribute("data-csrf")) || "";

  /** JSON request; resolves to {ok, status, body}; a network fault gives status 0. */
  function api(method, url, body) {
    var opts = { method: method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (csrf) opts.headers["X-HallQ-CSRF"] = csrf;
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok && !(data && data.error)) {
          data = { error: { code: res.status >= 500 ? "server" : "invalid_json", message: "" } };
        }
        if (res.ok && data && typeof data.csrf === "string") csrf = data.csrf;
        return { ok: res.ok, status: res.status, body: data };
      });
    }, function () {
      return { ok: false, status: 0, body: { error: { code: "network", message: "" } } };
    });
  }

  window.HallQ = window.HallQ || {};
  window.HallQ.live = live;
  window.HallQ.api = api;
})();
