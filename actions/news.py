"""Latest news: the configured feed (NEWS_FEED_URL or content/news.yml), else the local list."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import first_answer, send
from anninh import news


class ActionNews(Action):
    def name(self) -> Text:
        return "action_news"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        result = await news.get_reader().latest()
        send(dispatcher, first_answer(lambda: news.render(result)))
        return []
