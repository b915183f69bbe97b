"""create_app: wires configuration, store, hall, bus, push, pages and devices."""
from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Callable, Optional

from flask import Flask, jsonify, render_template, request, send_file
from flask_socketio import SocketIO
from werkzeug.exceptions import HTTPException

from config import load_config
from hall import auth
from hall.api import bp as api_bp
from hall.clock import system_now
from hall.errors import HallError
from hall.hall import Hall
from hall.jsonbody import UPLOAD_LIMIT, limit_of
from hall.model import HallConfig
from hall.private import private_dir
from hall.push import init_push
from hall.store import Store

log = logging.getLogger(__name__)
FORECAST_EVERY_S = 1.0


def create_app(config: Optional[HallConfig] = None, data_dir: str | Path = "data",
               clock: Callable = system_now, testing: bool = False,
               devices: Optional[dict] = None) -> Flask:
    """Build the hall server. `app.extensions['hallq']` is the Hall; `['socketio']` the push server.

    `devices` are [devices] settings that replace the configuration's (the demo
    passes its simulators' addresses here).
    """
    config = config or load_config()
    data_dir = Path(data_dir)
    private_dir(data_dir)  # 0700: the database and the session key are the hall's user's only
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=auth.secret_key(data_dir), TESTING=testing, JSON_AS_ASCII=False,
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=14), HALLQ_DATA_DIR=str(data_dir),
        MAX_CONTENT_LENGTH=UPLOAD_LIMIT,  # the largest body any endpoint takes (hall/jsonbody.py); JSON: 1 MiB
    )
    app.json.ensure_ascii = False
    store = Store(data_dir / "hallq.db")
    # The configuration is the database's (hall/configs.py): `config` seeds a new hall, and is told
    # to make way when the database has a version of its own.
    from hall import configs
    config, _version, warning = configs.current(store, config, clock())
    if warning:
        log.warning("%s (%s)", warning["message"], warning["message_en"])
    app.extensions["hallq_config_warning"] = warning
    # The server works its forecasts out in the background, at most once a second (Hall._forecast):
    # a kiosk press or a call never waits for one. Tests see the forecast of every state they read.
    hall = Hall(config, store, clock=clock, id_key=app.config["SECRET_KEY"],
                forecast_every=None if testing else FORECAST_EVERY_S)
    app.extensions["hallq"] = hall
    auth.init_app(app)   # server-side sessions, sign-in throttling, the CSRF guard on every change
    if not testing:
        app.extensions["hallq_ticker"] = hall.start_ticker(accounts=True, purge=True)
        app.extensions["hallq_forecasts"] = hall.start_forecasts()
        # The nightly backup of [backup] in the configuration in force (hall/backup.py): none while it names no folder.
        from hall.backup import start_nightly
        app.extensions["hallq_backups"] = start_nightly(hall, data_dir)
        # The link to the city centre of [city] (三级联动, hall/sender.py): none while it names no url.
        from hall.sender import start_link
        app.extensions["hallq_city_link"] = start_link(config, Path(data_dir))

    from hall.devices import build_devices
    manager = build_devices(hall, config.devices if devices is None else devices, data_dir)
    manager.override = devices       # the demo's simulators stand in for the configuration's devices
    hall.devices = manager
    app.extensions["hallq_devices"] = manager
    # The printer in force when a ticket is issued: a new configuration may add or remove it.
    app.extensions["hallq_printer"] = manager.print_ticket

    from hall.server import async_mode
    # Origins: the page's own (same host and port) and the hall's configured addresses, never any page.
    # Messages of one client are handled in order on its own connection (async_handlers=False), so a
    # flood queues on that socket instead of starting a thread per message; engine.io refuses any
    # message over max_http_buffer_size.
    from hall.origins import allowed as origin_allowed
    socketio = SocketIO(app, async_mode=async_mode(),
                        cors_allowed_origins=lambda origin, environ: origin_allowed(origin, environ,
                                                                                    hall.config.origins),
                        async_handlers=False, max_http_buffer_size=64 * 1024,
                        logger=False, engineio_logger=False)
    app.extensions["hallq_push"] = init_push(socketio, hall)
    app.extensions["socketio"] = socketio

    app.register_blueprint(api_bp)
    from hall.progress import bp as progress_bp
    app.register_blueprint(progress_bp)
    # The SMS gateway's messages, by the [notify] section in force (none while it names no gateway).
    from hall.notify import Notifier
    notifier = Notifier(hall)
    hall.bus.subscribe("notify", notifier.handle)
    app.extensions["hallq_notifier"] = notifier
    # The screen packages, each a blueprint on the shared page pieces (hall/screens.py).
    from board import bp as board_bp
    from counter_terminal import bp as counter_bp
    from display import bp as display_bp
    from kiosk import bp as kiosk_bp
    for bp in (kiosk_bp, counter_bp, display_bp, board_bp):
        app.register_blueprint(bp)
    from assess.views import init_app as init_assess
    init_assess(app)   # the assessment pages and their API: figures, cases, star ratings, reports
    from admin import init_app as init_admin
    init_admin(app)    # accounts and roles, the audit log, everyone's own password

    @app.get("/")
    def index():
        return render_template("index.html", hall_name=hall.config.name)

    @app.get("/audio/call/<number>/<int:window>.wav")
    def call_audio(number, window):
        """The joined announcement of a call, for a display PC that has the hall's speakers."""
        if manager.voice is None:
            raise HallError("no_voice", "本大厅未配置语音播报。", "This hall has no voice announcements.", 404)
        lang = request.args.get("lang")
        try:
            path = manager.voice.audio_path_for(number, window, lang)
        except ValueError as exc:
            raise HallError("invalid_field", f"无法生成该叫号语音：{exc}", str(exc), 400) from None
        except Exception as exc:  # the clip set is not loaded: the voice device is faulted
            raise HallError("voice_unavailable", "语音播报暂不可用，请查看设备状态。", str(exc), 503) from None
        return send_file(path, mimetype="audio/wav", max_age=3600)

    manager.start()

    @app.get("/favicon.ico")
    def favicon():
        # Browsers ask every page's origin for it: the hall's mark rather than a 404 in every console.
        return send_file(Path(__file__).parent / "static" / "favicon.svg", mimetype="image/svg+xml", max_age=86400)

    @app.get("/healthz")
    def healthz():
        return jsonify({"ok": True, "seq": hall.state.last_seq, "business_day": hall.state.business_day.isoformat()})

    @app.errorhandler(HallError)
    def _hall_error(err: HallError):
        return jsonify(err.to_dict()), err.status

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        if not request.path.startswith("/api/"):
            return err
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(err.code, "bad_request")
        if err.code == 413:
            # The endpoint's own limit: the app's MAX_CONTENT_LENGTH (the largest, for uploads) may
            # have refused the body before the endpoint named its smaller one.
            limit, what = limit_of(request.endpoint)
            mb = limit / (1 << 20)
            if what == "appointments":
                hint, hint_en = (f"请把预约文件分成几个不超过 {mb:g} MB 的文件后分别导入",
                                 f"split the appointments file into files of at most {mb:g} MB")
            elif what:
                hint, hint_en = "配置文件不应这么大，请检查是否选错了文件", "a hall file is never this large: check the file chosen"
            else:
                hint, hint_en = "请减少内容后重试", "send less"
            return jsonify({"error": {"code": code, "message": f"请求内容超过 {mb:g} MB 的上限，未予处理；{hint}。",
                                      "message_en": f"The request body is over the {mb:g} MB limit and was not "
                                      f"processed; {hint_en}."}}), 413
        return jsonify({"error": {"code": code, "message": f"请求无效：{err.name}。请查看 docs/api.md。",
                                  "message_en": f"{err.name}: {err.description}"}}), err.code

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unexpected error on %s %s", request.method, request.path)
        return jsonify({"error": {"code": "internal", "message": "服务器内部错误，已记录；请重试或联系管理员。",
                                  "message_en": "Internal error; it was logged. Try again."}}), 500

    return app
