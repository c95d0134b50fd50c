"""Template helpers: Vietnam time, labels of kinds and statuses, deadlines, map links."""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from flask import request, url_for

from anninh.console import policy
from anninh.reports.privacy import mask_phone
from anninh.reports.timeutil import fmt_vn


def is_overdue(report: Any) -> bool:
    return report.is_overdue()


def map_url(lat: Optional[float], lon: Optional[float]) -> str:
    if lat is None or lon is None:
        return ""
    return f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"


def page_url(page: int) -> str:
    args = request.args.to_dict()
    args["page"] = str(page)
    return url_for(request.endpoint, **(request.view_args or {})) + "?" + urlencode(args)


def init(app) -> None:
    from anninh.console.app import services

    @app.context_processor
    def inject():
        svc = services()
        return {"L": svc.labels, "content": svc.content, "policy": policy,
                "is_overdue": is_overdue, "map_url": map_url, "page_url": page_url}

    app.add_template_filter(fmt_vn, "vn")
    app.add_template_filter(mask_phone, "mask_phone")
    app.add_template_filter(lambda k: services().content.kind_title(k), "kind")
    app.add_template_filter(lambda s: services().content.status_label(s), "status")
