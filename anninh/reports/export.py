"""Exports for officers (CSV/JSON) and the public results site (static HTML + JSON).

Officer exports leave contact details out unless asked (``include_contact``). CSV is written
UTF-8 with a BOM so Excel shows Vietnamese correctly, and cells that a spreadsheet would run
as a formula (starting with = + - @) are prefixed with an apostrophe.

The public site is ANONYMISED: per published result only the kind, the unit, the month the
report was received and the result text the officer confirmed for publication, already masked
(``publication``) and masked again as a safety net: no names, addresses, phone/ID numbers,
plates. No ticket codes either: a code on a public page would tell anyone that the code exists
and what became of it, which ``lookup`` deliberately does not.

Every file is written to a temporary file in the target directory and renamed into place, so
a failure never leaves a half-written export.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, TextIO

from anninh.reports.model import Report
from anninh.reports.masking import mask_for_publication
from anninh.reports.texts import ReportsContent
from anninh.reports.timeutil import fmt_vn, iso_utc, to_vn, utcnow, vn_month

BASE_FIELDS = ["code", "kind", "status", "unit", "unit_source", "assigned_to", "received_at",
               "updated_at", "closed_at", "channel", "anonymous", "description", "place_text",
               "latitude", "longitude", "incident_time_text", "attachments", "attachments_stored",
               "published_result", "published_at"]
CONTACT_FIELDS = ["contact_name", "contact_phone", "oa_id", "sender_id"]


def _vn_iso(dt: Any) -> Optional[str]:
    v = to_vn(dt)
    return v.isoformat() if v else None


def report_to_dict(report: Report, *, include_contact: bool = False,
                   content: Optional[ReportsContent] = None) -> Dict[str, Any]:
    d: Dict[str, Any] = {
        "code": report.code, "kind": report.kind, "status": report.status, "unit": report.unit,
        "unit_source": report.unit_source, "assigned_to": report.assigned_to,
        "received_at": _vn_iso(report.created_at), "updated_at": _vn_iso(report.updated_at),
        "closed_at": _vn_iso(report.closed_at), "channel": report.channel,
        "anonymous": report.anonymous, "description": report.description,
        "place_text": report.place_text, "latitude": report.latitude, "longitude": report.longitude,
        "incident_time_text": report.incident_time_text, "attachments": len(report.attachments),
        "attachments_stored": sum(1 for a in report.attachments if a.status == "stored"),
        "published_result": report.published_result, "published_at": _vn_iso(report.published_at),
    }
    if content is not None:
        d["kind_label"] = content.kind_title(report.kind)
        d["status_label"] = content.status_label(report.status)
    if include_contact:
        d.update(contact_name=report.contact_name, contact_phone=report.contact_phone,
                 oa_id=report.oa_id, sender_id=report.sender_id)
    return d


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(reports: Iterable[Report], out: TextIO, *, include_contact: bool = False) -> int:
    fields = BASE_FIELDS + (CONTACT_FIELDS if include_contact else [])
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    n = 0
    for r in reports:
        writer.writerow({k: _csv_cell(v) for k, v in report_to_dict(r, include_contact=include_contact).items()})
        n += 1
    return n


def write_json(reports: Iterable[Report], out: TextIO, *, include_contact: bool = False,
               content: Optional[ReportsContent] = None) -> int:
    items = [report_to_dict(r, include_contact=include_contact, content=content) for r in reports]
    json.dump({"generated_at": iso_utc(utcnow()), "count": len(items), "reports": items}, out,
              ensure_ascii=False, indent=2)
    out.write("\n")
    return len(items)


def atomic_write_text(path: "str | Path", text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename (all or nothing)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def export_reports(reports: Sequence[Report], fmt: str, *, include_contact: bool = False,
                   content: Optional[ReportsContent] = None) -> str:
    """The export as text (``fmt``: csv or json). CSV text starts with a BOM."""
    buf = io.StringIO()
    if fmt == "csv":
        buf.write("\ufeff")
        write_csv(reports, buf, include_contact=include_contact)
    elif fmt == "json":
        write_json(reports, buf, include_contact=include_contact, content=content)
    else:
        raise ValueError(f"unknown export format {fmt!r} (csv or json)")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# public site
def public_entries(reports: Iterable[Report], content: ReportsContent) -> List[Dict[str, str]]:
    """The anonymised records of the public site and the chat's list, newest month first. Only
    the published result (the outcome) is used, never the description, place or contact of a
    report. The result was masked when it was published; it is masked again here as a safety net
    (results stored before masking existed, or edited in the database)."""
    entries = []
    for r in reports:
        if not r.published_result:
            continue
        entries.append({
            "month": vn_month(r.created_at),
            "kind": r.kind,
            "kind_label": content.kind_title(r.kind),
            "unit": r.unit or content.default_unit or content.signature,
            "summary": mask_for_publication(r.published_result),
        })
    # Sorted on the published fields only, so the order says nothing about submission order.
    entries.sort(key=lambda e: (e["month"], e["unit"], e["kind"], e["summary"]), reverse=True)
    return entries


def render_site_html(entries: Sequence[Dict[str, str]], content: ReportsContent, generated_at: str) -> str:
    site = content.site
    e = html.escape
    rows = []
    for item in entries:
        y, m = item["month"].split("-")
        rows.append(f"<tr><td>{e(m)}/{e(y)}</td><td>{e(item['kind_label'])}</td>"
                    f"<td>{e(item['unit'])}</td><td>{e(item['summary'])}</td></tr>")
    body = ("<table>\n<thead><tr>"
            f"<th>{e(site['column_month'])}</th><th>{e(site['column_kind'])}</th>"
            f"<th>{e(site['column_unit'])}</th><th>{e(site['column_summary'])}</th>"
            "</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>") if rows else \
        f"<p class=\"empty\">{e(site['empty'])}</p>"
    intro = " ".join(site["intro"].format(signature=content.signature, generated_at=generated_at).split())
    return f"""<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(site['title'])}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:1.5rem auto;max-width:60rem;padding:0 1rem;color:#1a1a1a}}
h1{{font-size:1.4rem;color:#7a0b0b}}
table{{border-collapse:collapse;width:100%}}
th,td{{border:1px solid #ccc;padding:.45rem;text-align:left;vertical-align:top}}
th{{background:#f3f3f3}}
</style>
</head>
<body>
<h1>{e(site['title'])}</h1>
<p>{e(intro)}</p>
{body}
<p><a href="results.json">results.json</a></p>
</body>
</html>
"""


def build_public_site(reports: Iterable[Report], out_dir: "str | Path", content: ReportsContent) -> Dict[str, Any]:
    """Write ``index.html`` and ``results.json`` into ``out_dir``; returns a summary."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} exists and is not a directory")
    entries = public_entries(reports, content)
    now = utcnow()
    generated_vn = fmt_vn(now)
    data = {"title": content.site["title"], "publisher": content.signature,
            "generated_at": iso_utc(now), "count": len(entries),
            "results": [{k: item[k] for k in ("month", "kind", "kind_label", "unit", "summary")}
                        for item in entries]}
    json_text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    html_text = render_site_html(entries, content, generated_vn)
    atomic_write_text(out_dir / "results.json", json_text)
    atomic_write_text(out_dir / "index.html", html_text)
    return {"count": len(entries), "dir": str(out_dir)}
