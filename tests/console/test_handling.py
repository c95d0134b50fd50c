"""Handling through the real server: every change lands in the store, made as the account."""
from __future__ import annotations


def test_assign_status_note_transfer_reply_publish(console):
    from tests.console.harness import add_chat
    code = console.new_report("A", "Có người lạ đột nhập kho", tag="handle")
    msg_id = add_chat(console, console.user("handle"), [("user", "co nguoi dot nhap kho"), ("bot", "Dạ")])
    head = console.session("head_a")
    page = head.get(f"/r/{code}")
    assert page.status_code == 200 and 'id="form-transfer"' in page.text

    r = head.post(f"/r/{code}/assign", {"assignee": "officer_b"})  # not of this unit
    assert r.status_code == 302 and console.store.require(code).assigned_to is None
    head.post(f"/r/{code}/assign", {"assignee": "officer_a"})
    assert console.store.require(code).assigned_to == "officer_a"

    head.post(f"/r/{code}/status", {"status": "in_progress", "note": ""})
    assert console.store.require(code).status == "received"  # the note is required
    head.post(f"/r/{code}/status", {"status": "in_progress", "note": "Đã cử tổ công tác"})
    report = console.store.require(code)
    assert report.status == "in_progress"
    entry = [e for e in console.store.audit_trail(code) if e.action == "status"][-1]
    assert (entry.actor, entry.note) == ("account:head_a", "Đã cử tổ công tác")

    r = head.post(f"/r/{code}/reply", {"text": "Dạ, công an xã đang xác minh tin của ông/bà."})
    assert r.status_code == 302
    notify = [e for e in console.store.audit_trail(code) if e.action == "notify"][-1]
    assert notify.actor == "account:head_a" and notify.details["trigger"] == "officer_reply"
    assert notify.new_value == "ok" and notify.details["reply_to"] == msg_id
    [sent] = console.fake.messages_to(console.user("handle"))
    assert sent["message"]["text"] == "Dạ, công an xã đang xác minh tin của ông/bà."
    page = head.get(f"/r/{code}").text
    assert "Đã gửi trả lời đến người dân." in page  # the outcome, shown after the redirect

    # outside Zalo's reply window nothing is sent and the officer is told so
    old = console.new_report("A", "Tin cũ", tag="handle-old")
    add_chat(console, console.user("handle-old"), [("user", "alo")], age_hours=60)
    head.get(f"/r/{old}")
    head.post(f"/r/{old}/reply", {"text": "Dạ"})
    assert console.fake.messages_to(console.user("handle-old")) == []
    assert "Chưa gửi được trả lời" in head.get(f"/r/{old}").text
    assert [e.new_value for e in console.store.audit_trail(old) if e.action == "notify"] == ["skipped"]

    # transfer without a reason is refused; with one the report leaves unit A
    head.post(f"/r/{code}/transfer", {"to_unit": console.units["B"].name, "reason": ""})
    assert console.store.require(code).unit == console.units["A"].name
    r = head.post(f"/r/{code}/transfer", {"to_unit": console.units["B"].name, "reason": "Xảy ra trên địa bàn xã B"})
    assert r.status_code == 302
    assert console.store.require(code).unit == console.units["B"].name
    assert [(t.to_unit, t.reason, t.actor) for t in console.store.transfers(code)] == [
        (console.units["B"].name, "Xảy ra trên địa bàn xã B", "account:head_a")]
    assert head.get(f"/r/{code}").status_code == 404
    # the new unit assigns: the officer of unit A no longer sees it
    assert console.store.require(code).assigned_to is None
    assert console.session("officer_a").get(f"/r/{code}").status_code == 404

    head_b = console.session("head_b")
    assert head_b.get(f"/r/{code}").status_code == 200
    head_b.post(f"/r/{code}/status", {"status": "resolved", "note": "Đã xác minh, xử lý xong"})
    preview = head_b.post(f"/r/{code}/publish", {"text": "Đã xử lý, liên hệ 0912 345 678"})
    assert preview.status_code == 200 and "[số điện thoại]" in preview.text
    assert console.store.require(code).published_result is None  # nothing before the confirm step
    head_b.get(f"/r/{code}")  # fresh token
    original = "Đã xử lý, liên hệ 0912 345 678"
    r = head_b.post(f"/r/{code}/publish/confirm", {"original": original, "masked": original})
    assert r.status_code == 400  # only the masked text the officer saw can be published
    r = head_b.post(f"/r/{code}/publish/confirm", {"original": original, "masked": "Đã xử lý, liên hệ [số điện thoại]"})
    assert r.status_code == 302
    assert console.store.require(code).published_result == "Đã xử lý, liên hệ [số điện thoại]"


