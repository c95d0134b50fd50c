"""The chat's list of recently published results (action_check_report_status for a sender with no
report of their own) shows only masked outcomes: never a name, address, number or the content of
a report. Real action, real SQLite file."""
from sqlalchemy import update

import actions.reports as reports
from actions.report_status import ActionCheckReportStatus
from anninh.reports.model import NewReport
from anninh.reports.schema import reports as reports_t
from tests.test_report_actions import database, run, tracker  # noqa: F401 - fixture


def test_published_list_in_the_chat_is_masked(database):  # noqa: F811
    store = reports.store()
    code = store.create_report(NewReport(kind="to_giac", sender_id="oa1:someone", contact_name="Lục Thị Mai",
                                         description="Ông Bế Văn Thắng ở xóm Nà Pầu bán ma túy cho học sinh",
                                         place_text="xóm Nà Pầu, xã Hòa An")).code
    store.transition(code, "in_progress", actor="A")
    store.transition(code, "resolved", actor="A")
    store.publish_result(code, "Công an xã Hòa An đã bắt quả tang Bế Văn Thắng ở Nà Pầu, thu 0,5 gam "
                               "heroin; cảm ơn chị Mai đã báo tin.", actor="A")
    other = store.create_report(NewReport(kind="tin_bao", sender_id="oa1:other", description="x")).code
    store.transition(other, "in_progress", actor="A")
    store.transition(other, "resolved", actor="A")
    with store.engine.begin() as conn:  # a result stored before masking existed
        conn.execute(update(reports_t).where(reports_t.c.code == other).values(
            published_result="Đã trả lại xe 11A-123.45 cho anh Giàng A Páo, số 12 ngõ 5."))

    messages, _ = run(ActionCheckReportStatus(), tracker("tra cứu kết quả", sender="oa1:newcomer"))
    text = "\n".join(m["text"] for m in messages)
    assert "Công an xã Hòa An đã bắt quả tang [họ tên] ở [địa chỉ], thu 0,5 gam heroin; " \
           "cảm ơn chị [họ tên] đã báo tin." in text
    assert "Đã trả lại xe [biển số] cho anh [họ tên], [địa chỉ]." in text
    for secret in ("Bế Văn Thắng", "Nà Pầu", "Mai", "bán ma túy cho học sinh", "11A", "Páo", "ngõ 5", code, other):
        assert secret not in text
