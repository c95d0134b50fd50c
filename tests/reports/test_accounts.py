"""Console accounts on SQLite and PostgreSQL: creation rules, Argon2 login, rehash, audit
without secrets, the last administrator, login attempts."""
import json
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import insert, select

from anninh.reports.accounts import ROLES, AccountStore
from anninh.reports.errors import NotFoundError, ValidationError
from anninh.reports.schema import account_audit, accounts, login_attempts
from anninh.reports.timeutil import utcnow

FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
PW = "mật khẩu đủ dài 123"


@pytest.fixture
def acc(store):
    return AccountStore(store.engine, hasher=FAST)


def test_create_and_read(acc):
    a = acc.create("  Nong.Van.A ", PW, display_name="Đại úy Nông Văn A", unit_id="ca_bao_lam",
                   role="officer", actor="cli:root")
    assert (a.username, a.unit_id, a.role, a.active) == ("nong.van.a", "ca_bao_lam", "officer", True)
    assert a.unit_name == "Công an xã Bảo Lâm" and not a.is_admin and a.last_login_at is None
    assert acc.get(a.id) == a and acc.by_username("NONG.VAN.A") == a
    assert acc.get(a.id + 100) is None and acc.by_username("nobody") is None
    b = acc.create("admin1", PW, display_name="Quản trị", unit_id="cong_an_tinh", role="admin", actor="cli:root")
    assert b.is_admin and acc.count_admins() == 1
    assert b.report_units is None and a.report_units == ["Công an xã Bảo Lâm"]
    assert [x.username for x in acc.list()] == ["admin1", "nong.van.a"]
    assert [x.username for x in acc.list(unit_id="ca_bao_lam")] == ["nong.van.a"]
    assert set(ROLES) == {"admin", "unit_head", "officer"}


@pytest.mark.parametrize("kwargs, message", [
    ({"unit_id": "ca_khong_co"}, "unknown unit"),
    ({"role": "boss"}, "unknown role"),
    ({"password": "short9chr"}, "at least 10"),
    ({"username": "a b"}, "username"),
    ({"display_name": "  "}, "display name"),
    ({"actor": ""}, "actor"),
])
def test_create_refuses_bad_input(acc, kwargs, message):
    args = {"username": "can.bo", "password": PW, "display_name": "Cán bộ", "unit_id": "ca_bao_lam",
            "role": "officer", "actor": "cli:root", **kwargs}
    with pytest.raises(ValidationError, match=message):
        acc.create(args.pop("username"), args.pop("password"), **args)
    assert acc.list() == []


def test_duplicate_username_refused(acc):
    acc.create("can.bo", PW, display_name="A", unit_id="ca_bao_lam", role="officer", actor="cli:root")
    with pytest.raises(ValidationError, match="taken"):
        acc.create("CAN.BO", PW, display_name="B", unit_id="ca_ha_quang", role="officer", actor="cli:root")


def test_authenticate(acc):
    a = acc.create("can.bo", PW, display_name="A", unit_id="ca_bao_lam", role="officer", actor="cli:root")
    assert acc.authenticate("can.bo", "sai mật khẩu rồi") is None
    assert acc.authenticate("khong.co", PW) is None
    assert acc.authenticate("can.bo", "") is None
    ok = acc.authenticate("Can.Bo", PW)
    assert ok is not None and ok.id == a.id and ok.last_login_at is not None
    acc.update(a.id, actor="account:admin1", active=False)
    assert acc.authenticate("can.bo", PW) is None  # inactive
    acc.update(a.id, actor="account:admin1", active=True)
    acc.set_password(a.id, "một mật khẩu mới hẳn", actor="account:can.bo")
    assert acc.authenticate("can.bo", PW) is None
    assert acc.authenticate("can.bo", "một mật khẩu mới hẳn") is not None
    with pytest.raises(ValidationError, match="at least 10"):
        acc.set_password(a.id, "ngắn", actor="account:can.bo")
    with pytest.raises(NotFoundError):
        acc.set_password(a.id + 9, PW, actor="account:can.bo")


def _hash(acc, account_id):
    with acc.engine.connect() as conn:
        return conn.execute(select(accounts.c.password_hash).where(accounts.c.id == account_id)).scalar_one()


def test_hash_is_argon2_and_rehashed_when_parameters_change(acc):
    a = acc.create("can.bo", PW, display_name="A", unit_id="ca_bao_lam", role="officer", actor="cli:root")
    old = _hash(acc, a.id)
    assert old.startswith("$argon2id$") and PW not in old
    stronger = AccountStore(acc.engine, hasher=PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1))
    assert stronger.authenticate("can.bo", PW) is not None
    new = _hash(acc, a.id)
    assert new != old and "m=2048,t=2" in new
    assert stronger.authenticate("can.bo", PW) is not None and _hash(acc, a.id) == new  # no rehash now


def test_audit_records_changes_never_secrets(acc):
    admin = acc.create("admin1", PW, display_name="Quản trị", unit_id="cong_an_tinh", role="admin", actor="cli:root")
    a = acc.create("can.bo", PW, display_name="A", unit_id="ca_bao_lam", role="officer", actor="account:admin1")
    acc.update(a.id, actor="account:admin1", unit_id="ca_ha_quang", role="unit_head", display_name="A")
    acc.set_password(a.id, PW + "x", actor="account:admin1")
    hist = acc.history(a.id)
    assert [(h.action, h.actor) for h in hist] == [("created", "account:admin1"), ("updated", "account:admin1"),
                                                   ("password", "account:admin1")]
    assert hist[1].details == {"unit_id": ["ca_bao_lam", "ca_ha_quang"], "role": ["officer", "unit_head"]}
    with acc.engine.connect() as conn:
        everything = json.dumps([list(map(str, r)) for r in conn.execute(select(account_audit))])
    assert PW not in everything and "argon2" not in everything
    assert acc.history(admin.id)[0].actor == "cli:root"


def test_last_active_admin_is_kept(acc):
    a = acc.create("admin1", PW, display_name="Q1", unit_id="cong_an_tinh", role="admin", actor="cli:root")
    with pytest.raises(ValidationError, match="last active administrator"):
        acc.update(a.id, actor="account:admin1", active=False)
    with pytest.raises(ValidationError, match="last active administrator"):
        acc.update(a.id, actor="account:admin1", role="officer")
    b = acc.create("admin2", PW, display_name="Q2", unit_id="cong_an_tinh", role="admin", actor="cli:root")
    acc.update(a.id, actor="account:admin2", active=False)
    assert acc.count_admins() == 1
    with pytest.raises(ValidationError, match="last active administrator"):
        acc.update(b.id, actor="account:admin2", role="unit_head")


def test_login_attempts(acc):
    for _ in range(3):
        acc.record_login_attempt("Can.Bo", "10.0.0.1", False)
    acc.record_login_attempt("khac", "10.0.0.1", False)
    acc.record_login_attempt("can.bo", "10.0.0.2", True)
    assert acc.recent_failures(username="can.bo") == 3
    assert acc.recent_failures(address="10.0.0.1") == 4
    assert acc.recent_failures(username="can.bo", address="10.0.0.2") == 0
    with acc.engine.begin() as conn:  # an old failure no longer counts
        conn.execute(insert(login_attempts).values(username="can.bo", address="10.0.0.1", ok=False,
                                                   at=utcnow() - timedelta(seconds=1000)))
    assert acc.recent_failures(username="can.bo") == 3
    assert acc.recent_failures(username="can.bo", within_s=3600) == 4
    assert acc.prune_login_attempts(older_than_s=600) == 1
    assert acc.recent_failures(username="can.bo", within_s=3600) == 3
