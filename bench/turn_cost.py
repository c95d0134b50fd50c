"""CPU cost of one bot turn inside the Rasa process, per tracker store.

Loads the trained model in this process (with the real action server started on a free port),
then runs the same scripted conversations through ``Agent.handle_message`` one turn at a time,
once per tracker store, and prints the mean and p95 wall time of a turn. With ``--profile STORE``
it also prints the top functions of a cProfile run for that store.

The CPU time this process spends per turn bounds one Rasa process's throughput: its bot turns
share one event loop (while one waits for the action server, another runs), so 1000 / (CPU ms
per turn) is its ceiling in messages per second. Wall time also includes the action server.

  python bench/turn_cost.py [--users 40] [--turns 6] [--stores memory,sqlite-rasa,sqlite]
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from devtools.servers import action_server, free_port  # noqa: E402

TEXTS = ["xin chào", "dang ky tam tru can gi", '/ask_procedure{"procedure":"cu_tru.tam_tru","aspect":"fee"}',
         "còn lệ phí thì sao", "cam on"]


def _stores(work: Path, domain: Any) -> Dict[str, Callable[[], Any]]:
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    from components.tracker_store import SQLiteTrackerStore

    return {
        "memory": lambda: InMemoryTrackerStore(domain),
        "sqlite-rasa": lambda: SQLTrackerStore(domain, dialect="sqlite", db=str(work / "rasa.db")),
        "sqlite": lambda: SQLiteTrackerStore(domain, db=str(work / "ours.db")),
    }


async def _conversations(agent: Any, users: int, turns: int, tag: str) -> List[float]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    times: List[float] = []
    for turn in range(turns):
        for u in range(users):
            text = TEXTS[(u + turn) % len(TEXTS)]
            start = time.perf_counter()
            await agent.handle_message(UserMessage(text, CollectingOutputChannel(), f"{tag}-{u}"))
            times.append((time.perf_counter() - start) * 1000)
    return times


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=40)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--stores", default="memory,sqlite-rasa,sqlite")
    parser.add_argument("--profile", help="also cProfile the run of this store")
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (cumulative, tottime)")
    parser.add_argument("--top", type=int, default=45, help="functions shown by --profile")
    parser.add_argument("--dump", help="with --profile: also write the raw cProfile data here")
    args = parser.parse_args(argv)

    import logging

    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # as `rasa run` does: no per-event debug rendering
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        print("no trained model: run make train", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="turn-cost-"))
    port = free_port()
    actions = action_server(port, work / "actions.log").wait_ready()
    try:
        async def run() -> None:
            endpoints = AvailableEndpoints(action=EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
            agent = await load_agent(str(models[-1]), endpoints=endpoints)
            stores = _stores(work, agent.domain)
            await _conversations(agent, 5, 2, "warmup")  # first-call costs (graph, HTTP session)
            print(f"one Rasa process, {args.users} users x {args.turns} turns, turns run one at a time")
            for name in args.stores.split(","):
                store = stores[name]()
                agent.tracker_store = store
                agent.processor.tracker_store = store
                profiler = cProfile.Profile() if name == args.profile else None
                if profiler:
                    profiler.enable()
                cpu = time.process_time()
                times = await _conversations(agent, args.users, args.turns, f"{name}-{time.time_ns()}")
                cpu_ms = (time.process_time() - cpu) * 1000 / len(times)
                if profiler:
                    profiler.disable()
                ordered = sorted(times)
                mean = sum(times) / len(times)
                p95 = ordered[int(0.95 * (len(ordered) - 1))]
                hits = getattr(getattr(store, "stats", None), "get", lambda *_: None)("hits")
                print(f"  {name:<12} turn mean {mean:6.1f} ms  p95 {p95:6.1f} ms  CPU of this process "
                      f"{cpu_ms:5.1f} ms/turn (ceiling {1000 / cpu_ms:4.0f} msg/s)"
                      + (f"  cache hits {hits}/{len(times)}" if hits is not None else ""))
                if profiler:
                    if args.dump:
                        profiler.dump_stats(args.dump)
                    out = io.StringIO()
                    pstats.Stats(profiler, stream=out).sort_stats(args.sort).print_stats(args.top)
                    print(out.getvalue())

        asyncio.run(run())
    finally:
        actions.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
