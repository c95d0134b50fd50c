"""aiohttp client sessions, one per event loop (a session must only be used on the loop that made it)."""
from __future__ import annotations

import asyncio
from typing import Dict

import aiohttp


class SessionPool:
    def __init__(self, timeout: float, limit: int = 100) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._limit = limit
        self._sessions: Dict[asyncio.AbstractEventLoop, aiohttp.ClientSession] = {}

    def get(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._limit, ttl_dns_cache=300),
            )
            self._sessions[loop] = session
        return session

    async def close_current(self) -> None:
        """Close the session of the running loop (call once on each loop that used the pool)."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None and not session.closed:
            await session.close()
