"""The real channel on a real Sanic server, sending to the fake Zalo API. A stand-in bot plays the
Rasa agent (see harness.StandInBot); the integration tests use the real one."""
import asyncio
import json
import logging
import time

import pytest

from harness import (ChannelHarness, StandInBot, account_dict, follow_event, image_event, location_event,
                     submit_info_event, text_event)

from channels.zalo.events import parse_event
from channels.zalo.inbox import Inbox

USER = "8800000000000001"


async def test_text_round_trip_with_metadata(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        oa = h.account["oa_id"]
        resp = await h.post(text_event(oa, USER, "xin chào", msg_id="m-1"))
        assert resp.status == 200
        messages = await h.fake.wait_for_async(1, USER)
        assert messages[0]["message"] == {"text": "echo:xin chào"} and messages[0]["oa_id"] == oa
        msg = h.bot.received[0]
        assert msg.sender_id == f"{oa}:{USER}" and msg.input_channel == "zalo" and msg.message_id == "m-1"
        assert msg.metadata["zalo"]["unit"] == "CA-P1" and msg.metadata["zalo"]["oa_id"] == oa


async def test_buttons_are_sent_as_zalo_buttons(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        await h.post(text_event(h.account["oa_id"], USER, "buttons"))
        [message] = await h.fake.wait_for_async(1, USER)
        buttons = message["message"]["attachment"]["payload"]["buttons"]
        assert [b["type"] for b in buttons] == ["oa.query.show", "oa.open.url", "oa.open.phone"]
        # Clicking the query button sends its payload back as the user's text: a round trip.
        await h.post(text_event(h.account["oa_id"], USER, buttons[0]["payload"]))
        await h.fake.wait_for_async(2, USER)
        assert h.bot.received[1].text == '/ask_procedure{"procedure":"cu_tru.tam_tru"}'


async def test_missing_or_wrong_signature_is_401_and_not_processed(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        oa = h.account["oa_id"]
        assert (await h.post(text_event(oa, USER, "a"), with_signature=False)).status == 401
        assert (await h.post(text_event(oa, USER, "b"), signature="mac=" + "0" * 64)).status == 401
        other = account_dict(oa_id=oa, app_id=h.account["app_id"])
        other["oa_secret_key"] = "not-the-secret"
        assert (await h.post(text_event(oa, USER, "c"), account=other)).status == 401
        unknown = account_dict(oa_id="999")
        assert (await h.post(text_event("999", USER, "d"), account=unknown)).status == 401
        await asyncio.sleep(0.3)
        assert h.bot.received == [] and h.fake.messages == []
        assert h.channel.stats["unauthorized"] == 4


async def test_signature_over_raw_bytes_with_mac_prefix_and_unicode(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        data = text_event(h.account["oa_id"], USER, "Đăng ký tạm trú cần gì?")
        body = json.dumps(data, ensure_ascii=False, indent=1).encode()  # odd spacing: hashed as received
        assert (await h.post(body)).status == 401  # post() computes no timestamp for raw bytes...
        from harness import signature_for
        sig = signature_for(h.account, body, data["timestamp"])
        assert (await h.post(body, signature=sig)).status == 200
        assert (await h.post(text_event(h.account["oa_id"], USER, "x"), signature=None)).status == 200


@pytest.mark.parametrize("body", [b"", b"not json", b"[1,2]", b'"text"', b"{}", b'{"event_name": "user_send_text"}'])
async def test_malformed_bodies_are_400(tmp_path, body):
    async with ChannelHarness(tmp_path) as h:
        resp = await h.post(body, signature="mac=" + "0" * 64)
        assert resp.status == 400


async def test_malformed_event_with_valid_signature_is_400(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        data = text_event(h.account["oa_id"], USER, "x")
        del data["message"]["msg_id"]
        assert (await h.post(data)).status == 400
        data = image_event(h.account["oa_id"], USER)
        data["message"]["attachments"] = "nope"
        assert (await h.post(data)).status == 400
        assert h.bot.received == []


async def test_ignored_events_are_200_without_a_turn(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        oa = h.account["oa_id"]
        for name in ["user_seen_message", "user_received_message", "unfollow", "brand_new_event"]:
            data = text_event(oa, USER, "x")
            data["event_name"] = name
            resp = await h.post(data)
            assert resp.status == 200
        echo = text_event(oa, USER, "x")
        echo.update(event_name="oa_send_text", sender={"id": oa}, recipient={"id": USER})
        assert (await h.post(echo)).status == 200
        await asyncio.sleep(0.2)
        assert h.bot.received == [] and h.channel.stats["ignored"] == 5


async def test_follow_image_location_and_submit_info(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        oa = h.account["oa_id"]
        for data in [follow_event(oa, "u-f"), image_event(oa, "u-i", caption="CCCD"), location_event(oa, "u-l"),
                     submit_info_event(oa, "u-s")]:
            assert (await h.post(data)).status == 200
        await h.wait_turns(4)
        by_user = {m.sender_id.split(":")[1]: m for m in h.bot.received}
        assert by_user["u-f"].text == "/greet"
        image = by_user["u-i"]
        assert image.text == "/send_attachment"
        assert image.metadata["zalo"]["attachments"][0]["url"] == "https://photo.zdn.vn/a.jpg"
        assert image.metadata["zalo"]["caption"] == "CCCD"
        assert by_user["u-l"].metadata["zalo"]["location"] == {"latitude": 21.0285, "longitude": 105.8542}
        assert by_user["u-s"].metadata["zalo"]["user_info"]["phone"] == "84912345678"
        await h.fake.wait_for_async(4)
        assert {m["user_id"] for m in h.fake.messages} == {"u-f", "u-i", "u-l", "u-s"}


async def test_duplicate_delivery_is_handled_once_also_after_restart(tmp_path):
    fake_accounts = [account_dict()]
    async with ChannelHarness(tmp_path, accounts=fake_accounts) as h:
        data = text_event(h.account["oa_id"], USER, "một lần", msg_id="dup-1")
        first, second = await h.post(data), await h.post(data)
        assert first.status == second.status == 200
        await h.fake.wait_for_async(1, USER)
        fake = h.fake
        h._own_fake = False  # keep the fake API for the restarted server
    async with ChannelHarness(tmp_path, accounts=fake_accounts, fake=fake) as again:  # same db file
        assert (await again.post(data)).status == 200
        assert (await again.post(text_event(again.account["oa_id"], USER, "mới", msg_id="dup-2"))).status == 200
        await again.fake.wait_for_async(2, USER)
        await asyncio.sleep(0.2)
        assert [m.text for m in again.bot.received] == ["mới"]
        assert [m["message"]["text"] for m in fake.messages_to(USER)] == ["echo:một lần", "echo:mới"]
    await fake.stop()


async def test_an_event_older_than_the_retry_window_is_not_processed(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        data = text_event(h.account["oa_id"], USER, "cũ")
        data["timestamp"] = str(int((time.time() - 7 * 3600) * 1000))  # max_event_age is 6 h
        resp = await h.post(data)
        assert resp.status == 200 and (await resp.json())["reason"] == "stale timestamp"
        future = text_event(h.account["oa_id"], USER, "tương lai")
        future["timestamp"] = str(int((time.time() + 3600) * 1000))
        assert (await (await h.post(future)).json())["status"] == "ignored"
        assert (await (await h.post(text_event(h.account["oa_id"], USER, "mới"))).json())["status"] == "accepted"
        await h.fake.wait_for_async(1, USER)
        await asyncio.sleep(0.1)
        assert [m.text for m in h.bot.received] == ["mới"]
        assert h.channel.stats["stale"] == 2


async def test_messages_accepted_by_a_process_that_died_are_answered_at_start(tmp_path):
    # What a crash right after the 200 leaves behind: inbox rows of a process that is gone.
    dead = Inbox(str(tmp_path / "zalo.db"), owner="999999999:1")
    oa = account_dict()["oa_id"]
    for i, text in enumerate(["một", "hai"]):
        dead.accept(parse_event(text_event(oa, USER, text, msg_id=f"lost-{i}")))
    dead.close()
    async with ChannelHarness(tmp_path) as h:
        messages = await h.fake.wait_for_async(2, USER)
        assert [m["message"]["text"] for m in messages] == ["echo:một", "echo:hai"]
        assert h.channel.stats["replayed"] == 2
        await asyncio.sleep(0.1)
        assert h.channel.runtime.inbox.pending() == 0
        # A redelivery of the same event by Zalo is still a duplicate.
        assert (await (await h.post(text_event(oa, USER, "một", msg_id="lost-0"))).json())["status"] == "duplicate"


async def test_burst_from_one_user_is_answered_in_order(tmp_path):
    async with ChannelHarness(tmp_path, bot=StandInBot(jitter=0.02)) as h:
        oa = h.account["oa_id"]
        texts = [f"tin {i}" for i in range(30)]
        for text in texts:
            assert (await h.post(text_event(oa, USER, text))).status == 200
        messages = await h.fake.wait_for_async(30, USER, timeout=20)
        assert [m["message"]["text"] for m in messages] == [f"echo:{t}" for t in texts]


async def test_users_are_served_concurrently(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        oa = h.account["oa_id"]
        started = time.monotonic()
        await asyncio.gather(*[h.post(text_event(oa, f"u{i}", "slow")) for i in range(10)])
        await h.fake.wait_for_async(10)
        assert time.monotonic() - started < 2.0  # ten 0.3 s turns in parallel, not one after the other


async def test_ack_does_not_wait_for_the_bot_turn(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        started = time.perf_counter()
        assert (await h.post(text_event(h.account["oa_id"], USER, "slow"))).status == 200
        assert time.perf_counter() - started < 0.2
        await h.fake.wait_for_async(1, USER)


async def test_token_refresh_during_a_conversation(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        oa = h.account["oa_id"]
        await h.post(text_event(oa, USER, "một"))
        await h.fake.wait_for_async(1, USER)
        refreshes = h.fake.refresh_calls
        h.fake.expire_access_tokens()
        await h.post(text_event(oa, USER, "hai"))
        messages = await h.fake.wait_for_async(2, USER)
        assert [m["message"]["text"] for m in messages] == ["echo:một", "echo:hai"]
        assert h.fake.refresh_calls == refreshes + 1
        assert [r["outcome"] for r in h.fake.requests][-2:] == [-220, "ok"]


async def test_send_failure_is_logged_and_next_turns_still_work(tmp_path, caplog):
    async with ChannelHarness(tmp_path) as h:
        oa = h.account["oa_id"]
        h.fake.add_fault(kind="error", code=-230)
        with caplog.at_level(logging.WARNING):
            await h.post(text_event(oa, USER, "một"))
            await h.wait_turns(1)
            await asyncio.sleep(0.2)
        assert "-230" in caplog.text and "7 days" in caplog.text
        await h.post(text_event(oa, USER, "hai"))
        [message] = await h.fake.wait_for_async(1, USER)
        assert message["message"]["text"] == "echo:hai"


async def test_several_oas_answer_through_their_own_account(tmp_path):
    accounts = [account_dict("4300000000000001", "1200000000000001", "CA-P1"),
                account_dict("4300000000000002", "1200000000000002", "CA-P2")]
    async with ChannelHarness(tmp_path, accounts=accounts) as h:
        await h.post(text_event(accounts[0]["oa_id"], "same-id", "a"), account=accounts[0])
        await h.post(text_event(accounts[1]["oa_id"], "same-id", "b"), account=accounts[1])
        messages = await h.fake.wait_for_async(2)
        assert {(m["oa_id"], m["message"]["text"]) for m in messages} == {
            (accounts[0]["oa_id"], "echo:a"), (accounts[1]["oa_id"], "echo:b")}
        units = {m.metadata["zalo"]["unit"] for m in h.bot.received}
        assert units == {"CA-P1", "CA-P2"}
        # Signed with the other OA's secret: rejected.
        assert (await h.post(text_event(accounts[1]["oa_id"], "x", "c"), account=accounts[0])).status == 401


async def test_verification_off_warns_at_start(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="channels.zalo.runtime"):
        async with ChannelHarness(tmp_path, verify_signature=False) as h:
            assert (await h.post(text_event(h.account["oa_id"], USER, "x"), with_signature=False)).status == 200
            await h.fake.wait_for_async(1, USER)
    assert "VERIFICATION IS OFF" in caplog.text


async def test_health_endpoint(tmp_path):
    async with ChannelHarness(tmp_path) as h:
        async with h.session.get(f"http://127.0.0.1:{h.port}/webhooks/zalo/") as resp:
            data = await resp.json()
        assert resp.status == 200 and data["started"] and data["accounts"] == 1
