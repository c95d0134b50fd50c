"""The officer CLI end to end (``python -m anninh.officer`` in subprocesses), and bad input to
every command (exit code 2, clear message on stderr, nothing changed, nothing written)."""
import contextlib
import csv
import io
import json
import os
import subprocess
from typing import List, Optional

import pytest

from anninh.reports.migrations import LATEST_VERSION
from aiohttp import web

from anninh import officer
from anninh.officer.common import cli_actor
from anninh.reports.model import AttachmentIn, NewReport

from . import fakezalo
from .helpers import DEFAULT_UNIT, popen_cli, run_cli, snapshot
from .httpserver import LocalServer

NOTIFIER = "zalo:tests.reports.fakezalo:send_text"
JPEG = b"\xff\xd8\xff\xe0" + b"x" * 500
ME = cli_actor()  # "cli:<OS user>": the subprocesses run as the same user


@pytest.fixture(scope="module")
def zalo():
    received: list = []

    def setup(app):
        fakezalo.setup_zalo_app(app, received)

        async def photo(request):
            return web.Response(body=JPEG, content_type="image/jpeg")
        app.router.add_get("/photo.jpg", photo)

    with LocalServer(setup) as srv:
        srv.received = received
        yield srv


def run_inprocess(args: List[str], env_extra: Optional[dict] = None) -> subprocess.CompletedProcess:
    """``officer.main(args)`` in this process, with the same environment rules as ``run_cli``."""
    saved = dict(os.environ)
    for k in ("REPORTS_DB_URL", "REPORTS_DB_SCHEMA", "OFFICER_NAME", "REPORTS_NOTIFIER",
              *[k for k in os.environ if k.startswith("ZALO_")]):
        os.environ.pop(k, None)
    os.environ.update(env_extra or {})
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = officer.main(args)
            except SystemExit as exc:  # argparse
                rc = exc.code
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(args, rc, out.getvalue(), err.getvalue())


def seed(db, zalo):
    store = db.store(migrate_first=False)
    tg = store.create_report(NewReport(
        kind="to_giac", description="Trộm 2 con trâu của gia đình tôi", place_text="xóm Nà Vạ, xã Hà Quảng",
        incident_time_text="đêm 12/3", contact_name="Nông Văn Dền", contact_phone="0912345678",
        oa_id="oa-1", sender_id="user-active", attachments=[AttachmentIn(zalo.url("/photo.jpg"), "image")])).code
    pa = store.create_report(NewReport(
        kind="phan_anh", description="Karaoke ồn ào sau 23 giờ", place_text="tổ 5 phường Thục Phán",
        oa_id="oa-1", sender_id="user-silent", unit="Công an phường Thục Phán")).code
    kn = store.create_report(NewReport(kind="kien_nghi", description="Đề nghị lắp đèn đường",
                                       oa_id="oa-1", sender_id="user-3")).code
    store.close()
    return tg, pa, kn


