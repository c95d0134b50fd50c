"""Fill a migrated reports database with many plausible reports, fast (bulk inserts), for benches.

    from bench.seed_reports import seed
    codes = seed(engine, 100_000)          # returns a few codes per unit to open in benches

Reports are spread over every unit of content/units.yml (most in communes, some at the
province's catch-all), kinds, statuses and the last 400 days; about a third are assigned, some
have an attachment, an internal note or a transfer. Deadlines and search text are set as the
store sets them. Codes continue the counters, so ``create_report`` still works afterwards.
"""
from __future__ import annotations

import random
from datetime import timedelta
from typing import Dict, List

from sqlalchemy import insert, text
from sqlalchemy.engine import Engine

from anninh.reports.codes import KINDS, format_code
from anninh.reports.db import writer
from anninh.reports.schema import attachments, counters, notes, reports
from anninh.reports.search import search_text
from anninh.reports.timeutil import utcnow, vn_year
from anninh.reports.units import all_units

_WHAT = ["Mất trộm xe máy", "Trộm trâu", "Đánh nhau", "Karaoke ồn ào sau 23 giờ", "Có người lạ",
         "Đánh bạc", "Lừa đảo qua mạng", "Buôn bán hàng cấm", "Tai nạn giao thông", "Đường hỏng",
         "Mất trộm tài sản", "Tụ tập gây rối", "Vận chuyển pháo", "Cho vay nặng lãi"]
_WHERE = ["xóm Nà Vạ", "tổ 5", "bản Giốc", "chợ trung tâm", "gần trường tiểu học", "đầu cầu", "ngã ba"]
_DAYS = {"to_giac": 20, "tin_bao": 20, "phan_anh": 30, "kien_nghi": 30}


def seed(engine: Engine, n: int, *, rng_seed: int = 7, batch: int = 5000) -> Dict[str, List[str]]:
    rng = random.Random(rng_seed)
    units = all_units()
    communes = [u for u in units if u.kind == "commune"]
    province = next(u for u in units if u.kind == "province")
    departments = [u for u in units if u.kind == "department"]
    now = utcnow()
    seq: Dict[tuple, int] = {}
    sample: Dict[str, List[str]] = {}
    rows, atts, note_rows = [], [], []
    with writer(engine).begin() as conn:
        start_id = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM reports")).scalar())
        for i in range(n):
            rid = start_id + i + 1
            created = now - timedelta(seconds=rng.randint(0, 400 * 86400))
            kind = rng.choice(KINDS)
            year = vn_year(created)
            seq[(kind, year)] = seq.get((kind, year), 0) + 1
            code = format_code(kind, year, seq[(kind, year)] + 500_000)  # clear of real codes
            r = rng.random()
            u = province if r < 0.10 else (rng.choice(departments) if r < 0.12 else rng.choice(communes))
            unit = u.name
            age = (now - created).days
            status = rng.choice(["resolved", "resolved", "not_competent", "transferred"]) if age > 60 and rng.random() < 0.85 \
                else rng.choice(["received", "in_progress"])
            description = f"{rng.choice(_WHAT)} {rng.choice(_WHAT).lower()} lúc {rng.randint(1, 23)} giờ"
            place = f"{rng.choice(_WHERE)}, {unit.split(' ', 2)[-1]}"
            rows.append({
                "id": rid, "code": code, "kind": kind, "status": status, "description": description,
                "place_text": place, "latitude": None, "longitude": None, "incident_time_text": None,
                "contact_name": None, "contact_phone": None, "anonymous": True, "channel": "zalo",
                "oa_id": None, "sender_id": f"bench-{rng.randint(1, n // 3 + 1)}", "unit": unit,
                "unit_source": "place",
                "assigned_to": f"account:{u.id}.cb{rng.randint(1, 4)}" if rng.random() < 0.35 else None,
                "published_result": None, "published_at": None, "created_at": created,
                "updated_at": created, "closed_at": created + timedelta(days=5) if status in
                ("resolved", "not_competent", "transferred") else None, "idempotency_key": None,
                "due_at": created + timedelta(days=_DAYS[kind]),
                "search_text": search_text(code, description, place)})
            if rng.random() < 0.3:
                atts.append({"report_id": rid, "position": 1, "url": f"https://example.invalid/p/{rid}.jpg",
                             "media_type": "image", "status": "pending", "attempts": 0,
                             "created_at": created, "updated_at": created})
            if rng.random() < 0.1:
                note_rows.append({"report_id": rid, "actor": "account:bench", "text": "Đã xác minh ban đầu",
                                  "created_at": created})
            if len(sample.setdefault(unit, [])) < 5:
                sample[unit].append(code)
            if len(rows) >= batch:
                _flush(conn, rows, atts, note_rows)
        _flush(conn, rows, atts, note_rows)
        for (kind, year), last in seq.items():
            conn.execute(counters.delete().where(counters.c.kind == kind, counters.c.year == year))
            conn.execute(insert(counters).values(kind=kind, year=year, last_seq=last + 500_000))
    if engine.dialect.name == "postgresql" and start_id == 0:
        with engine.connect() as conn:  # the ids were given explicitly: move the sequences on
            for table in ("reports",):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT MAX(id) FROM {table}))"))
            conn.commit()
    with engine.connect() as conn:  # planner statistics, as a maintained database has them
        conn.execute(text("ANALYZE"))
        if engine.dialect.name == "sqlite":  # fold the bulk load's write-ahead log into the file
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        conn.commit()
    return sample


def _flush(conn, rows: list, atts: list, note_rows: list) -> None:
    if rows:
        conn.execute(insert(reports), rows)
    if atts:
        conn.execute(insert(attachments), atts)
    if note_rows:
        conn.execute(insert(notes), note_rows)
    rows.clear()
    atts.clear()
    note_rows.clear()
