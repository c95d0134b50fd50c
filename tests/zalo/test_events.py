import pytest

from channels.zalo.events import (BadEvent, Ignored, InboundEvent, make_sender_id, parse_event,
                                  split_sender_id)
from harness import (follow_event, image_event, location_event, submit_info_event, text_event)

OA, USER = "4300000000000001", "8800000000000001"


def test_text_event():
    event = parse_event(text_event(OA, USER, "dang ky tam tru can gi", msg_id="abc"))
    assert isinstance(event, InboundEvent)
    assert event.text == "dang ky tam tru can gi"
    assert event.sender_id == f"{OA}:{USER}"
    assert event.msg_id == "abc" and event.dedup_key == f"msg:{OA}:abc"
    meta = event.metadata("CA-P1")["zalo"]
    assert meta["oa_id"] == OA and meta["user_id"] == USER and meta["unit"] == "CA-P1"
    assert meta["event_name"] == "user_send_text" and meta["msg_id"] == "abc"
    assert meta["attachments"] == [] and meta["location"] is None and meta["user_info"] is None


def test_button_payload_passes_through_as_is():
    payload = '/ask_procedure{"procedure":"cu_tru.tam_tru"}'
    assert parse_event(text_event(OA, USER, payload)).text == payload


def test_image_event_carries_attachments_and_caption():
    event = parse_event(image_event(OA, USER, url="https://x/a.jpg", caption="giấy tờ"))
    assert event.text == "/send_attachment"
    assert event.attachments == [{"type": "image", "url": "https://x/a.jpg", "thumbnail": "https://x/a.jpg?thumb",
                                  "name": None, "size": None}]
    assert event.caption == "giấy tờ"


@pytest.mark.parametrize("name,payload,expected", [
    ("user_send_file", {"url": "https://f/x.pdf", "name": "don.pdf", "size": "2048", "type": "pdf"},
     {"type": "file", "url": "https://f/x.pdf", "name": "don.pdf", "size": 2048}),
    ("user_send_link", {"url": "https://l", "description": "Bài báo", "thumbnail": "https://t"},
     {"type": "link", "url": "https://l", "name": "Bài báo", "thumbnail": "https://t"}),
    ("user_send_sticker", {"url": "https://s", "id": "st1"}, {"type": "sticker", "url": "https://s"}),
    ("user_send_video", {"url": "https://v", "thumbnail": "https://vt"}, {"type": "video", "url": "https://v"}),
    ("user_send_audio", {"url": "https://a"}, {"type": "audio", "url": "https://a"}),
    ("user_send_gif", {"url": "https://g"}, {"type": "gif", "url": "https://g"}),
    ("user_send_business_card", {"thumbnail": "https://b", "description": "card"}, {"type": "business_card"}),
])
def test_other_attachment_events(name, payload, expected):
    data = text_event(OA, USER, "")
    data["event_name"] = name
    data["message"] = {"msg_id": "m1", "attachments": [{"type": expected["type"], "payload": payload}]}
    event = parse_event(data)
    assert event.text == "/send_attachment"
    for key, value in expected.items():
        assert event.attachments[0][key] == value


@pytest.mark.parametrize("message", [
    {"attachments": [{"type": "location", "payload": {"coordinates": {"latitude": "21.0285", "longitude": "105.8542"}}}]},
    {"attachments": [{"type": "location", "payload": {"coordinates": {"lat": 21.0285, "long": 105.8542}}}]},
    {"location": {"latitude": "21.0285", "longitude": "105.8542"}},
])
def test_location_shapes(message):
    data = location_event(OA, USER)
    data["message"] = {"msg_id": "m1", **message}
    event = parse_event(data)
    assert event.text == "/send_location"
    assert event.location == {"latitude": 21.0285, "longitude": 105.8542}
    assert event.metadata("")["zalo"]["location"] == {"latitude": 21.0285, "longitude": 105.8542}


