"""The folded text the console searches in: code, description and place, lower case without
diacritics ("Trộm trâu" -> "trom trau"), so a search typed without accents finds them too.
Stored in ``reports.search_text`` when a report is created (and by revision 0004 for older ones).

The search itself is a LIKE over that column (exact: any substring). On SQLite, revision 0005 adds
``reports_fts``, an FTS5 trigram index over it: ``sqlite_candidates`` uses it to narrow a search
for a rare string to the few reports containing it (the LIKE then checks them), instead of
reading 100,000 rows; a common string is left to the date index, where a page fills at once."""
from __future__ import annotations

from typing import Any, Optional

from sqlalchemy import column, select, table, text
from sqlalchemy.engine import Connection

from anninh.text import fold


def search_text(code: Optional[str], description: Optional[str], place_text: Optional[str]) -> str:
    return fold(" ".join(x for x in (code, description, place_text) if x))


def search_pattern(query: str) -> str:
    """A LIKE pattern (escape character ``\\``) for the folded query, spaces squeezed."""
    q = fold(" ".join(query.split()))
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# More matches than this: the string is common, walking the newest reports fills a page sooner
# than sorting every match (bench/console_bench.py: 100,000 reports).
DENSE_MATCHES = 5000


def sqlite_candidates(conn: Connection, query: str, id_column: Any) -> Optional[Any]:
    """A condition ``id_column IN (ids of the reports whose search text contains the folded
    query)`` from the trigram index, or None when the index does not help: a query shorter than
    a trigram, or one matching more than ``DENSE_MATCHES`` reports."""
    q = fold(" ".join(query.split()))
    if len(q) < 3:
        return None
    phrase = '"' + q.replace('"', '""') + '"'  # an FTS5 string: the trigram index matches substrings
    match = text("reports_fts MATCH :fts_phrase").bindparams(fts_phrase=phrase)
    fts = table("reports_fts", column("rowid"))
    n = conn.execute(select(text("count(*)")).select_from(
        select(fts.c.rowid).where(match).limit(DENSE_MATCHES + 1).subquery())).scalar_one()
    if n > DENSE_MATCHES:
        return None
    return id_column.in_(select(fts.c.rowid).where(match))
