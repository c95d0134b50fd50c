"""The held-out NLU sets stay held out: none of their messages (of four words or more, compared
without accents, case or punctuation) may appear in the training data, nor in both sets. Short
messages ("xin chào", "ok") are common to everyone and may repeat."""
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from anninh.text import fold

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = [ROOT / "tests" / "nlu_heldout.yml", ROOT / "tests" / "nlu_heldout_fresh.yml"]
MIN_WORDS = 4


def key(text: str) -> str:
    return re.sub(r"\W+", " ", fold(text.lower())).strip()


def examples(path: Path) -> List[Tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for item in data.get("nlu", []):
        if "intent" not in item:
            continue
        for line in str(item.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                # drop entity markup: [text](entity) -> text
                found.append((item["intent"], re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line[2:])))
    return found


def training_index() -> Dict[str, str]:
    index = {}
    for path in sorted((ROOT / "data").rglob("*.yml")):
        for _, text in examples(path):
            index.setdefault(key(text), f"{path.relative_to(ROOT)}: {text}")
    return index


@pytest.mark.parametrize("held_out", HELD_OUT, ids=lambda p: p.name)
def test_held_out_messages_are_not_in_training_data(held_out):
    train = training_index()
    leaks = [f"{text!r} ~ {train[key(text)]}" for _, text in examples(held_out)
             if len(key(text).split()) >= MIN_WORDS and key(text) in train]
    assert not leaks, "held-out messages found in data/:\n" + "\n".join(leaks)


def test_the_two_held_out_sets_do_not_share_messages():
    first = {key(t) for _, t in examples(HELD_OUT[0])}
    shared = [t for _, t in examples(HELD_OUT[1]) if len(key(t).split()) >= MIN_WORDS and key(t) in first]
    assert not shared, shared


def test_held_out_sets_are_large_and_mostly_written_as_on_phones():
    from anninh.text import has_diacritics
    for path in HELD_OUT:
        texts = [t for _, t in examples(path)]
        assert len(texts) >= 300, (path.name, len(texts))
        plain = sum(not has_diacritics(t) for t in texts)
        assert plain / len(texts) >= 0.40, (path.name, plain, len(texts))


def test_key_folds_accents_case_and_punctuation():
    assert key("Đăng ký TẠM TRÚ, cần gì?") == key("dang ky tam tru can gi") == "dang ky tam tru can gi"
