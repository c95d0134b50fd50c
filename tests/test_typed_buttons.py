"""A typed button title works like pressing the button (components/typed_buttons.py), checked on
the trained model with the real action server: a conversation that types the titles (lower case,
no diacritics) gets exactly the bot messages and user events of one that presses the buttons."""
import asyncio

import pytest

import components  # noqa: F401 - installs the patches
from components import typed_buttons
from devtools.conversations import say

# ------------------------------------------------------------------------------- units
@pytest.mark.parametrize("typed,title", [("Gửi", "Gửi"), ("gui", "Gửi"), ("  GỬI! ", "Gửi"),
                                         ("khong co", "Không có"), ("phan anh", "Phản ánh"),
                                         ("so dien thoai duong day nong", "Số điện thoại, đường dây nóng")])
def test_title_keys_match(typed, title):
    assert typed_buttons.title_key(typed) == typed_buttons.title_key(title)


def test_payload_only_for_a_title_of_the_last_bot_messages():
    from rasa.shared.core.events import BotUttered, UserUttered

    send = {"title": "Gửi", "payload": "/affirm"}
    events = [BotUttered("a", {"buttons": [{"title": "Hủy", "payload": "/cancel"}]}), UserUttered("x"),
              BotUttered("b", {"buttons": [send]}), BotUttered("c", {})]
    buttons = typed_buttons.last_buttons(events)
    assert buttons == [send]
    assert typed_buttons.payload_for("gui", buttons) == "/affirm"
    assert typed_buttons.payload_for("huy", buttons) is None           # a button of an older message
    assert typed_buttons.payload_for("gửi ảnh", buttons) is None       # more than the title
    assert typed_buttons.payload_for("/deny", buttons) is None         # already a payload
    url = [{"title": "Gửi", "url": "https://x.invalid", "type": "web_url"}]
    assert typed_buttons.payload_for("gui", url) is None               # no payload to send
    call = [{"title": "Gọi 113", "type": "phone_number", "payload": "113"}]
    assert typed_buttons.payload_for("goi 113", call) is None          # a call button sends nothing
    twice = [send, {"title": "gui", "payload": "/other"}]
    assert typed_buttons.payload_for("gui", twice) is None             # ambiguous: left to the NLU


def test_the_patch_is_installed():
    from rasa.core.processor import MessageProcessor

    assert getattr(MessageProcessor.parse_message, "__wrapped__", None) is not None


# ------------------------------------------------------------------ the real agent
@pytest.fixture
def agent(real_agent):
    return real_agent


def talk(agent, sender, texts):
    async def run():
        replies = []
        for text in texts:
            replies.append([(m.get("text"), m.get("buttons")) for m in await say(agent, sender, text)])
        tracker = await agent.tracker_store.retrieve(sender)
        users = [(e.text, e.intent.get("name"), [(x["entity"], x["value"]) for x in e.entities])
                 for e in tracker.events if e.type_name == "user"]
        return replies, users

    return asyncio.run(run())


STORY = "dem qua nha toi bi trom mat 2 con trau trong chuong, sang ra moi biet"


def test_typing_titles_gives_what_pressing_gives(agent):
    pressed = talk(agent, "pressed", ["xin chào", "/report_crime", '/report_crime{"report_kind":"tin_bao"}', STORY])
    typed = talk(agent, "typed", ["xin chào", "to giac, tin bao toi pham", "TIN BÁO VỀ TỘI PHẠM", STORY])
    assert typed == pressed
    replies, users = typed
    assert users[2] == ('/report_crime{"report_kind":"tin_bao"}', "report_crime", [("report_kind", "tin_bao")])
    assert replies[3] and "xảy ra ở đâu" in replies[3][0][0]


def test_a_title_of_no_button_of_the_last_message_is_parsed_as_text(agent):
    _, users = talk(agent, "not-a-button", ["xin chào", "cảm ơn", "phan anh, kien nghi"])
    assert users[2][0] == "phan anh, kien nghi"  # the buttons were on the greeting, not on the thanks