def test_inbox_tabs_filters_and_overdue(console):
    officer = console.session("officer_a")
    code = console.new_report("A", "Mất ví ở bến xe Nước Hai", kind="phan_anh", tag="filter")
    page = officer.get("/?tab=all&q=b%E1%BA%BFn+xe")
    assert page.status_code == 200 and code in page.text
    page = officer.get("/?tab=all&q=khongcodau_zzz")
    assert code not in page.text
    assert code in officer.get("/?tab=all&kind=phan_anh").text
    assert code not in officer.get("/?tab=all&kind=to_giac").text
    assert code in officer.get("/?tab=new").text
    assert code not in officer.get("/?tab=in_progress").text
    assert 'id="overdue-count"' in officer.get("/").text


def test_inbox_pages(console):
    import re
    codes = [console.new_report("B", f"Tin thứ {i} về trộm chó", tag=f"page{i}") for i in range(7)]
    officer = console.session("officer_b")
    seen = []
    for path in ("/?tab=all", "/?tab=all&q=trom+cho"):  # counted, and a text search (not counted)
        page, seen = officer.get(path).text, []
        for _ in range(10):
            seen += [c for c in re.findall(r'class="code">([A-Z]{2}-\d{4}-\d{6})<', page)]
            nxt = re.search(r'href="([^"]+)" rel="next"', page)
            if not nxt:
                break
            page = officer.get(nxt.group(1).replace("&amp;", "&")).text
        assert set(codes) <= set(seen) and len(seen) == len(set(seen)), path


def test_admin_manages_accounts(console):
    admin = console.session("admin")
    admin.get("/accounts/")
    r = admin.post("/accounts/new", {"username": "can_bo_moi", "display_name": "Trung úy Hoàng Văn C",
                                     "unit_id": console.units["B"].id, "role": "officer",
                                     "password": "mot-mat-khau-dai"})
    assert r.status_code == 302
    account = console.accounts.by_username("can_bo_moi")
    assert account and account.role == "officer" and account.unit_id == console.units["B"].id
    assert console.session("can_bo_moi", "mot-mat-khau-dai").get("/").status_code == 200
    admin.get("/accounts/")
    admin.post(f"/accounts/{account.id}", {"display_name": "Trung úy Hoàng Văn C", "unit_id": console.units["B"].id,
                                           "role": "officer"})  # no 'active': deactivated
    assert console.accounts.by_username("can_bo_moi").active is False
    assert console.session().login("can_bo_moi", "mot-mat-khau-dai").url.endswith("/login")


def test_a_video_is_served_inline_with_ranges(console):
    from anninh.reports.model import AttachmentIn, NewReport
    sub = console.store.create_report(NewReport(
        kind="tin_bao", description="Video cảnh gây rối", unit=console.units["A"].name, channel="zalo",
        attachments=[AttachmentIn(url="https://zalo.example/v.mp4", media_type="video")]))
    att = console.store.require(sub.code).attachments[0]
    path = console.attachments_dir / sub.code / "1.mp4"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2000))
    console.store.record_attachment_result(att.id, status="stored", local_path=str(path), content_type="video/mp4",
                                           size_bytes=2012)
    officer = console.session("officer_a")
    page = officer.get(f"/r/{sub.code}").text
    assert f'<video src="/r/{sub.code}/a/{att.id}" controls' in page
    part = officer.get(f"/r/{sub.code}/a/{att.id}", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.headers["Content-Type"] == "video/mp4" and len(part.content) == 10
    assert console.session("officer_b").get(f"/r/{sub.code}/a/{att.id}").status_code == 404
