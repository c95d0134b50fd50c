"""Benchmark of the Zalo channel: webhook acknowledgement latency, end-to-end latency and throughput.

It posts signed webhook events to a running Rasa server (``--rasa-url``) whose zalo channel sends to
the fake Zalo API (``--fake-url``, tests/fakes/fake_zalo.py), and reads what arrived there through the
fake's control API. End-to-end latency = the fake's receive time of the first answer − the time the
event was posted (same machine, same clock).

Phases:
1. conversation: ``--users`` users chat at once; each sends a message, waits for its answer, pauses
   ``--think`` seconds (± 50 %), and goes on for ``--turns`` turns. → ack p50/p99, e2e p50/p95.
2. load (open loop): messages from ``--users`` users arrive at ``--rate`` per second for
   ``--seconds`` seconds, whether or not the earlier ones were answered, as Zalo delivers them. The
   default rate is twice the target throughput, so a backlog of bot turns builds up. → ack p50/p99
   under that load, and messages/s answered (first post to last answer).
3. stress (informational, no target): every user posts ``--burst`` messages at the same instant
   (``users × burst`` requests in flight at once). The last request in such a pile waits for all
   the others' acknowledgements, so its latency is about their number × the cost of one.
Usage:
  python bench/zalo_bench.py --rasa-url http://127.0.0.1:5005 --fake-url http://127.0.0.1:PORT
      (OA secrets from ZALO_OA_ID / ZALO_APP_ID / ZALO_OA_SECRET_KEY, as given to the server)
  python bench/zalo_bench.py --spawn
      (starts the fake API, the action server and Rasa with the newest model in models/, then stops them)
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from channels.zalo.config import ZaloAccount  # noqa: E402
from channels.zalo.signature import SIGNATURE_HEADER, sign  # noqa: E402

TEXTS = ["xin chào", "dang ky tam tru can gi", '/ask_procedure{"procedure":"cu_tru.tam_tru","aspect":"fee"}']
TARGETS = {"ack_p99_ms": 20.0, "e2e_p95_ms": 300.0, "messages_per_s": 50.0}


def percentile(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Bench:
    def __init__(self, rasa_url: "str | List[str]", fake_url: str, account: ZaloAccount) -> None:
        # Several servers (nodes behind a load balancer): the posts go to each in turn.
        urls = [rasa_url] if isinstance(rasa_url, str) else list(rasa_url)
        self.webhooks = [url.rstrip("/") + "/webhooks/zalo/webhook" for url in urls]
        self.fake_url = fake_url.rstrip("/")
        self.account = account
        self.session: Optional[aiohttp.ClientSession] = None
        self.ack_ms: List[float] = []
        self.failures: Dict[str, int] = {}
        self._last_seq = 0
        self._arrivals: Dict[str, List[float]] = {}  # user id -> fake receive times, in order
        self._waiters: Dict[str, List[Tuple[int, asyncio.Future]]] = {}
        self._poller: Optional[asyncio.Task] = None
        self.answers_per_text: Dict[str, int] = {}
        self._seq = 0

    async def __aenter__(self) -> "Bench":
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200))
        async with self.session.get(self.fake_url + "/_fake/messages") as resp:
            self._last_seq = (await resp.json())["last"]
        self._poller = asyncio.create_task(self._poll())
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._poller:
            self._poller.cancel()
        if self.session:
            await self.session.close()

    async def _poll(self) -> None:
        assert self.session is not None
        while True:
            try:
                async with self.session.get(f"{self.fake_url}/_fake/messages?since={self._last_seq}&wait=2&fields=user_id,received_at") as resp:
                    data = await resp.json()
                for m in data["messages"]:
                    arrivals = self._arrivals.setdefault(m["user_id"], [])
                    arrivals.append(m["received_at"])
                    for count, fut in list(self._waiters.get(m["user_id"], [])):
                        if len(arrivals) >= count and not fut.done():
                            fut.set_result(None)
                self._last_seq = data["last"]
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError):
                await asyncio.sleep(0.1)

    async def wait_arrivals(self, user_id: str, count: int, timeout: float) -> bool:
        if len(self._arrivals.get(user_id, [])) >= count:
            return True
        fut = asyncio.get_running_loop().create_future()
        entry = (count, fut)
        self._waiters.setdefault(user_id, []).append(entry)
        try:
            await asyncio.wait_for(fut, timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            self._waiters[user_id].remove(entry)

    def arrivals(self, user_id: str) -> List[float]:
        return self._arrivals.get(user_id, [])

    async def post_text(self, user_id: str, text: str) -> float:
        """Post a signed user_send_text event; returns the wall-clock time it was sent."""
        assert self.session is not None
        self._seq += 1
        sent_at = time.time()
        ts = str(int(sent_at * 1000))
        body = json.dumps({
            "app_id": self.account.app_id, "sender": {"id": user_id}, "recipient": {"id": self.account.oa_id},
            "event_name": "user_send_text", "timestamp": ts,
            "message": {"text": text, "msg_id": f"bench-{uuid.uuid4().hex}"}}, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.account, body, ts)}
        started = time.perf_counter()
        try:
            webhook = self.webhooks[self._seq % len(self.webhooks)]
            async with self.session.post(webhook, data=body, headers=headers) as resp:
                await resp.read()
                status = resp.status
        except aiohttp.ClientError as exc:
            self.failures[type(exc).__name__] = self.failures.get(type(exc).__name__, 0) + 1
            return sent_at
        self.ack_ms.append((time.perf_counter() - started) * 1000)
        if status != 200:
            self.failures[f"HTTP {status}"] = self.failures.get(f"HTTP {status}", 0) + 1
        return sent_at

    async def calibrate(self, run_id: str) -> None:
        """How many messages does the bot send for each text? (Sequentially, for one user.)"""
        user = f"{run_id}-calib"
        for text in TEXTS:
            before = len(self.arrivals(user))
            await self.post_text(user, text)
            await self.wait_arrivals(user, before + 1, 30)
            await asyncio.sleep(1.0)  # let any further parts of the answer arrive
            self.answers_per_text[text] = max(1, len(self.arrivals(user)) - before)
        self.ack_ms.clear()

    async def conversation(self, run_id: str, users: int, turns: int, think: float) -> Dict[str, Any]:
        e2e: List[float] = []
        by_turn: Dict[int, List[float]] = {}
        by_text: Dict[str, List[float]] = {}
        timeouts = 0

        async def user(i: int) -> None:
            nonlocal timeouts
            uid = f"{run_id}-u{i}"
            rnd = random.Random(i)
            await asyncio.sleep(rnd.random() * think)  # users do not start in lockstep
            expected = 0
            for turn in range(turns):
                text = TEXTS[(i + turn) % len(TEXTS)]
                first = expected + 1
                expected += self.answers_per_text.get(text, 1)
                sent_at = await self.post_text(uid, text)
                if not await self.wait_arrivals(uid, expected, 30):
                    timeouts += 1
                    expected = len(self.arrivals(uid))
                    continue
                e2e.append((self.arrivals(uid)[first - 1] - sent_at) * 1000)
                by_turn.setdefault(turn, []).append(e2e[-1])
                by_text.setdefault(text, []).append(e2e[-1])
                await asyncio.sleep(think * (0.5 + rnd.random()))

        self.ack_ms.clear()
        started = time.monotonic()
        await asyncio.gather(*[user(i) for i in range(users)])
        elapsed = time.monotonic() - started
        return {"users": users, "turns": turns, "think_s": think, "messages": users * turns,
                "seconds": round(elapsed, 2), "offered_msgs_per_s": round(users * turns / elapsed, 1),
                "ack_p50_ms": round(percentile(self.ack_ms, 0.5), 2),
                "ack_p99_ms": round(percentile(self.ack_ms, 0.99), 2),
                "ack_max_ms": round(max(self.ack_ms, default=float("nan")), 2),
                "e2e_p50_ms": round(percentile(e2e, 0.5), 1), "e2e_p95_ms": round(percentile(e2e, 0.95), 1),
                "e2e_max_ms": round(max(e2e, default=float("nan")), 1), "timeouts": timeouts,
                "e2e_p50_p95_by_turn": {t: [round(percentile(v, 0.5)), round(percentile(v, 0.95))]
                                        for t, v in sorted(by_turn.items())},
                "e2e_p50_p95_by_text": {t[:30]: [round(percentile(v, 0.5)), round(percentile(v, 0.95))]
                                        for t, v in by_text.items()}}

    async def load(self, run_id: str, users: int, rate: float, seconds: float) -> Dict[str, Any]:
        """Open loop: post ``rate`` messages per second for ``seconds``, then wait for every answer."""
        self.ack_ms.clear()
        total = max(1, int(rate * seconds))
        expected: Dict[str, int] = {}
        posts: List["asyncio.Task[float]"] = []
        loop = asyncio.get_running_loop()
        started = time.time()
        t0 = loop.time()
        for k in range(total):
            uid = f"{run_id}-l{k % users}"
            text = TEXTS[(k // users + k) % len(TEXTS)]
            expected[uid] = expected.get(uid, 0) + self.answers_per_text.get(text, 1)
            delay = t0 + k / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            posts.append(asyncio.create_task(self.post_text(uid, text)))
        await asyncio.gather(*posts)
        posted = time.time()
        done = await asyncio.gather(*[self.wait_arrivals(uid, n, 120) for uid, n in expected.items()])
        finished = max((self.arrivals(uid)[-1] for uid in expected if self.arrivals(uid)), default=time.time())
        return {"messages": total, "offered_msgs_per_s": rate, "post_seconds": round(posted - started, 2),
                "seconds_to_last_answer": round(finished - started, 2),
                "messages_per_s": round(total / max(finished - started, 1e-9), 1) if all(done) else 0.0,
                "users_fully_answered": f"{sum(1 for ok in done if ok)}/{len(expected)}",
                "ack_p50_ms": round(percentile(self.ack_ms, 0.5), 2),
                "ack_p99_ms": round(percentile(self.ack_ms, 0.99), 2),
                "ack_max_ms": round(max(self.ack_ms, default=float("nan")), 2)}

    async def stress(self, run_id: str, users: int, per_user: int) -> Dict[str, Any]:
        """Every user posts ``per_user`` messages at the same instant."""
        self.ack_ms.clear()
        expected: Dict[str, int] = {}
        posts = []
        started = time.time()
        for j in range(per_user):
            for i in range(users):
                uid = f"{run_id}-b{i}"
                text = TEXTS[(i + j) % len(TEXTS)]
                expected[uid] = expected.get(uid, 0) + self.answers_per_text.get(text, 1)
                posts.append(self.post_text(uid, text))
        await asyncio.gather(*posts)
        posted = time.time()
        done = await asyncio.gather(*[self.wait_arrivals(uid, n, 120) for uid, n in expected.items()])
        finished = max((self.arrivals(uid)[-1] for uid in expected if self.arrivals(uid)), default=time.time())
        return {"messages": users * per_user, "post_seconds": round(posted - started, 2),
                "seconds_to_last_answer": round(finished - started, 2),
                "users_fully_answered": f"{sum(1 for ok in done if ok)}/{users}",
                "ack_p50_ms": round(percentile(self.ack_ms, 0.5), 2),
                "ack_p99_ms": round(percentile(self.ack_ms, 0.99), 2)}


def _process_tree(pid: int) -> List[int]:
    """``pid`` and all its descendants (Linux /proc)."""
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().decode(errors="replace").rsplit(")", 1)[-1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pid: int, descendants: bool = True) -> float:
    """User + system CPU time of ``pid`` (and its live descendants), in seconds."""
    total = 0
    for one in (_process_tree(pid) if descendants else [pid]):
        try:
            with open(f"/proc/{one}/stat", "rb") as handle:
                fields = handle.read().decode(errors="replace").rsplit(")", 1)[-1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> Dict[str, Dict[str, float]]:
    """Memory (MB) of the server ``pid`` alone ("server") and of its descendants together ("turn
    processes"), as RSS and as PSS (from /proc/<pid>/smaps_rollup). PSS divides each shared page
    among the processes that map it, so the PSS of a node's processes add up without counting the
    shared libraries (Python, TensorFlow) twice, as a sum of RSS does."""
    def one(p: int) -> Dict[str, float]:
        fields: Dict[str, float] = {"rss": 0.0, "pss": 0.0}
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()[1:]:
                name, value = line.split(":", 1)
                if name in ("Rss", "Pss"):
                    fields[name.lower()] = int(value.split()[0]) / 1024
        except (OSError, ValueError):
            pass
        return fields
    tree = _process_tree(pid)
    server, turns = one(pid), [one(p) for p in tree[1:]]
    found = {"server": server, "turn processes": {k: sum(t[k] for t in turns) for k in ("rss", "pss")}}
    found["node"] = {k: server[k] + found["turn processes"][k] for k in ("rss", "pss")}
    return {part: {k: round(v) for k, v in values.items()} for part, values in found.items()}


class CpuMeter:
    """CPU milliseconds per message that each process spent during a phase."""

    def __init__(self, pids: Dict[str, int]) -> None:
        self.pids = pids  # this process itself is counted without its children (the servers)
        self._start: Dict[str, float] = {}

    def _now(self) -> Dict[str, float]:
        found: Dict[str, float] = {}
        for name, pid in self.pids.items():
            if pid == os.getpid():
                found[name] = sum(os.times()[:2])
            elif name == "Rasa server":  # the server process alone; its turn processes apart
                found[name] = cpu_seconds(pid, descendants=False)
                found["turn processes"] = cpu_seconds(pid) - found[name]
            else:
                found[name] = cpu_seconds(pid)
        return found

    def start(self) -> None:
        self._start = self._now()

    def per_message(self, messages: int) -> Dict[str, float]:
        used = {name: seconds - self._start.get(name, 0.0) for name, seconds in self._now().items()}
        return {name: round(seconds * 1000 / max(messages, 1), 1) for name, seconds in used.items()}


def _load(path: Path, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class Spawned:
    """Fake API (subprocess) + action server + Rasa, for --spawn. With ``workers`` > 1: that many Rasa
    worker processes on the project's endpoints.production.yml (conversations in PostgreSQL, in a
    schema of its own that is dropped afterwards; locks in Redis), as `RASA_WORKERS=N make run`."""

    def __init__(self, project_dir: Path, turn_processes: Optional[int], workers: int = 1) -> None:
        self.work = Path(tempfile.mkdtemp(prefix="zalo-bench-"))
        self.account = {"oa_id": "4300000000000099", "app_id": "1200000000000099",
                        "oa_secret_key": "bench-oa-secret", "app_secret_key": "bench-app-secret", "unit": "bench"}
        self.project_dir = project_dir
        self.turn_processes = turn_processes
        self.workers = workers
        self.stores: Any = None
        self.fake: Optional[subprocess.Popen] = None
        self.stack: Any = None
        self.fake_url = ""

    def start_fake(self) -> None:
        """The fake Zalo API as a subprocess; sets ``fake_url`` and the account's refresh token."""
        self.fake = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "fakes" / "fake_zalo.py"), "--oa-id", self.account["oa_id"],
             "--app-id", self.account["app_id"], "--app-secret-key", self.account["app_secret_key"]],
            stdout=subprocess.PIPE, text=True)
        values: Dict[str, str] = {}
        assert self.fake.stdout is not None
        while len(values) < 2:
            line = self.fake.stdout.readline()
            if not line:
                raise RuntimeError("the fake Zalo API did not start")
            key, _, value = line.strip().partition("=")
            values[key] = value
        self.fake_url = values["FAKE_ZALO_URL"]
        self.account["refresh_token"] = values["ZALO_REFRESH_TOKEN"]

    def __enter__(self) -> "Spawned":
        self.start_fake()
        stack_mod = _load(ROOT / "tests" / "zalo" / "stack.py", "zalo_stack")
        processes = 0 if self.turn_processes is None and self.workers > 1 else self.turn_processes
        extra = {"turn_processes": processes} if processes is not None else {}  # None: the channel's default
        env: Dict[str, str] = {"REPORTS_DB_URL": f"sqlite:///{self.work / 'reports.db'}"}
        endpoints_file, endpoints = None, {}
        if self.workers > 1:
            self.stores = stack_mod.ProductionStores("zbench", workers=self.workers, redis_db=3)
            env.update(self.stores.create())
            endpoints_file = self.project_dir / "endpoints.production.yml"
        else:  # the embedded default of make run (endpoints.yml): conversations in a SQLite file
            endpoints = {"tracker_store": {"type": "components.tracker_store.SQLiteTrackerStore",
                                           "db": str(self.work / "tracker.db")}}
        print(f"starting Rasa ({self.workers} worker(s)) + action server (project {self.project_dir}) ...",
              file=sys.stderr)
        self.stack = stack_mod.RasaStack(self.work, self.fake_url, self.account, project_dir=self.project_dir,
                                         extra_credentials=extra, enable_api=False, extra_env=env,
                                         extra_endpoints=endpoints, endpoints_file=endpoints_file)
        self.stack.start()
        if self.workers > 1:
            self._wait_for_workers()
        return self

    def pids(self) -> Dict[str, int]:
        names = ["action server", "Rasa server"]
        found = {name: proc.pid for name, proc in zip(names, self.stack.procs)}
        if self.fake is not None:
            found["fake Zalo API"] = self.fake.pid
        found["bench client"] = os.getpid()
        return found

    def _wait_for_workers(self, timeout: float = 180.0) -> None:
        deadline = time.monotonic() + timeout
        while self.stack.tail("rasa", 5000).count("zalo: channel started") < self.workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"not all {self.workers} workers started:\n{self.stack.tail('rasa')}")
            time.sleep(0.5)

    def __exit__(self, *exc: Any) -> None:
        if self.stack is not None:
            self.stack.stop()
        if self.fake is not None:
            self.fake.terminate()
            self.fake.wait(10)
        if self.stores is not None:
            try:
                self.stores.drop()
            except Exception as exc:  # noqa: BLE001
                print(f"cleanup: {exc}", file=sys.stderr)
        if not os.environ.get("ZALO_BENCH_KEEP"):
            shutil.rmtree(self.work, ignore_errors=True)


