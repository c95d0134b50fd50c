"""A stand-in turn process for the pool's tests: speaks the same protocol as
channels/zalo/worker.py (row ids on stdin; READY and DONE <id> on stdout; the inbox on disk) but
runs no model. Its spec (ZALO_TURN_PROCESS) may add: db_path, turn_seconds, log (a file where each
taken row is written as "<index> <pid> <row id>"), crash_on (a row id on which the process number
``crash_index`` exits after taking it, once: marked by a file)."""
import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from channels.zalo.inbox import Inbox  # noqa: E402


async def main() -> None:
    spec = json.loads(os.environ["ZALO_TURN_PROCESS"])
    inbox = Inbox(spec["db_path"])
    print("READY", flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    running = set()

    async def turn(row_id: int) -> None:
        await asyncio.sleep(spec.get("turn_seconds", 0.05))
        inbox.done(row_id, "ok")
        print(f"DONE {row_id}", flush=True)

    while True:
        line = await reader.readline()
        if not line:
            break
        row_id = int(line)
        if inbox.claim(row_id) is None:
            print(f"DONE {row_id}", flush=True)
            continue
        with open(spec["log"], "a") as log:
            log.write(f"{spec['index']} {os.getpid()} {row_id}\n")
        marker = Path(spec["log"] + ".crashed")
        if row_id == spec.get("crash_on") and spec["index"] == spec.get("crash_index", 0) and not marker.exists():
            marker.write_text("1")
            os._exit(3)
        task = asyncio.ensure_future(turn(row_id))
        running.add(task)
        task.add_done_callback(running.discard)
    await asyncio.gather(*running)


asyncio.run(main())
