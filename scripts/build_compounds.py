"""Add to content/lexicon/compounds.txt the compound words found in the training data and catalogue.

underthesea segments accented text well; the compounds it finds there ("đăng ký", "tạm trú") are
what lets the tokenizer segment the same words typed without diacritics. Lines already in the file
(including ones editors added by hand) are kept. Run: make lexicon

``--check`` (run by ``make validate``) writes nothing and fails when the file would change.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, Iterator, List, Set, Tuple

import yaml
from underthesea import word_tokenize

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from anninh.lexicon import load_lexicon  # noqa: E402
from anninh.text import has_diacritics, syllables  # noqa: E402

OUT = ROOT / "content" / "lexicon" / "compounds.txt"
# Texts no citizen message is matched against: the officers' console interface.
NOT_CITIZEN_TEXT = {"console.yml"}
HEADER = """\
# Từ ghép tiếng Việt (mỗi dòng một từ), giúp máy tách từ đúng cả khi người dân gõ không dấu.
# Có thể thêm tay; `make lexicon` tự bổ sung các từ ghép tìm thấy trong dữ liệu huấn luyện.
# Dòng bắt đầu bằng "!" là cụm KHÔNG được coi là từ ghép (make lexicon sẽ không thêm lại).
"""


def _strings(node) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from _strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v)


def texts() -> Iterable[str]:
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            for line in str(block.get("examples", "")).splitlines():
                yield line.lstrip("- ").strip()
    for path in sorted((ROOT / "content").rglob("*.yml")):
        if path.relative_to(ROOT / "content").as_posix() in NOT_CITIZEN_TEXT:
            continue
        yield from _strings(yaml.safe_load(path.read_text(encoding="utf-8")))


def build(existing: List[str]) -> Tuple[List[str], Set[str]]:
    """The file's lines after adding the compounds found in the data, and the new ones."""
    found = set()
    known = {tuple(syllables(l.lstrip("!"))) for l in existing}
    abbreviations = load_lexicon(OUT.parent).abbreviations
    for text in texts():
        if not has_diacritics(text):
            continue
        for word in word_tokenize(text, use_token_normalize=False):
            parts = word.split()
            if len(parts) < 2 or len(parts) > 4 or not all(p.isalpha() for p in parts):
                continue
            key = tuple(syllables(word))
            if any(len(k) < 2 or abbreviations.get(k) or set(k) & set("fjwz") for k in key):
                continue  # teencode, names like "zalo", single letters: not Vietnamese compounds
            if key not in known:
                known.add(key)
                found.add(word.lower())
    lines = sorted(set(existing) | found, key=lambda l: (l.startswith("!"), l))
    return lines, found


def main(argv: List[str]) -> int:
    check = "--check" in argv
    existing = []
    if OUT.exists():
        existing = [l.strip() for l in OUT.read_text(encoding="utf-8").splitlines()
                    if l.strip() and not l.startswith("#")]
    lines, found = build(existing)
    text = HEADER + "\n".join(lines) + "\n"
    name = OUT.relative_to(ROOT)
    if check:
        if OUT.exists() and OUT.read_text(encoding="utf-8") == text:
            return 0
        # For editors (Vietnamese), like the other content checks.
        print(f"{name}: danh sách từ ghép chưa khớp với dữ liệu huấn luyện "
              f"({len(found)} từ mới: {', '.join(sorted(found)[:20])}"
              f"{' …' if len(found) > 20 else ''}). Chạy `make lexicon`, xem lại các dòng mới "
              f"(thêm \"!\" trước cụm không phải từ ghép) rồi commit.", file=sys.stderr)
        return 1
    OUT.write_text(text, encoding="utf-8")
    print(f"{name}: {len(lines)} compounds ({len(found)} new)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
