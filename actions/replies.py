"""Send ``anninh.render.Reply`` objects through Rasa's dispatcher."""
from __future__ import annotations

from typing import Iterable

from rasa_sdk.executor import CollectingDispatcher

from anninh.render import Reply


def send(dispatcher: CollectingDispatcher, replies: Iterable[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