async def run(args: argparse.Namespace, rasa_url: str, fake_url: str, account: ZaloAccount,
              pids: Optional[Dict[str, int]] = None) -> Dict[str, Any]:
    run_id = f"bench{int(time.time())}"
    meter = CpuMeter(pids or {"bench client": os.getpid()})
    async with Bench(rasa_url, fake_url, account) as bench:
        await bench.calibrate(run_id)
        result: Dict[str, Any] = {"answers_per_text": bench.answers_per_text, "setup": args.setup}
        meter.start()
        result["conversation"] = await bench.conversation(run_id, args.users, args.turns, args.think)
        result["conversation"]["cpu_ms_per_message"] = meter.per_message(result["conversation"]["messages"])
        meter.start()
        result["load"] = await bench.load(run_id, args.users, args.rate, args.seconds)
        result["load"]["cpu_ms_per_message"] = meter.per_message(result["load"]["messages"])
        result["stress"] = await bench.stress(run_id, args.users, args.burst)
        if pids and "Rasa server" in pids:
            result["memory_mb"] = memory_mb(pids["Rasa server"])
        result["code_lines"] = sum(len(f.read_text(encoding="utf-8").splitlines())
                                   for f in (ROOT / "channels" / "zalo").glob("*.py"))
        result["failures"] = bench.failures
    return result


