"""ZNS (Zalo Notification Service): a template message to a phone number, for a citizen outside the
reply window who shared their phone through Zalo's request_user_info (their consent).

Off unless the operator sets ``REPORTS_ZNS_TEMPLATE_ID``: the id of a template Zalo approved for
the OA, with the parameters ``code`` (the report's code) and ``status`` (its status label). The
template only says that there is news and invites the citizen to write to the OA (which opens
the reply window again): an officer's free text never goes through ZNS.

``POST {REPORTS_ZNS_BASE_URL}/message/template`` (default ``https://business.openapi.zalo.me``)
with the OA's access token: ``{"phone": "84…", "template_id": …, "template_data": {…},
"tracking_id": …}``; the answer is checked like every Zalo answer (``error`` 0 = sent).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Mapping, Optional

ENV_TEMPLATE_ID = "REPORTS_ZNS_TEMPLATE_ID"
ENV_BASE_URL = "REPORTS_ZNS_BASE_URL"
DEFAULT_BASE_URL = "https://business.openapi.zalo.me"
TEMPLATE_PATH = "/message/template"


@dataclass(frozen=True)
class ZnsSettings:
    template_id: str
    base_url: str = DEFAULT_BASE_URL

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["ZnsSettings"]:
        env = os.environ if environ is None else environ
        template = (env.get(ENV_TEMPLATE_ID) or "").strip()
        if not template:
            return None
        return cls(template, ((env.get(ENV_BASE_URL) or "").strip() or DEFAULT_BASE_URL).rstrip("/"))

    def body(self, phone: str, code: str, status_label: str, tracking_id: str) -> dict:
        return {"phone": phone, "template_id": self.template_id,
                "template_data": {"code": code, "status": status_label}, "tracking_id": tracking_id}


def status_label(status: str) -> str:
    """The editors' label of a status (content/reports.yml), as the template shows it."""
    from anninh.reports.texts import load_reports_content

    try:
        return load_reports_content().status_label(status)
    except Exception:  # noqa: BLE001 - a content mistake must not stop the notification
        return status


async def send_zns(client: Any, settings: ZnsSettings, oa_id: str, phone: str, code: str,
                   status: str, tracking_id: str) -> None:
    """One template message through a ``ZaloClient`` whose base URL is the ZNS one (raises the
    client's errors)."""
    await client.call(oa_id, "POST", TEMPLATE_PATH,
                      json_body=settings.body(phone, code, status_label(status), tracking_id))