def test_follow_event_becomes_greet():
    event = parse_event(follow_event(OA, USER))
    assert event.text == "/greet" and event.user_id == USER and event.oa_id == OA
    assert event.msg_id is None and event.dedup_key.startswith("follow:")


def test_submit_info_carries_user_info():
    event = parse_event(submit_info_event(OA, USER))
    assert event.text == "/share_info"
    assert event.user_info["name"] == "Nguyễn Văn A" and event.user_info["phone"] == "84912345678"


def test_submit_info_new_shape():
    data = submit_info_event(OA, USER)
    data["info"] = {"name": "B", "phone": "849", "user_dob": "30/10/1999", "gender": "Nam",
                    "full_address": {"user_city": "Huế", "user_ward": "Phú Hội"}}
    event = parse_event(data)
    assert event.user_info["full_address"] == {"user_city": "Huế", "user_ward": "Phú Hội"}


@pytest.mark.parametrize("name", ["user_received_message", "user_seen_message", "unfollow",
                                  "oa_send_text", "oa_send_image", "add_user_to_tag", "something_new"])
def test_ignored_events(name):
    data = text_event(OA, USER, "x")
    data["event_name"] = name
    if name.startswith("oa_"):
        data["sender"], data["recipient"] = {"id": OA}, {"id": USER}
    assert isinstance(parse_event(data), Ignored)


def test_blank_text_is_ignored():
    assert isinstance(parse_event(text_event(OA, USER, "   ")), Ignored)


def test_numeric_ids_and_timestamp_are_accepted():
    data = text_event(OA, USER, "hi")
    data["sender"]["id"] = int(USER)
    data["timestamp"] = 1543908534740
    event = parse_event(data)
    assert event.user_id == USER and event.timestamp == "1543908534740"


def _mutations():
    def drop(*path):
        def f(d):
            node = d
            for key in path[:-1]:
                node = node[key]
            del node[path[-1]]
        return f

    def setv(value, *path):
        def f(d):
            node = d
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        return f

    return {
        "no event_name": drop("event_name"),
        "event_name not a string": setv(5, "event_name"),
        "no recipient": drop("recipient"),
        "no sender": drop("sender"),
        "sender not an object": setv("x", "sender"),
        "no message": drop("message"),
        "no msg_id": drop("message", "msg_id"),
        "no text": drop("message", "text"),
        "text not a string": setv(["a"], "message", "text"),
        "no timestamp": drop("timestamp"),
        "sender id is a list": setv([1], "sender", "id"),
    }


@pytest.mark.parametrize("case", list(_mutations()))
def test_malformed_events_raise_bad_event(case):
    data = text_event(OA, USER, "hi")
    _mutations()[case](data)
    with pytest.raises(BadEvent):
        parse_event(data)


@pytest.mark.parametrize("body", [None, [], "text", 42, {}])
def test_non_objects_raise_bad_event(body):
    with pytest.raises(BadEvent):
        parse_event(body)


def test_attachment_event_without_attachments_is_bad():
    data = image_event(OA, USER)
    data["message"]["attachments"] = []
    with pytest.raises(BadEvent):
        parse_event(data)


def test_location_without_coordinates_or_out_of_range_is_bad():
    data = location_event(OA, USER)
    data["message"]["attachments"][0]["payload"] = {}
    with pytest.raises(BadEvent):
        parse_event(data)
    with pytest.raises(BadEvent):
        parse_event(location_event(OA, USER, lat="95", lon="10"))


def test_follow_without_follower_is_bad():
    data = follow_event(OA, USER)
    del data["follower"]
    with pytest.raises(BadEvent):
        parse_event(data)


def test_sender_id_round_trip():
    assert split_sender_id(make_sender_id("oa", "u")) == ("oa", "u")
    for bad in ["", "nocolon", ":u", "oa:"]:
        with pytest.raises(ValueError):
            split_sender_id(bad)
