"""A stand-in turn process for the pool's tests: speaks the same protocol as
channels/zalo/pool.py (READY on stdout, each stdin line wakes it; work claimed from the inbox on
disk with the real runner) but runs no model. Its spec (ZALO_TURN_PROCESS) may add: db_path,
turn_seconds, slots, log (a file where each claimed row is written as "<index> <pid> <row id>"),
crash_on (a row id on which the process number ``crash_index`` exits after claiming it, once:
marked by a file)."""
import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from channels.zalo.inbox import Inbox  # noqa: E402
from channels.zalo.runner import TurnRunner  # noqa: E402


async def main() -> None:
    spec = json.loads(os.environ["ZALO_TURN_PROCESS"])
    inbox = Inbox(spec["db_path"])
    marker = Path(spec["log"] + ".crashed")

    async def turn(claimed) -> None:
        with open(spec["log"], "a") as log:
            log.write(f"{spec['index']} {os.getpid()} {claimed.row_id}\n")
        if claimed.row_id == spec.get("crash_on") and spec["index"] == spec.get("crash_index", 0) \
                and not marker.exists():
            marker.write_text("1")
            os._exit(3)
        await asyncio.sleep(spec.get("turn_seconds", 0.05))
        inbox.done(claimed.row_id, "ok")

    runner = TurnRunner(inbox, turn, slots=spec.get("slots", 1), lease=spec.get("lease", 30.0), poll=0.5)
    runner.start()
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while await reader.readline():
        runner.wake()
    await runner.stop()


asyncio.run(main())
