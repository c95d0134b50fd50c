"""Intent accuracy of a trained model on the held-out test set, with and without diacritics.

A prediction counts only when the final intent is right: a message that falls back (nlu_fallback)
counts as a miss. Used by `make test` (fails below the thresholds) and `make bench` (figures).

    python scripts/eval_nlu.py --model models/zalo-an-ninh.tar.gz --min-overall 0.92 --min-plain 0.90

Two held-out files: tests/nlu_heldout.yml, and tests/nlu_heldout_fresh.yml, written later by someone
who read neither the training data nor the first file (so it also measures how far the training data
was tuned to the first file). The thresholds apply to both together; each file is reported too.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from anninh.text import has_diacritics  # noqa: E402
from devtools.noise import silence_third_party_warnings  # noqa: E402

silence_third_party_warnings()


def load_examples(path: Path) -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(path))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


async def _parse_all(model: str, texts: List[str]) -> Tuple[List[dict], List[float]]:
    from rasa.core.agent import Agent
    agent = Agent.load(model)
    await agent.parse_message("xin chào")  # warm-up
    results, latencies = [], []
    for text in texts:
        start = time.perf_counter()
        results.append(await agent.parse_message(text))
        latencies.append((time.perf_counter() - start) * 1000)
    return results, latencies


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


DEFAULT_DATA = [ROOT / "tests" / "nlu_heldout.yml", ROOT / "tests" / "nlu_heldout_fresh.yml"]


def evaluate(model: str, data: List[Path]) -> Dict:
    examples, source = [], []
    for path in data:
        loaded = load_examples(path)
        examples += loaded
        source += [path.name] * len(loaded)
    parsed, latencies = asyncio.run(_parse_all(model, [t for t, _ in examples]))
    groups: Dict[str, List[bool]] = defaultdict(list)
    misses: List[Tuple[str, str, str]] = []
    per_intent: Dict[str, List[bool]] = defaultdict(list)
    fallbacks = 0
    per_file: Dict[str, List[bool]] = defaultdict(list)
    for (text, gold), result, name in zip(examples, parsed, source):
        predicted = result["intent"]["name"]
        fallbacks += predicted == "nlu_fallback"
        ok = predicted == gold
        groups["overall"].append(ok)
        per_file[name].append(ok)
        groups["with_diacritics" if has_diacritics(text) else "no_diacritics"].append(ok)
        per_intent[gold].append(ok)
        if not ok:
            misses.append((text, gold, predicted))
    acc = {k: sum(v) / len(v) for k, v in groups.items()}
    return {
        "n": len(examples),
        "n_no_diacritics": len(groups["no_diacritics"]),
        "accuracy": acc,
        "fallback_rate": fallbacks / len(examples),
        "per_intent": {k: sum(v) / len(v) for k, v in sorted(per_intent.items())},
        "per_file": {k: (sum(v) / len(v), len(v)) for k, v in per_file.items()},
        "parse_ms_p50": statistics.median(latencies),
        "parse_ms_p95": percentile(latencies, 95),
        "misses": misses,
        "confusions": Counter((g, p) for _, g, p in misses).most_common(10),
    }


def main() -> int:
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog
    configure_structlog(logging.WARNING)  # no per-message debug lines from the parser
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default=str(ROOT / "models" / "zalo-an-ninh.tar.gz"))
    ap.add_argument("--data", nargs="+", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--min-overall", type=float, default=None)
    ap.add_argument("--min-plain", type=float, default=None,
                    help="minimum accuracy on messages without diacritics")
    ap.add_argument("--json", help="write the figures to this file")
    ap.add_argument("--show-misses", action="store_true")
    args = ap.parse_args()

    r = evaluate(args.model, args.data)
    a = r["accuracy"]
    print(f"held-out intent accuracy on {r['n']} messages: overall {a['overall']:.3f}, "
          f"no diacritics {a.get('no_diacritics', 0):.3f} (n={r['n_no_diacritics']}), "
          f"with diacritics {a.get('with_diacritics', 0):.3f}; fallback rate {r['fallback_rate']:.3f}")
    if len(r["per_file"]) > 1:
        print("per file: " + ", ".join(f"{name} {acc:.3f} (n={n})" for name, (acc, n) in r["per_file"].items()))
    print(f"parse latency p50 {r['parse_ms_p50']:.1f} ms, p95 {r['parse_ms_p95']:.1f} ms")
    if r["confusions"]:
        print("most frequent confusions (gold -> predicted): " +
              ", ".join(f"{g}->{p} x{n}" for (g, p), n in r["confusions"]))
    if args.show_misses:
        for text, gold, predicted in r["misses"]:
            print(f"  MISS [{gold} -> {predicted}] {text}")
    if args.json:
        Path(args.json).write_text(json.dumps(r, ensure_ascii=False, indent=1), encoding="utf-8")
    failed = []
    if args.min_overall is not None and a["overall"] < args.min_overall:
        failed.append(f"overall accuracy {a['overall']:.3f} < {args.min_overall}")
    if args.min_plain is not None and a.get("no_diacritics", 0) < args.min_plain:
        failed.append(f"no-diacritics accuracy {a.get('no_diacritics', 0):.3f} < {args.min_plain}")
    if failed:
        print("FAILED: " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
