"""Attachments of a report, served inline only to accounts that may see the report."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_file

from anninh.console.views import visible_report

bp = Blueprint("attachments", __name__)
INLINE = ("image/", "video/", "audio/")


@bp.route("/r/<code>/a/<int:attachment_id>")
def attachment(code: str, attachment_id: int):
    from anninh.console.app import services
    r = visible_report(code)
    att = next((a for a in r.attachments if a.id == attachment_id), None)
    if att is None or att.status != "stored" or not att.local_path:
        abort(404)
    root = Path(services().settings.attachments_dir).resolve()
    path = Path(att.local_path)
    path = (path if path.is_absolute() else root / path).resolve()
    if root not in path.parents or not path.is_file():
        abort(404)
    ctype = (att.content_type or "application/octet-stream").lower()
    inline = ctype.startswith(INLINE) and ctype not in ("image/svg+xml",)
    resp = send_file(path, mimetype=ctype if inline else "application/octet-stream",
                     as_attachment=not inline, download_name=f"{r.code}-{att.position}{path.suffix}",
                     conditional=True, max_age=0)
    resp.headers["Cache-Control"] = "private, no-store"
    return resp
