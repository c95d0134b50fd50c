"""Publication masking on tests/data/publication_corpus.yml: recall for names, addresses and
numbers (goal 100%), precision of the masked spans, share of readable parts kept, time per text.
Figures are printed, never asserted (the pytest test asserts the corpus)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anninh.reports.masking import mask_publication  # noqa: E402
from devtools.masking_corpus import GROUPS, load_corpus, score  # noqa: E402


def run(use_ner: bool):
    def mask(text):
        m = mask_publication(text, use_ner=use_ner)
        return m.source, m.text, [(s.start, s.end) for s in m.spans]
    return mask


def main() -> int:
    items = load_corpus()
    run(True)(items[0]["text"])  # load the NER model outside the timing
    for label, use_ner in (("rules + lexicon + NER", True), ("rules + lexicon only", False)):
        start = time.perf_counter()
        s = score(items, run(use_ner))
        ms = (time.perf_counter() - start) * 1000 / len(items)
        recalls = "  ".join(f"{g} {s.recall(g):.1%} ({s.found[g]}/{s.total[g]})" for g in GROUPS)
        print(f"masking [{label}] on {len(items)} result texts: recall {recalls}")
        print(f"  precision {s.precision:.1%} ({s.correct_spans}/{s.spans} spans)  "
              f"kept readable {s.kept}/{s.keep_total}  {ms:.1f} ms/text")
        for miss in s.misses[:40]:
            print(f"    {miss}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