def test_officer_cli_end_to_end(db, zalo, tmp_path):
    """Real subprocesses for the main steps (on SQLite nearly all, the read-only ones several at
    once; on PostgreSQL those marked ``sub=True``); the others run ``officer.main`` in-process
    (same code path) to keep the suite fast."""
    base_env = {"FAKE_ZALO_URL": zalo.url()}

    def ok(*args, env=None, sub=False, inproc=False):
        env = {**base_env, **(env or {})}
        argv = db.cli_args() + list(args)
        use_subprocess = sub or (db.backend == "sqlite" and not inproc)
        res = run_cli(argv, env_extra=env) if use_subprocess else run_inprocess(argv, env)
        assert res.returncode == 0, (args, res.stdout, res.stderr)
        return res

    def ok_parallel(*commands):
        if db.backend != "sqlite":
            return [ok(*c) for c in commands]
        commands, inproc = commands[:-1], commands[-1]  # the last one in-process, meanwhile
        procs = [popen_cli(db.cli_args() + list(c), env_extra=base_env) for c in commands]
        last = ok(*inproc, inproc=True)
        results = []
        for c, p in zip(commands, procs):
            out, err = p.communicate(timeout=60)
            assert p.returncode == 0, (c, out, err)
            results.append(subprocess.CompletedProcess(c, 0, out, err))
        return results + [last]

    assert "applied migrations 1, 2" in ok("migrate", sub=True).stdout
    tg, pa, kn = seed(db, zalo)

    boss = []  # changes are recorded as cli:<OS user>; --officer is accepted and ignored
    res = ok("--officer", "Thượng tá Hoàng Văn Minh", "status", tg, "đang xử lý", "--notifier", NOTIFIER, sub=True)
    assert f"{tg}: received → in_progress" in res.stdout and "sent to the citizen" in res.stdout
    assert f"no longer used; changes are recorded as {ME}" in res.stderr
    assert zalo.received[-1]["user_id"] == "user-active" and tg in zalo.received[-1]["text"]
    res = ok(*boss, "status", pa, "in_progress", "--notifier", NOTIFIER, inproc=True)
    assert "error -230" in res.stderr  # refused by Zalo, the change itself is done
    ok("assign", tg, "Trung úy Lục Thị Mai", "--note", "xác minh", env={"OFFICER_NAME": "Đại úy Nam"}, inproc=True)
    ok("status", tg, "resolved", env={"OFFICER_NAME": "Đại úy Nam", "REPORTS_NOTIFIER": NOTIFIER}, sub=True)
    ok(*boss, "publish", tg, "Đã xác minh, bắt giữ đối tượng và trả lại tài sản cho người bị hại.",
       "--notifier", NOTIFIER)
    assert "kết quả giải quyết" in zalo.received[-1]["text"]
    ok(*boss, "status", pa, "not_competent", "--note", "Thuộc thẩm quyền UBND phường", "--no-notify", inproc=True)

    out_csv, out_json, site = tmp_path / "export.csv", tmp_path / "export.json", tmp_path / "site"
    listing, show_pa, show_tg, _, stats_res, site_res, _ = ok_parallel(
        ("list", "--kind", "PA", "--unit", "cong an phuong thuc phan"),
        ("show", pa),
        ("show", tg, "--json"),
        ("export", "--format", "csv", "-o", str(out_csv)),
        ("stats", "--json"),
        ("publish-site", "-o", str(site)),
        ("export", "--with-contact", "--status", "resolved", "-o", str(out_json)),  # in-process
    )
    assert pa in listing.stdout and tg not in listing.stdout and kn not in listing.stdout
    show = show_pa.stdout
    assert "mã lỗi / error -230" in show and "Không thuộc thẩm quyền" in show
    assert "Thuộc thẩm quyền UBND phường" in show and ME in show and "Thượng tá" not in show
    data = json.loads(show_tg.stdout)
    assert data["status"] == "resolved" and data["assigned_to"] == "Trung úy Lục Thị Mai"
    assert data["contact_phone"] == "0912345678"
    assert [(a["action"], a["actor"]) for a in data["audit"]] == [
        ("created", "citizen"), ("status", ME), ("notify", ME), ("assigned", ME), ("status", ME), ("notify", ME),
        ("published", ME), ("notify", ME)]
    assert all(a["new"] == "ok" for a in data["audit"] if a["action"] == "notify")

    raw = out_csv.read_text(encoding="utf-8")
    assert raw.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(raw.lstrip("\ufeff"))))
    assert sorted(r["code"] for r in rows) == sorted([tg, pa, kn])
    assert "contact_phone" not in rows[0] and "0912345678" not in raw and "Nông Văn Dền" not in raw
    exported = json.loads(out_json.read_text(encoding="utf-8"))
    assert [r["code"] for r in exported["reports"]] == [tg] and exported["reports"][0]["contact_phone"] == "0912345678"

    by_unit = {s["unit"]: s for s in json.loads(stats_res.stdout)}
    assert by_unit[DEFAULT_UNIT]["received"] == 2 and by_unit[DEFAULT_UNIT]["handled"] == 1
    assert by_unit["Công an phường Thục Phán"]["handled_by_status"] == {"not_competent": 1}
    assert by_unit[DEFAULT_UNIT]["median_handling_days"] is not None

    assert "published 1 result(s)" in site_res.stdout
    if db.backend != "sqlite":
        assert ok("show", pa, sub=True).stdout == show  # one read in a real process on PostgreSQL
    html = (site / "index.html").read_text(encoding="utf-8")
    public = json.loads((site / "results.json").read_text(encoding="utf-8"))
    assert [set(r) for r in public["results"]] == [{"month", "kind", "kind_label", "unit", "summary"}]
    assert public["results"][0]["summary"].startswith("Đã xác minh, bắt giữ")
    for secret in ("Nông Văn Dền", "0912345678", "Nà Vạ", "user-active", "oa-1", tg, pa, kn,
                   "Trộm 2 con trâu", "Trung úy Lục Thị Mai"):
        assert secret not in html and secret not in json.dumps(public, ensure_ascii=False), secret
    assert "Đã xác minh, bắt giữ đối tượng" in html and '<html lang="vi">' in html

    refused = ok("fetch-attachments", "--dir", str(tmp_path / "att")).stdout  # 127.0.0.1: never by default
    assert f"{tg} #1: rejected (host 127.0.0.1 is not an allowed attachment host)" in refused
    store = db.store(migrate_first=False)
    [att] = store.get(tg).attachments
    store.record_attachment_result(att.id, status="retry", error="test: try again")  # as if transient
    store.close()
    fetched = ok("fetch-attachments", "--dir", str(tmp_path / "att"),
                 env={"REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW": f"127.0.0.1:{zalo.port}"}).stdout
    assert f"{tg} #1: stored" in fetched
    assert len(list((tmp_path / "att").rglob("*.jpg"))) == 1


