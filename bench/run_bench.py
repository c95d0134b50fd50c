"""`make bench`: our pipeline and the stock Rasa pipeline side by side.

For each pipeline: full `rasa train` time (no cache), model size, held-out intent accuracy (overall,
with and without diacritics), parse latency p50/p95, and a full turn over the REST channel with the
real action server: p50/p95 one user at a time, turns per second with 20 users at once, server
resident memory. Then the Zalo connector figures (bench/zalo_bench.py) when it is present.
Targets on the 2-core machines: parse p95 <= 20 ms, REST turn p95 <= 50 ms, >= 50 turns/s,
full train <= 3 min, server memory <= 1.5 GB. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from devtools.servers import (BIN, action_server, base_env, free_port, rasa_server,  # noqa: E402
                              write_endpoints)

PIPELINES = {"ours (underthesea)": ROOT / "config.yml",
             "stock (whitespace)": ROOT / "bench" / "config_stock.yml"}


def pct(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def train(config: Path, out: Path) -> Dict:
    cache = tempfile.mkdtemp(prefix="rasa-cache-")
    start = time.perf_counter()
    subprocess.run([str(BIN / "rasa"), "train", "--config", str(config), "--out", str(out),
                    "--fixed-model-name", "bench", "--force", "--quiet"], cwd=ROOT, check=True,
                   env=base_env({"RASA_CACHE_DIRECTORY": cache}), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    model = out / "bench.tar.gz"
    return {"train_s": seconds, "model": str(model), "model_mb": model.stat().st_size / 1e6}


def nlu_figures(model: str) -> Dict:
    out = Path(tempfile.mkdtemp()) / "nlu.json"
    subprocess.run([str(BIN / "python"), str(ROOT / "scripts" / "eval_nlu.py"), "--model", model,
                    "--json", str(out)], cwd=ROOT, env=base_env(), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    r = json.loads(out.read_text(encoding="utf-8"))
    return {"acc": r["accuracy"]["overall"], "acc_plain": r["accuracy"].get("no_diacritics", 0),
            "acc_marked": r["accuracy"].get("with_diacritics", 0),
            "parse_p50": r["parse_ms_p50"], "parse_p95": r["parse_ms_p95"]}


def messages() -> List[str]:
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(ROOT / "tests" / "nlu_heldout.yml"))
    texts = [m.get("text") for m in data.intent_examples]
    random.Random(7).shuffle(texts)
    return texts


async def _turn(session, url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    async with session.post(url, json={"sender": sender, "message": text}) as resp:
        body = await resp.json()
        assert resp.status == 200 and isinstance(body, list), body
    return (time.perf_counter() - start) * 1000


async def rest_load(url: str, texts: List[str], users: int, turns_per_user: int) -> Dict:
    import aiohttp
    latencies: List[float] = []
    async with aiohttp.ClientSession() as session:
        for i in range(5):  # warm-up
            await _turn(session, url, f"warm-{i}", texts[i])
        sequential = [await _turn(session, url, f"seq-{i % 10}", texts[i % len(texts)])
                      for i in range(60)]

        async def user(u: int) -> None:
            for k in range(turns_per_user):
                latencies.append(await _turn(session, url, f"load-{u}",
                                             texts[(u * turns_per_user + k) % len(texts)]))
        start = time.perf_counter()
        await asyncio.gather(*(user(u) for u in range(users)))
        elapsed = time.perf_counter() - start
    return {"turn_p50": statistics.median(sequential), "turn_p95": pct(sequential, 95),
            "load_p95": pct(latencies, 95), "turns_per_s": len(latencies) / elapsed}


def rest_figures(model: str, workdir: Path) -> Dict:
    action_port, rasa_port = free_port(), free_port()
    endpoints = write_endpoints(workdir / "endpoints.yml", action_port, workdir / "tracker.db")
    credentials = workdir / "credentials.yml"
    credentials.write_text("rest:\n", encoding="utf-8")
    actions = action_server(action_port, workdir / "actions.log")
    rasa = rasa_server(Path(model), rasa_port, endpoints, credentials, workdir / "rasa.log")
    try:
        actions.wait_ready()
        rasa.wait_ready(300)
        url = f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook"
        figures = asyncio.run(rest_load(url, messages(), users=20, turns_per_user=15))
        figures["rss_mb"] = rasa.rss_mb()
        return figures
    finally:
        rasa.stop()
        actions.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--only", choices=["ours", "stock"], help="bench one pipeline")
    ap.add_argument("--skip-zalo", action="store_true")
    args = ap.parse_args()
    rows = {}
    for name, config in PIPELINES.items():
        if args.only and not name.startswith(args.only):
            continue
        work = Path(tempfile.mkdtemp(prefix="bench-"))
        print(f"[{name}] training {config.relative_to(ROOT)} …", flush=True)
        row = train(config, work)
        print(f"[{name}] evaluating NLU and REST turns …", flush=True)
        row.update(nlu_figures(row["model"]))
        row.update(rest_figures(row["model"], work))
        rows[name] = row
    print()
    header = f"{'':34}" + "".join(f"{n:>22}" for n in rows)
    print(header)
    lines = [
        ("intent accuracy, overall", "acc", "{:.3f}"),
        ("  without diacritics", "acc_plain", "{:.3f}"),
        ("  with diacritics", "acc_marked", "{:.3f}"),
        ("full rasa train (s)      [<=180]", "train_s", "{:.0f}"),
        ("model size (MB)", "model_mb", "{:.1f}"),
        ("parse p50 (ms)", "parse_p50", "{:.1f}"),
        ("parse p95 (ms)           [<=20]", "parse_p95", "{:.1f}"),
        ("REST turn p50 (ms)", "turn_p50", "{:.1f}"),
        ("REST turn p95 (ms)       [<=50]", "turn_p95", "{:.1f}"),
        ("turns/s, 20 users        [>=50]", "turns_per_s", "{:.1f}"),
        ("turn p95 under load (ms)", "load_p95", "{:.1f}"),
        ("server RSS (MB)        [<=1536]", "rss_mb", "{:.0f}"),
    ]
    for label, key, fmt in lines:
        print(f"{label:34}" + "".join(f"{fmt.format(r[key]):>22}" for r in rows.values()))
    zalo = ROOT / "bench" / "zalo_bench.py"
    if zalo.exists() and not args.skip_zalo:
        print("\nCPU of one bot turn in one process, per tracker store:")
        subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "turn_cost.py")], cwd=ROOT, env=base_env(),
                       stderr=subprocess.DEVNULL)
        print("\nZalo connector (turns in 2 turn processes, conversations in SQLite):")
        subprocess.run([str(BIN / "python"), str(zalo), "--spawn"], cwd=ROOT, env=base_env())
        print("\nZalo connector, 2 Rasa workers (PostgreSQL + Redis on 127.0.0.1):")
        subprocess.run([str(BIN / "python"), str(zalo), "--spawn", "--workers", "2"], cwd=ROOT, env=base_env())
        print("\nZalo, one node against two (bench/zalo_nodes.py, PostgreSQL + Redis on 127.0.0.1):")
        subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "zalo_nodes.py")], cwd=ROOT, env=base_env())
        print("\nA 1 MB message and the other citizens (bench/huge_message.py):")
        subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "huge_message.py")], cwd=ROOT, env=base_env())
    print("\nReport form, typed answers (bench/report_form_bench.py):")
    subprocess.run([str(BIN / "python"), str(ROOT / "bench" / "report_form_bench.py")], cwd=ROOT,
                   env=base_env(), stderr=subprocess.DEVNULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
