"""The command-line tool's console commands in real subprocesses: create-admin and accounts
(passwords from standard input or typed twice on a terminal, never shown), transfer and note,
all recorded as cli:<OS user>."""
import json
import os
import pty
import select
import subprocess
import sys
import time

from anninh import PROJECT_ROOT
from anninh.officer.common import cli_actor
from anninh.reports.accounts import AccountStore
from anninh.reports.model import NewReport

from .helpers import run_cli

ME = cli_actor()
PW_ADMIN = "Mật-khẩu-quản-trị-2026"
PW_OFFICER = "can bo xa bao lam 01"


def test_accounts_commands(db):
    cli = db.cli_args()
    assert run_cli(cli + ["migrate"]).returncode == 0
    res = run_cli(cli + ["create-admin", "--password-stdin"], input=PW_ADMIN + "\n")
    assert res.returncode == 0, res.stderr
    assert "admin (Công an tỉnh Cao Bằng)" in res.stdout and PW_ADMIN not in res.stdout + res.stderr
    res = run_cli(cli + ["create-admin", "--username", "admin2", "--password-stdin"], input=PW_ADMIN + "\n")
    assert res.returncode == 2 and "already exists" in res.stderr
    res = run_cli(cli + ["accounts", "create", "nong.van.a", "--name", "Đại úy Nông Văn A", "--unit", "bao lam",
                         "--role", "officer", "--password-stdin"], input="ngắn quá\n")
    assert res.returncode == 2 and "at least 10" in res.stderr and "ngắn quá" not in res.stderr
    res = run_cli(cli + ["accounts", "create", "nong.van.a", "--name", "Đại úy Nông Văn A", "--unit", "bao lam",
                         "--role", "officer", "--password-stdin"], input=PW_OFFICER + "\r\n")
    assert res.returncode == 0 and "Công an xã Bảo Lâm" in res.stdout and PW_OFFICER not in res.stdout
    res = run_cli(cli + ["accounts", "disable", "admin"])
    assert res.returncode == 2 and "last active administrator" in res.stderr
    assert run_cli(cli + ["accounts", "disable", "NONG.VAN.A"]).returncode == 0
    listing = json.loads(run_cli(cli + ["accounts", "list", "--json"]).stdout)
    assert [(a["username"], a["role"], a["unit_id"], a["active"]) for a in listing] == [
        ("admin", "admin", "cong_an_tinh", True), ("nong.van.a", "officer", "ca_bao_lam", False)]
    assert "đã khóa" in run_cli(cli + ["accounts", "list", "--unit", "ca_bao_lam"]).stdout

    engine = db.engine()
    accounts = AccountStore(engine)
    assert accounts.authenticate("admin", PW_ADMIN) is not None
    assert accounts.authenticate("nong.van.a", PW_OFFICER) is None  # disabled
    officer = accounts.by_username("nong.van.a")
    assert [(h.action, h.actor) for h in accounts.history(officer.id)] == [("created", ME), ("updated", ME)]
    engine.dispose()


def test_transfer_and_note(db):
    cli = db.cli_args()
    store = db.store()
    code = store.create_report(NewReport(kind="tin_bao", description="Có người lạ", sender_id="u1")).code
    res = run_cli(cli + ["transfer", code, "--to", "Bảo Lâm", "--reason", "Địa bàn xã Bảo Lâm"])
    assert res.returncode == 0 and "Công an xã Bảo Lâm" in res.stdout, res.stderr
    res = run_cli(cli + ["note", code, "--text", "Đã gọi lại cho người báo tin"])
    assert res.returncode == 0, res.stderr
    show = run_cli(cli + ["show", code]).stdout
    assert "Công an tỉnh Cao Bằng → Công an xã Bảo Lâm" in show and "Đã gọi lại cho người báo tin" in show
    assert "Hạn / due:" in show
    data = json.loads(run_cli(cli + ["show", code, "--json"]).stdout)
    assert data["unit"] == "Công an xã Bảo Lâm" and data["notes"][0]["actor"] == ME and data["due_at"]
    assert [(t.to_unit, t.actor) for t in store.transfers(code)] == [("Công an xã Bảo Lâm", ME)]
    listing = run_cli(cli + ["list", "--text", "CO NGUOI LA", "--unit", "bao lam"]).stdout
    assert code in listing and "(1 tin / reports)" in listing
    assert "không có tin nào" in run_cli(cli + ["list", "--overdue"]).stdout
    store.close()


def _on_terminal(args, answers):
    """Run the CLI with a pseudo-terminal as standard input; type ``answers`` at each prompt.
    Returns (exit code, everything the terminal showed)."""
    master, slave = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.Popen([sys.executable, "-m", "anninh.officer", *args], stdin=slave, stdout=slave,
                            stderr=slave, cwd=PROJECT_ROOT, env=env)
    os.close(slave)
    shown, pending, deadline = b"", list(answers), time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            shown += chunk
            while pending and shown.count(b": ") > len(answers) - len(pending):
                os.write(master, pending.pop(0).encode() + b"\n")
        elif proc.poll() is not None:
            break
    proc.wait(10)
    os.close(master)
    return proc.returncode, shown.decode("utf-8", "replace")


def test_create_admin_prompts_twice_without_echo(sqlite_db):
    cli = sqlite_db.cli_args()
    assert run_cli(cli + ["migrate"]).returncode == 0
    rc, shown = _on_terminal(cli + ["create-admin"], [PW_ADMIN, PW_ADMIN + "x"])
    assert rc == 2 and "differ" in shown and PW_ADMIN not in shown
    rc, shown = _on_terminal(cli + ["create-admin"], [PW_ADMIN, PW_ADMIN])
    assert rc == 0, shown
    assert "Mật khẩu / password" in shown and "Nhập lại / again" in shown and PW_ADMIN not in shown
    engine = sqlite_db.engine()
    assert AccountStore(engine).authenticate("admin", PW_ADMIN) is not None
    engine.dispose()
