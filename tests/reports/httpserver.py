"""A real aiohttp HTTP server on 127.0.0.1, run in a background thread, for tests."""
from __future__ import annotations

import asyncio
import threading
from typing import Callable, Optional

from aiohttp import web


class LocalServer:
    """``with LocalServer(setup) as srv: srv.url("/path")``; ``setup(app)`` adds the routes."""

    def __init__(self, setup: Callable[[web.Application], None]):
        self._setup = setup
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self.port: Optional[int] = None

    @property
    def netloc(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> "LocalServer":
        ready = threading.Event()
        errors = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)

            async def start() -> None:
                app = web.Application()
                self._setup(app)
                self._runner = web.AppRunner(app, shutdown_timeout=0.1)
                await self._runner.setup()
                site = web.TCPSite(self._runner, "127.0.0.1", 0)
                await site.start()
                self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

            try:
                loop.run_until_complete(start())
            except Exception as exc:  # pragma: no cover - surfaced below
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())  # type: ignore[union-attr]
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:  # handlers still sleeping (timeout tests)
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="test-http-server", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def __exit__(self, *exc) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)
