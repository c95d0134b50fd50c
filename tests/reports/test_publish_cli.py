"""``officer publish``: the officer sees the masked text and publishes it only once confirmed
(--yes or an interactive yes); what is stored, sent and put on the site is the masked text.
Real CLI processes against SQLite and PostgreSQL."""
import json
import os
import subprocess
import sys

from anninh import PROJECT_ROOT
from anninh.reports.model import NewReport

from .helpers import snapshot

TEXT = ("Công an xã Hòa An đã bắt giữ Bế Văn Thắng tại số 12 ngõ 5, xóm Nà Pầu; trả lại xe 11A-123.45 "
        "cho anh Dền, liên hệ 0912 345 678.")
MASKED = ("Công an xã Hòa An đã bắt giữ [họ tên] tại [địa chỉ]; trả lại xe [biển số] "
          "cho anh [họ tên], liên hệ [số điện thoại].")


def _cli(db, *args, tty_answer=None):
    env = {k: v for k, v in os.environ.items() if k not in ("REPORTS_DB_URL", "REPORTS_DB_SCHEMA", "REPORTS_NOTIFIER")}
    env.update(PYTHONPATH=str(PROJECT_ROOT), PYTHONIOENCODING="utf-8", OFFICER_NAME="Đại úy Nam")
    argv = [sys.executable, "-m", "anninh.officer", *db.cli_args(), *args]
    if tty_answer is None:
        return subprocess.run(argv, cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, encoding="utf-8", timeout=120)
    master, slave = os.openpty()  # a terminal on standard input: the CLI asks
    try:
        proc = subprocess.Popen(argv, cwd=PROJECT_ROOT, env=env, stdin=slave, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, encoding="utf-8")
        os.write(master, (tty_answer + "\n").encode("utf-8"))
        out, err = proc.communicate(timeout=120)
    finally:
        os.close(master)
        os.close(slave)
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def _closed_report(store):
    code = store.create_report(NewReport(kind="to_giac", description="Có người trộm xe máy của tôi",
                                         place_text="xóm Nà Pầu, xã Hòa An", contact_name="Nông Văn Dền",
                                         contact_phone="0912345678", sender_id="u1")).code
    store.transition(code, "in_progress", actor="A")
    store.transition(code, "resolved", actor="A")
    return code


def test_publish_shows_the_masked_text_and_waits_for_a_yes(db, tmp_path):
    store = db.store()
    code = _closed_report(store)
    before = snapshot(store.engine)

    shown = _cli(db, "publish", code, "--text", TEXT, "--no-notify")  # no terminal, no --yes
    assert shown.returncode == 3, shown.stderr
    assert MASKED in shown.stdout and "not published" in shown.stderr
    assert "[họ tên] Bế Văn Thắng" in shown.stdout  # the officer sees what was masked
    declined = _cli(db, "publish", code, "--text", TEXT, "--no-notify", tty_answer="không")
    assert declined.returncode == 3 and "[có/không]" in declined.stdout
    assert snapshot(store.engine) == before  # nothing published, nothing audited

    accepted = _cli(db, "publish", code, "--text", TEXT, "--no-notify", tty_answer="có")
    assert accepted.returncode == 0, accepted.stderr
    assert "result published" in accepted.stdout
    assert store.get(code).published_result == MASKED

    again = _cli(db, "publish", code, "--text", "Đã trả xe cho chủ xe Nông Văn Dền.", "--yes", "--no-notify")
    assert again.returncode == 0, again.stderr
    assert store.get(code).published_result == "Đã trả xe cho chủ xe [họ tên]."
    trail = [e for e in store.audit_trail(code) if e.action == "published"]
    assert [e.new_value for e in trail] == [MASKED, "Đã trả xe cho chủ xe [họ tên]."]

    site = _cli(db, "publish-site", "-o", str(tmp_path / "site"))
    assert site.returncode == 0, site.stderr
    public = (tmp_path / "site" / "results.json").read_text(encoding="utf-8")
    assert json.loads(public)["results"][0]["summary"] == "Đã trả xe cho chủ xe [họ tên]."
    for secret in ("Nông Văn Dền", "Bế Văn Thắng", "Nà Pầu", "0912", "trộm xe máy của tôi", code):
        assert secret not in public
    store.close()


def test_publish_refuses_a_text_that_repeats_the_report(db):
    store = db.store()
    code = store.create_report(NewReport(kind="tin_bao", sender_id="u1",
                                         description="Tối nay ở nhà văn hóa có một nhóm thanh niên tụ tập "
                                                     "đánh bạc ăn tiền đến khuya")).code
    store.transition(code, "in_progress", actor="A")
    store.transition(code, "resolved", actor="A")
    before = snapshot(store.engine)
    res = _cli(db, "publish", code, "--text", "Xác minh: có một nhóm thanh niên tụ tập đánh bạc ăn tiền "
                                               "đến khuya; đã xử phạt.", "--yes")
    assert res.returncode == 2 and "repeats the report's content" in res.stderr
    assert snapshot(store.engine) == before
    store.close()