def report(result: Dict[str, Any]) -> bool:
    conv, load, stress = result["conversation"], result["load"], result["stress"]
    ack_p99 = max(conv["ack_p99_ms"], load["ack_p99_ms"])
    rows = [
        ("webhook ack p50 / p99, conversation", f"{conv['ack_p50_ms']:.1f} / {conv['ack_p99_ms']:.1f} ms", ""),
        ("webhook ack p50 / p99, load", f"{load['ack_p50_ms']:.1f} / {load['ack_p99_ms']:.1f} ms", ""),
        ("webhook ack p99, worse of the two", f"{ack_p99:.1f} ms", f"≤ {TARGETS['ack_p99_ms']:.0f} ms"),
        ("end-to-end p50, conversation", f"{conv['e2e_p50_ms']:.0f} ms", ""),
        ("end-to-end p95, conversation", f"{conv['e2e_p95_ms']:.0f} ms", f"≤ {TARGETS['e2e_p95_ms']:.0f} ms"),
        ("messages/s answered, load", f"{load['messages_per_s']:.1f}", f"≥ {TARGETS['messages_per_s']:.0f}"),
        (f"stress: {stress['messages']} posted at once, ack p50 / p99",
         f"{stress['ack_p50_ms']:.0f} / {stress['ack_p99_ms']:.0f} ms", "(no target)"),
    ]
    checks = [ack_p99 <= TARGETS["ack_p99_ms"], conv["e2e_p95_ms"] <= TARGETS["e2e_p95_ms"],
              load["messages_per_s"] >= TARGETS["messages_per_s"]]
    print(f"\nZalo channel benchmark ({result.get('setup') or 'a running server'}): conversation {conv['users']} users x {conv['turns']} turns "
          f"(think {conv['think_s']} s, offered {conv['offered_msgs_per_s']} msg/s); "
          f"load {load['messages']} messages offered at {load['offered_msgs_per_s']:g}/s")
    width = max(len(r[0]) for r in rows)
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:>16}  {target}")
    if result["failures"] or conv["timeouts"] or load["messages_per_s"] == 0.0:
        print(f"  failures: {result['failures']}, conversation timeouts: {conv['timeouts']}, "
              f"load answered: {load['users_fully_answered']} users")
    cpu = load.get("cpu_ms_per_message") or {}
    if cpu:
        print("  CPU ms per message in the load phase (2 cores = 2000 ms/s): "
              + ", ".join(f"{name} {ms:g}" for name, ms in cpu.items()) + f"; total {sum(cpu.values()):.1f}")
    if result.get("memory_mb"):
        print("  memory RSS / PSS (MB): " + ", ".join(
            f"{part} {m['rss']} / {m['pss']}" for part, m in result["memory_mb"].items()))
    if result.get("code_lines"):
        print(f"  code: channels/zalo {result['code_lines']} lines of Python")
    verdict = ["ack p99", "e2e p95", "throughput"]
    print("  targets: " + ", ".join(f"{v} {'met' if ok else 'MISSED'}" for v, ok in zip(verdict, checks)))
    return all(checks)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-url", help="base URL of a running Rasa server with the zalo channel")
    parser.add_argument("--fake-url", help="base URL of the fake Zalo API that server sends to")
    parser.add_argument("--spawn", action="store_true", help="start fake API, action server and Rasa here")
    parser.add_argument("--project-dir", default=str(ROOT), help="Rasa project for --spawn (models/, actions/)")
    parser.add_argument("--turn-processes", type=int,
                        help="channel setting for --spawn (default: the channel's, 2; 0: turns in the server)")
    parser.add_argument("--workers", type=int, default=1,
                        help="Rasa worker processes for --spawn (>1: PostgreSQL + Redis, endpoints.production.yml)")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's turns (s)")
    parser.add_argument("--rate", type=float, default=100.0, help="messages/s offered in the load phase")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the load phase (s)")
    parser.add_argument("--burst", type=int, default=4, help="messages per user posted at once (stress)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    if args.spawn:
        args.setup = (f"{args.workers} Rasa workers, conversations in PostgreSQL, locks in Redis" if args.workers > 1
                      else "1 Rasa process, conversations in SQLite")
        with Spawned(Path(args.project_dir), args.turn_processes, args.workers) as spawned:
            acc = spawned.account
            account = ZaloAccount(acc["oa_id"], acc["app_id"], acc["oa_secret_key"], acc["app_secret_key"])
            result = asyncio.run(run(args, spawned.stack.rasa_url, spawned.fake_url, account, spawned.pids()))
    else:
        args.setup = ""
        if not args.rasa_url or not args.fake_url:
            parser.error("give --rasa-url and --fake-url, or --spawn")
        missing = [v for v in ("ZALO_OA_ID", "ZALO_APP_ID", "ZALO_OA_SECRET_KEY") if not os.environ.get(v)]
        if missing:
            parser.error(f"set {', '.join(missing)} (the same values the server uses)")
        account = ZaloAccount(os.environ["ZALO_OA_ID"], os.environ["ZALO_APP_ID"],
                              os.environ["ZALO_OA_SECRET_KEY"], os.environ.get("ZALO_APP_SECRET_KEY", ""))
        result = asyncio.run(run(args, args.rasa_url, args.fake_url, account))
    ok = report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
