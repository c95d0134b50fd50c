"""Revision 0005's text indexes: the console's search stays an exact, accent-free substring search
while an index finds rare strings (SQLite: FTS5 trigram table kept by triggers; PostgreSQL: GIN
trigram index used by the planner for LIKE)."""
from sqlalchemy import text, update

from anninh.reports import NewReport
from anninh.reports.schema import POSTGRESQL_TEXT_INDEX, reports as reports_t
from anninh.reports.search import search_text


def make(store, description, place=None):
    return store.create_report(NewReport(kind="tin_bao", description=description, place_text=place,
                                         unit="Công an xã Bảo Lâm", sender_id="u1")).code


def found(store, q):
    return sorted(r.code for r in store.list_reports(text=q))


def test_search_through_the_index_is_exact_and_follows_changes(store, db):
    a = make(store, "Trộm TRÂU ở bản Nà Vạ", place="xóm Nà Vạ")
    b = make(store, "Karaoke ồn ào sau 23 giờ, giảm giá 100%")
    c = make(store, "Xe tải chở gỗ lậu qua đèo")
    assert found(store, "trau") == [a]  # no accents, any case
    assert found(store, "rau o ban") == [a]  # any substring, across words
    assert found(store, "100%") == [b] and found(store, "100%x") == []  # wildcards are literal
    assert found(store, "go lau") == [c] and found(store, "xe tai cho go lau qua deo") == [c]
    assert found(store, b.lower()) == [b]  # the code
    assert found(store, "khong co tu nay") == []
    assert found(store, "la") == sorted([c])  # shorter than a trigram: a scan
    # The index follows a changed search text (trigger on SQLite, GIN on PostgreSQL).
    with store.engine.begin() as conn:
        conn.execute(update(reports_t).where(reports_t.c.code == c).values(
            description="Chặt phá rừng phòng hộ", search_text=search_text(c, "Chặt phá rừng phòng hộ", None)))
    assert found(store, "go lau") == [] and found(store, "rung phong ho") == [c]
    if db.backend == "sqlite":
        with store.engine.connect() as conn:
            ids = conn.execute(text("SELECT rowid FROM reports_fts WHERE reports_fts MATCH '\"phong ho\"'")).all()
        assert len(ids) == 1
    else:
        with store.engine.connect() as conn:
            conn.execute(text("SET enable_seqscan = off"))  # a tiny table: make the planner show its index
            plan = "\n".join(r[0] for r in conn.execute(text(
                "EXPLAIN SELECT id FROM reports WHERE search_text LIKE '%phong ho%'")))
        assert POSTGRESQL_TEXT_INDEX in plan
