"""Multi-turn procedure conversations over real HTTP: the trained model, the Rasa server and the
action server on free local ports (skipped only when no model has been trained yet)."""
import json
import urllib.request
from pathlib import Path

import pytest

from anninh.screen import SCREEN_LINES, screen_lines
from devtools.servers import action_server, free_port, rasa_server, write_endpoints

MODEL = Path(__file__).resolve().parent.parent / "models" / "zalo-an-ninh.tar.gz"
pytestmark = pytest.mark.skipif(not MODEL.exists(), reason="no trained model (make train)")


@pytest.fixture(scope="module")
def chat(tmp_path_factory):
    work = tmp_path_factory.mktemp("dialogue-e2e")
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(work / "endpoints.yml", action_port, work / "tracker.db")
    credentials = work / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    actions = action_server(action_port, work / "actions.log")
    rasa = rasa_server(MODEL, rasa_port, endpoints, credentials, work / "rasa.log")
    try:
        actions.wait_ready()
        rasa.wait_ready(600)

        def send(sender, text):
            body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
            request = urllib.request.Request(f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
                                             data=body, headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=60) as response:
                messages = json.loads(response.read().decode("utf-8"))
            assert messages, text
            return messages
        yield send
    finally:
        rasa.stop()
        actions.stop()


def first_text(messages):
    text = messages[0]["text"]
    assert screen_lines(text) <= SCREEN_LINES or "GỌI NGAY" in text, text
    return text


def test_transfer_then_keeping_the_plate(chat):
    assert "Đăng ký sang tên xe" in first_text(chat("u1", "sang ten xe may can gi"))
    text = first_text(chat("u1", "giữ lại biển số được không"))
    assert "Được ạ" in text and "giữ lại" in text


def test_newborn_then_two_months(chat):
    assert "Đăng ký thường trú" in first_text(chat("u2", "đăng ký thường trú cho con mới sinh"))
    text = first_text(chat("u2", "con em duoc 2 thang roi co sao ko"))
    assert "60 ngày" in text and "quá hạn" in text


def test_short_stay_then_fine(chat):
    assert "Không bắt buộc" in first_text(chat("u3", "o tro 20 ngay co bat buoc dk tam tru ko"))
    text = first_text(chat("u3", "không đăng ký thì bị phạt bao nhiêu"))
    assert "500.000" in text and "282/2025" in text


def test_full_view_button(chat):
    messages = chat("u4", "giấy tờ đăng ký thường trú")
    full = next(b for b in messages[0]["buttons"] if b["title"] == "Xem đầy đủ")
    messages = chat("u4", full["payload"])
    assert "Nhà thuê, mượn, ở nhờ" in "\n".join(m["text"] for m in messages)


@pytest.mark.parametrize("text", ["cả nhà bị ngộ độc", "ca nha bi ngo doc", "co nguoi bi ket trong thang may"])
def test_emergency_wording(chat, text):
    assert "GỌI NGAY" in chat(f"e-{text}", text)[0]["text"]
