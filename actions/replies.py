"""Send ``anninh.render.Reply`` objects through Rasa's dispatcher; never leave a turn silent when a
content file is broken."""
from __future__ import annotations

import logging
from typing import Callable, Iterable, List

from rasa_sdk.executor import CollectingDispatcher

from anninh.content import ContentError
from anninh.render import Reply

logger = logging.getLogger(__name__)


def send(dispatcher: CollectingDispatcher, replies: Iterable[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)


def first_answer(*producers: Callable[[], List[Reply]], text: str = "") -> List[Reply]:
    """The replies of the first producer whose content files can be read (each failure is
    logged); when none can, the emergency numbers, which need no texts file."""
    from anninh.emergency import load_emergency

    for produce in producers:
        try:
            return produce()
        except ContentError as exc:
            logger.error("content unavailable, trying the next answer: %s", exc)
    return [load_emergency().reply(text)]
