"""`make bench`: how procedure answers fit a phone, and the single-question held-out NLU figures.

One-screen share: of the first messages the assistant sends for every procedure (overview and each
aspect, as the buttons ask) and for every question in tests/procedure_cases.yml, the share within
one phone screen (12 lines of 38 characters), the share opening politely ("Dạ"), and the median
number of phone lines. Then scripts/eval_nlu.py on tests/nlu_heldout*.yml (when a model exists).
Figures are printed, never asserted.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from anninh import render  # noqa: E402
from anninh.procedure_answer import answer_question  # noqa: E402
from anninh.resolver import get_resolver  # noqa: E402
from anninh.screen import SCREEN_LINES, SCREEN_WIDTH, screen_lines  # noqa: E402
from anninh.text import fold  # noqa: E402


def first_messages() -> List[str]:
    resolver = get_resolver()
    out = []
    for proc in resolver.catalogue.procedures.values():
        out.append(render.summary(proc, resolver.aspects)[0].text)
        out += [render.aspect_answer(proc, [a], resolver.aspects)[0].text for a in resolver.aspects]
    cases = yaml.safe_load((ROOT / "tests" / "procedure_cases.yml").read_text(encoding="utf-8"))["cases"]
    for case in cases:
        for text in (case["text"], fold(case["text"])):
            _, replies = answer_question(resolver, text)
            if replies:
                out.append(replies[0].text)
    return out


def main() -> int:
    texts = first_messages()
    lines = [screen_lines(t) for t in texts]
    fits = sum(n <= SCREEN_LINES for n in lines) / len(lines)
    polite = sum(t.startswith("Dạ") for t in texts) / len(texts)
    print(f"procedure answers: {len(texts)} first messages; within one screen "
          f"({SCREEN_LINES} lines x {SCREEN_WIDTH} chars) {fits:.3f}; polite opening {polite:.3f}; "
          f"phone lines median {statistics.median(lines):.0f}, max {max(lines)}")
    model = ROOT / "models" / "zalo-an-ninh.tar.gz"
    if model.exists():
        out = Path(tempfile.mkdtemp()) / "nlu.json"
        subprocess.run([sys.executable, str(ROOT / "scripts" / "eval_nlu.py"), "--model", str(model),
                        "--json", str(out)], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        acc = json.loads(out.read_text(encoding="utf-8"))["accuracy"]
        print(f"single-question held-out intent accuracy: overall {acc['overall']:.3f}, "
              f"without diacritics {acc.get('no_diacritics', 0):.3f} (gate 0.95 / 0.95)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
