"""The phrase index's typo matching looks only where a phrase's first or second word stands. It must
find exactly what a scan of every phrase at every position finds: checked on the real indexes
(procedures, families, cues, aspects, communes, emergency keywords) against every held-out and
procedure-case message, and against those messages with typos put in."""
from __future__ import annotations

import random
from pathlib import Path
from typing import List, Sequence

import yaml

from anninh.phrases import Match, PhraseIndex, _fuzzy_at
from anninh.resolver import get_resolver
from anninh.text import normalize

ROOT = Path(__file__).resolve().parents[1]


def scan_all(index: PhraseIndex, words: Sequence[str]) -> List[Match]:
    """The exhaustive scan the index replaced: exact and gapped matches as the index finds them,
    then every phrase of two or more words tried with one typo at every position."""
    without_typos = PhraseIndex.__new__(PhraseIndex)
    without_typos.__dict__.update(index.__dict__)
    without_typos._fuzzy_by_word = ({}, {})
    found = without_typos.matches(words)
    for phrase, key in index._phrases:
        m = len(phrase)
        if m < 2:
            continue
        for i in range(len(words) - m + 1):
            if _fuzzy_at(phrase, words, i):
                found.append(Match(key, i, i + m, 2 * m - 1))
                break
    return found


def messages() -> List[str]:
    texts: List[str] = []
    for name in ("nlu_heldout.yml", "nlu_heldout_fresh.yml"):
        for block in yaml.safe_load((ROOT / "tests" / name).read_text(encoding="utf-8"))["nlu"]:
            texts += [line[2:].strip() for line in block.get("examples", "").splitlines() if line.startswith("- ")]
    cases = yaml.safe_load((ROOT / "tests" / "procedure_cases.yml").read_text(encoding="utf-8"))
    for case in cases if isinstance(cases, list) else cases.get("cases", []):
        if isinstance(case, dict) and isinstance(case.get("text"), str):
            texts.append(case["text"])
    return texts


def with_typo(words: List[str], rnd: random.Random) -> List[str]:
    words = list(words)
    long = [i for i, w in enumerate(words) if len(w) >= 3]
    if long:
        i = rnd.choice(long)
        w = words[i]
        k = rnd.randrange(len(w))
        words[i] = w[:k] + rnd.choice("aeiouy") + w[k + 1:] if rnd.random() < 0.5 else w[:k] + w[k + 1:]
    return words


def indexes() -> List[PhraseIndex]:
    from anninh.emergency import load_emergency
    from anninh.places import _commune_index

    resolver = get_resolver()
    return [resolver._procedures, resolver._families, resolver._cues, resolver._aspects,
            _commune_index()[0], load_emergency()._index]


def test_typo_matching_finds_what_scanning_everything_finds():
    rnd = random.Random(2026)
    abbreviations = get_resolver().abbreviations
    texts = messages()
    assert len(texts) > 700
    fuzzy = 0
    for index in indexes():
        for text in texts:
            words = normalize(text, abbreviations)
            for variant in (words, with_typo(words, rnd)):
                got, expected = index.matches(variant), scan_all(index, variant)
                assert got == expected, (text, variant)
                fuzzy += sum(1 for m in got if m.score % 2 == 1)
    assert fuzzy > 100  # the typo variants really exercised the one-typo matches
