"""Run the hall on gunicorn: a production server that carries Socket.IO websockets.

One worker process (serial ports and the sound card belong to one process)
with many threads: Flask-SocketIO's threading mode with simple-websocket
holds one thread per open websocket.
"""
from __future__ import annotations

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, app_factory, options: dict):
        self._factory = app_factory
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        return self._factory()


def serve(app_factory, host: str, port: int, threads: int = 256, on_ready=None) -> None:
    """Serve the app built by `app_factory()` until interrupted."""
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 0,            # websockets are long-lived; the worker is not killed for it
        "graceful_timeout": 5,
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        # Not preloaded: the app's threads (bus, devices) must start in the worker,
        # since threads do not survive the fork from gunicorn's master.
        "preload_app": False,
    }
    if on_ready is not None:
        options["when_ready"] = lambda arbiter: on_ready()
    _Gunicorn(app_factory, options).run()