# ---------------------------------------------------------------------------------------------
def _bad_cases(tg_new, tg_closed, tmp):
    """(argv, env, expected message fragment). Every one must exit 2 and change nothing."""
    officer_env = {"OFFICER_NAME": "Đại úy Nam"}
    existing_file = tmp / "a-file.txt"
    existing_file.write_text("x", encoding="utf-8")
    broken_content = tmp / "broken.yml"
    broken_content.write_text("signature: [unclosed\n", encoding="utf-8")
    result_file_missing = str(tmp / "no-such-result.txt")
    return [
        # global / argparse
        ([], {}, "required"),
        (["frobnicate"], {}, "invalid choice"),
        # migrate
        (["migrate", "--to", "0"], {}, "at least 1"),
        (["migrate", "--to", "99"], {}, "unknown schema version"),
        # list
        (["list", "--status", "done-ish"], {}, "unknown status"),
        (["list", "--kind", "trộm"], {}, "unknown kind"),
        (["list", "--from", "2026-13-01"], {}, "invalid date"),
        (["list", "--from", "2026-03-02", "--to", "2026-03-01"], {}, "after"),
        (["list", "--unit", "Công an sao Hỏa"], {}, "unknown unit"),
        (["list", "--limit", "0"], {}, "limit"),
        (["list", "--limit", "many"], {}, "invalid int"),
        # show
        (["show", "hello"], {}, "not a ticket code"),
        (["show", "TG-2001-000001"], {}, "no report"),
        (["show"], {}, "required"),
        # assign
        (["assign", "TG-2001-000001", "Mai"], officer_env, "no report"),
        (["assign", tg_closed, "Mai"], officer_env, "closed"),
        (["assign", tg_new, "   "], officer_env, "assignee"),
        # status
        (["status", tg_new, "finished"], officer_env, "unknown status"),
        (["status", tg_new, "resolved"], officer_env, "cannot change status from received to resolved"),
        (["status", tg_new, "received"], officer_env, "already received"),
        (["status", tg_new, "transferred"], officer_env, "note is required"),
        (["status", tg_closed, "in_progress"], officer_env, "closed"),
        (["status", tg_new, "in_progress", "--notifier", "zalo:no.such.module:send"], officer_env, "--notifier"),
        (["status", tg_new, "in_progress", "--notifier", "carrier-pigeon"], officer_env, "--notifier"),
        (["status", "TG-2001-000001", "in_progress"], officer_env, "no report"),
        # publish
        (["publish", tg_new, "Đã xử lý xong."], officer_env, "publish a result once"),
        (["publish", tg_closed, "Gọi 0912 345 678 để nhận lại tài sản"], officer_env, "phone or ID"),
        (["publish", tg_closed, "Anh Nông Văn Dền đã nhận lại tài sản"], officer_env, "name"),
        (["publish", tg_closed, "   "], officer_env, "empty"),
        (["publish", tg_closed], officer_env, "either"),
        (["publish", tg_closed, "x", "--file", str(existing_file)], officer_env, "either"),
        (["publish", tg_closed, "--file", result_file_missing], officer_env, "cannot read"),
        # notify
        (["notify", "TG-2001-000001"], officer_env, "no report"),
        (["notify", tg_new, "--notifier", "factory:os:getcwd"], officer_env, "notify"),
        # reply
        (["reply", tg_new], officer_env, "--text"),
        (["reply", tg_new, "--text", "a", "--file", str(existing_file)], officer_env, "not both"),
        (["reply", tg_new, "--text", " \n "], officer_env, "empty"),
        (["reply", tg_new, "--text", "x" * 2001], officer_env, "2000"),
        (["reply", tg_new, "--file", result_file_missing], officer_env, "cannot read"),
        (["reply", "TG-2001-000001", "--text", "Dạ"], officer_env, "no report"),
        (["reply", tg_new, "--text", "Dạ", "--notifier", "sms:x:y"], officer_env, "notifier"),
        # export
        (["export", "--format", "xml"], {}, "invalid choice"),
        (["export", "-o", str(tmp)], {}, "is a directory"),
        (["export", "--to", "yesterday"], {}, "invalid date"),
        (["export", "--kind", "nothing"], {}, "unknown kind"),
        # stats
        (["stats", "--from", "32/01/2026"], {}, "invalid date"),
        (["stats", "--unit", "không có"], {}, "unknown unit"),
        # publish-site
        (["publish-site"], {}, "required"),
        (["publish-site", "-o", str(existing_file)], {}, "not a directory"),
        (["publish-site", "-o", str(tmp / "site"), "--unit", "không có"], {}, "unknown unit"),
        # fetch-attachments
        (["fetch-attachments", "--max-mb", "0"], {}, "--max-mb"),
        (["fetch-attachments", "--timeout", "-1"], {}, "--timeout"),
        (["fetch-attachments", "--limit", "0"], {}, "--limit"),
        (["fetch-attachments"], {"REPORTS_ATTACHMENT_MAX_MB": "lots"}, "REPORTS_ATTACHMENT_MAX_MB"),
        (["fetch-attachments", "--code", "TG-2001-000001"], {}, "no report"),
        # handoff
        (["handoff"], {}, "required"),
        (["handoff", "list", "--status", "maybe"], {}, "invalid choice"),
        (["handoff", "show", "999"], {}, "no handoff request"),
        (["handoff", "show", "abc"], {}, "invalid int"),
        (["handoff", "close", "999"], officer_env, "no handoff request"),
        # transfer, note
        (["transfer", tg_new, "--to", "Công an sao Hỏa", "--reason", "x"], {}, "unknown unit"),
        (["transfer", tg_new, "--to", "Bảo", "--reason", "x"], {}, "ambiguous"),
        (["transfer", tg_new, "--to", "Bảo Lâm"], {}, "required"),
        (["transfer", tg_new, "--to", "Bảo Lâm", "--reason", "  "], {}, "reason"),
        (["transfer", tg_new, "--to", "cong_an_tinh", "--reason", "x"], {}, "already"),
        (["transfer", tg_closed, "--to", "Bảo Lâm", "--reason", "x"], {}, "closed"),
        (["transfer", "TG-2001-000001", "--to", "Bảo Lâm", "--reason", "x"], {}, "no report"),
        (["note", tg_new, "--text", "   "], {}, "empty"),
        (["note", tg_new], {}, "required"),
        (["note", "TG-2001-000001", "--text", "x"], {}, "no report"),
        # accounts (standard input is no terminal here)
        (["create-admin"], {}, "--password-stdin"),
        (["create-admin", "--unit", "không có"], {}, "unknown unit"),
        (["accounts"], {}, "required"),
        (["accounts", "create", "x.y", "--name", "A", "--unit", "không có", "--role", "officer"], {}, "unknown unit"),
        (["accounts", "create", "x.y", "--name", "A", "--unit", "ca_bao_lam", "--role", "boss"], {}, "invalid choice"),
        (["accounts", "create", "x.y", "--name", "A", "--unit", "ca_bao_lam", "--role", "officer"], {}, "--password-stdin"),
        (["accounts", "disable", "nobody"], {}, "no account"),
        (["accounts", "set-password", "nobody"], {}, "no account"),
        (["accounts", "list", "--unit", "không có"], {}, "unknown unit"),
        # check-content
        (["check-content", "--content", str(broken_content)], {}, "YAML"),
        (["list", "--content", str(tmp / "missing.yml")], {}, "không tìm thấy"),
    ]


