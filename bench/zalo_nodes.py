"""One node against two on the same machine (issue "Tests and figures"), printed side by side.

A node is what `python -m channels.zalo.serve` starts in production: the acknowledging server (no Rasa)
and its turn processes, plus an action server. Both setups share the local PostgreSQL (conversations,
Zalo inbox and tokens, in a schema of their own, dropped afterwards) and Redis (locks), as
tests/zalo/test_two_nodes.py does; with two nodes the webhooks go to each node in turn, as a load
balancer would spread them. The phases are bench/zalo_bench.py's (conversation, open-loop load,
stress). Memory per node: RSS and PSS of the server and its turn processes (PSS counts each shared
page once, split among the processes that map it; zalo_bench.memory_mb). Also the lines of Python in
channels/zalo now and at f65984c (before the runtime was slimmed; "?" in a clone without it).

  python bench/zalo_nodes.py [--runs 3] [--turn-processes N]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parent))

import zalo_bench as zb  # noqa: E402

BEFORE = "f65984c"  # before the runtime was slimmed (one turn process, acknowledging server without Rasa)


class Nodes(zb.Spawned):
    """``count`` complete stacks on one PostgreSQL schema and one Redis database."""

    def __init__(self, count: int, turn_processes: Optional[int]) -> None:
        super().__init__(zb.ROOT, turn_processes)
        self.count = count
        self.stacks: List[Any] = []

    def __enter__(self) -> "Nodes":
        self.start_fake()
        stack_mod = zb._load(zb.ROOT / "tests" / "zalo" / "stack.py", "zalo_stack")
        self.stores = stack_mod.ProductionStores("znodes", workers=1, redis_db=3)
        env = self.stores.create()
        env["ZALO_DB_URL"] = stack_mod.pg_schema_url(self.stores.schema)
        extra = {"turn_processes": self.turn_processes} if self.turn_processes is not None else {}
        for index in range(self.count):
            work = self.work / f"node-{index + 1}"
            self.stacks.append(stack_mod.RasaStack(
                work, self.fake_url, self.account, project_dir=self.project_dir, extra_credentials=extra,
                enable_api=False, endpoints_file=self.project_dir / "endpoints.production.yml",
                extra_env={**env, "REPORTS_DB_URL": f"sqlite:///{work / 'reports.db'}"}))
        print(f"starting {self.count} node(s) ...", file=sys.stderr)
        errors: List[BaseException] = []

        def start(stack: Any) -> None:
            try:
                stack.start()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=start, args=(s,)) for s in self.stacks]  # model loads overlap
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            self.__exit__(None, None, None)
            raise RuntimeError(str(errors[0]))
        return self

    def server_pids(self) -> List[int]:
        return [stack.procs[1].pid for stack in self.stacks]  # procs: action server, Rasa server

    def __exit__(self, *exc: Any) -> None:
        for stack in self.stacks:
            stack.stop()
        self.stacks = []
        super().__exit__(*exc)


def one_run(count: int, args: argparse.Namespace) -> Dict[str, float]:
    with Nodes(count, args.turn_processes) as nodes:
        acc = nodes.account
        account = zb.ZaloAccount(acc["oa_id"], acc["app_id"], acc["oa_secret_key"], acc["app_secret_key"])
        args.setup = f"{count} node(s)"
        result = asyncio.run(zb.run(args, [s.rasa_url for s in nodes.stacks], nodes.fake_url, account))
        memory = [zb.memory_mb(pid) for pid in nodes.server_pids()]
    conv, load = result["conversation"], result["load"]
    return {"ack_p99_ms": max(conv["ack_p99_ms"], load["ack_p99_ms"]), "e2e_p95_ms": conv["e2e_p95_ms"],
            "messages_per_s": load["messages_per_s"],
            **{f"{part}_{kind}": statistics.mean(m[part][kind] for m in memory)
               for part in ("node", "server", "turn processes") for kind in ("rss", "pss")},
            "unanswered": conv["timeouts"] + sum(result["failures"].values())}


def code_lines(commit: Optional[str] = None) -> Optional[int]:
    """Lines of Python in channels/zalo, now or at ``commit`` (None when git cannot tell)."""
    if commit is None:
        return sum(len(f.read_text(encoding="utf-8").splitlines()) for f in (zb.ROOT / "channels" / "zalo").glob("*.py"))
    try:
        names = subprocess.run(["git", "ls-tree", "--name-only", commit, "channels/zalo/"], cwd=zb.ROOT,
                               capture_output=True, text=True, check=True).stdout.split()
        return sum(len(subprocess.run(["git", "show", f"{commit}:{name}"], cwd=zb.ROOT, capture_output=True,
                                      text=True, check=True).stdout.splitlines())
                   for name in names if name.endswith(".py"))
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1, help="runs of each setup; medians are printed")
    parser.add_argument("--turn-processes", type=int, help="per node (default: the channel's)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--think", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--burst", type=int, default=4)
    args = parser.parse_args(argv)
    error = zb._load(zb.ROOT / "tests" / "zalo" / "stack.py", "zalo_stack").services_error()
    if error:
        print(f"one node against two: skipped ({error})")
        return 0
    runs: Dict[int, List[Dict[str, float]]] = {1: [], 2: []}
    load_before = os.getloadavg()[0]
    for _ in range(args.runs):
        for count in (1, 2):  # interleaved, so both see the same neighbours on a shared machine
            runs[count].append(one_run(count, args))
    rows = [("webhook ack p99 (ms)", "ack_p99_ms", "{:.1f}"), ("end-to-end p95 (ms)", "e2e_p95_ms", "{:.0f}"),
            ("messages/s answered", "messages_per_s", "{:.1f}"),
            ("memory per node, PSS (MB)", "node_pss", "{:.0f}"), ("memory per node, RSS (MB)", "node_rss", "{:.0f}"),
            ("  server PSS / RSS", ("server_pss", "server_rss"), "{:.0f}"),
            ("  turn processes PSS / RSS", ("turn processes_pss", "turn processes_rss"), "{:.0f}"),
            ("unanswered / failed", "unanswered", "{:.0f}")]
    print(f"\nOne node against two on this machine ({os.cpu_count()} cores; PostgreSQL + Redis; "
          f"median of {args.runs} run(s); load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after)")
    print(f"  {'':28}{'1 node':>12}{'2 nodes':>12}")
    def cell(n: int, key: Any, fmt: str) -> str:
        keys = key if isinstance(key, tuple) else (key,)
        return " / ".join(fmt.format(statistics.median(r[k] for r in runs[n])) for k in keys)

    for label, key, fmt in rows:
        print(f"  {label:28}" + "".join(f"{cell(n, key, fmt):>12}" for n in (1, 2)))
    before, now = code_lines(BEFORE), code_lines()
    print(f"  code: channels/zalo {now} lines of Python now, {before if before is not None else '?'} at {BEFORE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
