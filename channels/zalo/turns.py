"""One bot turn for one claimed inbox row, wherever turns run (a turn process, or the server's loop
with ``turn_processes: 0``): hand the message to Rasa with an output channel that counts the answers delivered, then mark
the row done."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

from channels.zalo.inbox import Claimed
from channels.zalo.output import Delivery, ZaloOutput

logger = logging.getLogger(__name__)

CHANNEL_NAME = "zalo"
Handler = Callable[[UserMessage], Awaitable[Any]]


def output_channel(runtime: Any, delivery: Optional[Delivery] = None) -> ZaloOutput:
    assert runtime.client is not None, "zalo channel not started"
    return ZaloOutput(runtime.client, runtime.settings, delivery=delivery)


def turn_runner(runtime: Any, handle: Handler) -> Callable[[Claimed], Awaitable[None]]:
    """What runs a claimed row through ``handle`` (Rasa's ``on_new_message``, or an agent's
    ``handle_message``)."""
    settings = runtime.settings

    async def run_turn(claimed: Claimed) -> None:
        inbox = runtime.inbox
        event = claimed.event
        account = settings.account(event.oa_id)
        outcome = "failed"
        try:
            if account is None:
                outcome = "unknown OA"
                return
            if claimed.sent:
                logger.warning("zalo: taking over a turn that a stopped process had begun; its first %d "
                               "answer message(s) were delivered already and are not sent again", claimed.sent)
            delivery = Delivery(inbox, claimed.row_id, claimed.sent)
            await handle(UserMessage(
                text=event.text, output_channel=output_channel(runtime, delivery), sender_id=event.sender_id,
                input_channel=CHANNEL_NAME, message_id=event.msg_id, metadata=event.metadata(account.unit)))
            outcome = "ok"
        finally:
            inbox.done(claimed.row_id, outcome)

    return run_turn