def test_bad_input_to_every_command(db, tmp_path):
    store = db.store()
    tg_new = store.create_report(NewReport(kind="to_giac", description="x", sender_id="u1",
                                           contact_name="Nông Văn Dền")).code
    tg_closed = store.create_report(NewReport(kind="to_giac", description="y", sender_id="u2",
                                              contact_name="Nông Văn Dền")).code
    store.transition(tg_closed, "in_progress", actor="A")
    store.transition(tg_closed, "resolved", actor="A")
    before = snapshot(store.engine)
    cases = _bad_cases(tg_new, tg_closed, tmp_path)
    files_before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    commands_seen = set()
    for argv, env, fragment in cases:
        res = run_inprocess(db.cli_args() + argv, env)
        assert res.returncode == 2, (argv, res.stdout, res.stderr)
        assert fragment in res.stderr, (argv, res.stderr)
        assert "Traceback" not in res.stderr, (argv, res.stderr)
        assert res.stdout == "" or "usage" in res.stdout.lower(), (argv, res.stdout)
        assert snapshot(store.engine) == before, argv
        if argv:
            commands_seen.add(argv[0])
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == files_before  # nothing written
    all_commands = {a.dest for a in officer.build_parser()._subparsers._group_actions[0]._choices_actions}
    assert all_commands <= commands_seen, all_commands - commands_seen
    store.close()


