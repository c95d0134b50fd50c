"""One bot turn for one accepted Zalo event, wherever turns run (the server's bot thread or loop, or
a turn process): wait until the same user's earlier events are done, hand the message to Rasa,
mark the inbox row done."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Optional

from rasa.core.channels.channel import UserMessage

from channels.zalo.config import ZaloAccount
from channels.zalo.events import InboundEvent
from channels.zalo.output import ZaloOutput

logger = logging.getLogger(__name__)

CHANNEL_NAME = "zalo"
Handler = Callable[[UserMessage], Awaitable[Any]]


def output_channel(runtime: Any) -> ZaloOutput:
    assert runtime.client is not None, "zalo channel not started"
    return ZaloOutput(runtime.client, runtime.settings, runner=runtime.on_bot_loop)


def turn_job(runtime: Any, handle: Handler, event: InboundEvent, account: ZaloAccount,
             row_id: int, on_done: Optional[Callable[[int], None]] = None) -> Callable[[], Awaitable[None]]:
    """The job that runs ``event`` (inbox row ``row_id``) through ``handle`` (Rasa's
    ``on_new_message``, or an agent's ``handle_message``); ``on_done(row_id)`` after it."""
    metadata = event.metadata(account.unit)
    settings = runtime.settings

    async def run_turn() -> None:
        inbox = runtime.inbox
        assert inbox is not None
        if not await inbox.wait_turn(event.sender_id, row_id, settings.order_wait):
            logger.warning("zalo: an earlier message of %s is still not done after %.0f s; answering "
                           "this one anyway", event.sender_id, settings.order_wait)
        outcome = "failed"
        try:
            await handle(UserMessage(
                text=event.text, output_channel=output_channel(runtime), sender_id=event.sender_id,
                input_channel=CHANNEL_NAME, message_id=event.msg_id, metadata=metadata))
            outcome = "ok"
        finally:
            inbox.done(row_id, outcome)
            if on_done is not None:
                on_done(row_id)

    return run_turn


def submit(runtime: Any, handle: Handler, event: InboundEvent, account: ZaloAccount, row_id: int,
           on_done: Optional[Callable[[int], None]] = None) -> bool:
    """Queue the turn behind the user's earlier ones; False (row closed as dropped) when the
    user's queue is full."""
    if runtime.dispatcher.submit(event.sender_id, turn_job(runtime, handle, event, account, row_id, on_done)):
        return True
    assert runtime.inbox is not None
    runtime.inbox.done(row_id, "dropped")
    if on_done is not None:
        on_done(row_id)
    logger.warning("zalo: too many pending messages from %s; message dropped", event.sender_id)
    return False
