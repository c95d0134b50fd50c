"""No silent turns (issue 11, item 2): at every question of the report form and outside it, odd
answers, other buttons and other questions all get a reply, on the trained model with the real
action server. (Every message of the conversation tests is also replayed by
scripts/conversation_tests.sh.) While an officer answers, the assistant stays silent."""
import asyncio

import pytest

from devtools.conversations import say

PROBES = ["/affirm", "/deny", "/report_crime", "/feedback", "/greet", "/send_location", "/share_info",
          "/check_report_status", "/nlu_fallback", "ok", "vâng", "???", "xin chào", "123",
          "làm căn cước cần gì", "cảm ơn"]
# Answers that bring the form to its 1st, 2nd, … question.
STEPS = ["toi muon to giac", "dem qua nha toi bi trom mat 2 con trau", "ban Na Rao xa Hoa An",
         "toi qua", "khong co", "an danh"]


@pytest.mark.parametrize("depth", range(len(STEPS) + 1))
def test_every_message_gets_a_reply_at_every_question(real_agent, depth):
    async def run():
        silent = []
        for n, probe in enumerate(PROBES):
            sender = f"silence-{depth}-{n}"
            for text in (["/report_crime"] if depth == 0 else STEPS[:depth]):
                assert await say(real_agent, sender, text), (sender, text)
            if not await say(real_agent, sender, probe):
                tracker = await real_agent.tracker_store.retrieve(sender)
                silent.append((probe, tracker.get_slot("requested_slot")))
        return silent

    assert asyncio.run(run()) == []


def test_silent_while_an_officer_answers(real_agent):
    async def run():
        await say(real_agent, "officer-talk", "cho tôi gặp cán bộ")
        return await say(real_agent, "officer-talk", "ok")

    assert asyncio.run(run()) == []