def test_bad_input_in_real_subprocesses(tmp_path):
    db_file = tmp_path / "r.db"
    url = f"sqlite:///{db_file}"
    res = run_cli(["--db", url, "list"])
    assert res.returncode == 2 and "does not exist" in res.stderr and not db_file.exists()
    assert run_inprocess(["--db", url, "migrate"]).returncode == 0
    res = run_cli(["--db", url, "status", "TG-2026-000001", "resolvd", "--officer", "A"])
    assert res.returncode == 2 and "unknown status 'resolvd'" in res.stderr
    res = run_cli(["--db", "postgresql://nobody@127.0.0.1:1/none", "list"])
    assert res.returncode == 2 and "cannot use the database" in res.stderr and "Traceback" not in res.stderr


def test_unmigrated_and_future_databases_are_refused(db):
    res = run_inprocess(db.cli_args() + ["list"])
    if db.backend == "sqlite":
        assert res.returncode == 2 and "does not exist" in res.stderr
        db.engine().connect().close()  # an empty file
        res = run_inprocess(db.cli_args() + ["list"])
    assert res.returncode == 2 and "migrate" in res.stderr
    assert run_inprocess(db.cli_args() + ["migrate", "--to", "1"]).returncode == 0
    res = run_inprocess(db.cli_args() + ["list"])
    assert res.returncode == 2 and "schema version 1" in res.stderr
    res = run_inprocess(db.cli_args() + ["migrate", "--status"])
    assert res.returncode == 0 and "schema version: 1" in res.stdout
    assert f"schema version is now {LATEST_VERSION}" in run_inprocess(db.cli_args() + ["migrate"]).stdout
    assert "nothing to do" in run_inprocess(db.cli_args() + ["migrate"]).stdout


def test_check_content_ok():
    res = run_inprocess(["check-content"])
    assert res.returncode == 0 and "OK" in res.stdout
