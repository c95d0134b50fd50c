"""`make bench`: does the report form keep what citizens type? (issue 11)

Through the trained model, in this process, and the real action server: each realistic description
of tests/data/report_descriptions.yml is typed at the description question of a fresh report
("toi muon to giac" first), and each place answer of tests/data/report_places.yml at the place
question. Prints the share kept as the answer on the first try (goal 100%), and for places the
share whose commune is recognised as the corpus says. Figures are printed, never asserted.

    .venv/bin/python bench/report_form_bench.py [--model models/zalo-an-ninh.tar.gz] [-v]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.conversations import agent_with_actions, say  # noqa: E402

DATA = ROOT / "tests" / "data"
OPENING = "toi muon to giac"
DESCRIPTION = "dem qua nha toi bi trom mat 2 con trau trong chuong, sang ra moi biet"


async def _slot_after(agent: Any, sender: str, before: List[str], text: str, slot: str) -> Any:
    for message in before:
        await say(agent, sender, message)
    tracker = await agent.tracker_store.retrieve(sender)
    if tracker.get_slot("requested_slot") != slot:
        raise RuntimeError(f"the form is not at {slot} but at {tracker.get_slot('requested_slot')}")
    await say(agent, sender, text)
    tracker = await agent.tracker_store.retrieve(sender)
    return tracker.get_slot(slot)


async def run(agent: Any, verbose: bool) -> Tuple[str, str, str]:
    from anninh.places import find_commune

    descriptions = yaml.safe_load((DATA / "report_descriptions.yml").read_text(encoding="utf-8"))["descriptions"]
    places = yaml.safe_load((DATA / "report_places.yml").read_text(encoding="utf-8"))["places"]
    kept = 0
    for i, text in enumerate(descriptions):
        got = await _slot_after(agent, f"bench-d{i}", [OPENING], text, "report_description")
        kept += got == " ".join(text.split())
        if verbose and got != text:
            print(f"  description not kept: {text!r} -> {got!r}")
    placed = communes = 0
    for i, item in enumerate(places):
        got = await _slot_after(agent, f"bench-p{i}", [OPENING, DESCRIPTION], item["text"], "report_place")
        placed += got == item["text"]
        found = find_commune(got) if got else None
        communes += (found.id if found else None) == item.get("commune")
        if verbose and got != item["text"]:
            print(f"  place not kept: {item['text']!r} -> {got!r}")
    n, m = len(descriptions), len(places)
    return (f"descriptions kept on the first try: {kept}/{n} = {kept / n:.0%}   [goal 100%]",
            f"place answers kept on the first try: {placed}/{m} = {placed / m:.0%}   [goal 100%]",
            f"communes recognised in place answers as expected: {communes}/{m} = {communes / m:.0%}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default=str(ROOT / "models" / "zalo-an-ninh.tar.gz"))
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    import logging
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-form-") as tmp, \
            agent_with_actions(Path(args.model), Path(tmp)) as agent:
        lines = asyncio.run(run(agent, args.verbose))
    for line in lines:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
