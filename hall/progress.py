"""The citizen's phone page: /t/<token> shows one ticket's progress, live.

The kiosk (and the printed ticket) carry a QR code of this address. The token
is unguessable, so only the ticket's holder can see it.
"""
from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, Response, current_app, render_template, request

from hall.errors import HallError

bp = Blueprint("progress", __name__)


@bp.get("/t/<token>")
def progress_page(token):
    hall = current_app.extensions["hallq"]
    if hall.ticket_by_token(token) is None:
        return render_template("progress_missing.html", hall_name=hall.config.name), 404
    return render_template("progress.html", token=token, hall_name=hall.config.name)


@bp.get("/t/<token>/qr.svg")
def progress_qr(token):
    """The QR code of the phone page's address, as SVG (the kiosk shows it; printers draw their own)."""
    hall = current_app.extensions["hallq"]
    if hall.ticket_by_token(token) is None:
        raise HallError("unknown_ticket", "找不到这个号。", "No such ticket.", 404)
    url = request.host_url.rstrip("/") + f"/t/{token}"
    img = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    buf = io.BytesIO()
    img.save(buf)
    return Response(buf.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=86400"})
