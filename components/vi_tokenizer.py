"""A Rasa tokenizer for Vietnamese on underthesea's word segmentation.

Each token keeps exact offsets into the raw message (``text[token.start:token.end] == token.text``),
and carries as its lemma an accent-insensitive form with compound syllables joined: "Tạm trú",
"tam tru" and "TẠM TRÚ" all get the lemma ``tam_tru``. Featurizers configured with
``use_lemma: true`` (Rasa's default) then see the same feature whether or not the citizen typed
diacritics. Teencode is expanded in the lemma ("đk" -> ``dang_ky``).

underthesea segments text with diacritics well but not text without them ("tam tru can" comes
back as one word). Runs of single syllables typed without diacritics are therefore re-grouped by
longest match against the editable compound list in ``content/lexicon/compounds.txt``.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message
from underthesea import word_tokenize

from anninh.fingerprint import fingerprint, module_files
from anninh.lexicon import LEXICON_DIR, LEXICON_FILES, Lexicon, load_lexicon
from anninh.text import canonical, fold, fold_char, has_diacritics

Span = Tuple[int, int]


def _match_at(text: str, i: int, folded_piece: str) -> Optional[int]:
    """End index if ``folded_piece`` matches ``text`` from ``i`` (accent-insensitively), else None."""
    n = len(text)
    for c in folded_piece:
        while i < n and unicodedata.combining(text[i]):
            i += 1
        if i >= n or fold_char(text[i]) != c:
            return None
        i += 1
    while i < n and unicodedata.combining(text[i]):
        i += 1
    return i


def _find_piece(text: str, piece: str, pos: int) -> Optional[Span]:
    """Locate one syllable that underthesea returned (possibly re-normalised) in the raw text."""
    folded = fold(piece)
    if not folded:
        return None
    for start in range(pos, len(text)):
        if text[start].isspace():
            continue
        end = _match_at(text, start, folded)
        if end is not None:
            return start, end
    return None


def align(text: str, words: Sequence[str]) -> List[List[Span]]:
    """Spans in ``text`` of each syllable of each word; words that cannot be found are dropped."""
    out: List[List[Span]] = []
    pos = 0
    for word in words:
        spans: List[Span] = []
        for piece in word.split():
            found = _find_piece(text, piece, pos)
            if found is None:
                spans = []
                break
            spans.append(found)
            pos = found[1]
        if spans:
            out.append(spans)
    return out


def _is_word(s: str) -> bool:
    return any(ch.isalnum() for ch in s)


def segment(text: str, lexicon: Lexicon) -> List[Span]:
    """Word spans of ``text``: underthesea's segmentation, re-grouped where diacritics are missing."""
    words = word_tokenize(text, use_token_normalize=False)
    items: List[List[Span]] = []
    for spans in align(text, words):
        raw = text[spans[0][0]:spans[-1][1]]
        if len(spans) > 1 and not has_diacritics(raw):
            items.extend([s] for s in spans)  # untrusted grouping: regroup below
        else:
            items.append(spans)

    result: List[Span] = []
    i = 0
    while i < len(items):
        merged = False
        if len(items[i]) == 1:
            for size in range(min(lexicon.max_compound_len, len(items) - i), 1, -1):
                group = items[i:i + size]
                if any(len(g) != 1 for g in group):
                    continue
                pieces = [text[g[0][0]:g[0][1]] for g in group]
                if all(has_diacritics(p) for p in pieces):
                    continue  # underthesea already decided on fully accented text
                if tuple(canonical(fold(p)) for p in pieces) in lexicon.compounds:
                    result.append((group[0][0][0], group[-1][0][1]))
                    i += size
                    merged = True
                    break
        if not merged:
            result.append((items[i][0][0], items[i][-1][1]))
            i += 1
    return [span for span in result if _is_word(text[span[0]:span[1]])]


def join_compounds(syllables: Sequence[str], lexicon: Lexicon) -> str:
    """Folded syllables -> lemma string: known compounds joined by "_", words by spaces."""
    out: List[str] = []
    i = 0
    while i < len(syllables):
        for size in range(min(lexicon.max_compound_len, len(syllables) - i), 1, -1):
            if tuple(syllables[i:i + size]) in lexicon.compounds:
                out.append("_".join(syllables[i:i + size]))
                i += size
                break
        else:
            out.append(syllables[i])
            i += 1
    return " ".join(out)


def lemma_for(word: str, lexicon: Lexicon) -> str:
    expansion = lexicon.abbreviations.get(word)
    if expansion is not None:
        return join_compounds(expansion, lexicon)
    return "_".join(canonical(w) for w in fold(word).split())


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(Tokenizer):
    """Vietnamese word segmentation with exact offsets and accent-insensitive lemmas."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # folder with abbreviations.yml and compounds.txt
            "lexicon_dir": str(LEXICON_DIR),
        }

    @staticmethod
    def supported_languages() -> Optional[List[Text]]:
        return ["vi"]

    @staticmethod
    def required_packages() -> List[Text]:
        return ["underthesea"]

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """The lexicon files and helper code behind the lemmas, so that Rasa's training cache
        never restores featurizers trained on tokens from an older lexicon."""
        lexicon_dir = Path(config.get("lexicon_dir") or LEXICON_DIR)
        return fingerprint([lexicon_dir / name for name in LEXICON_FILES]
                           + module_files(__name__))

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.lexicon = load_lexicon(config.get("lexicon_dir") or LEXICON_DIR)

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens = [
            Token(text[s:e], s, e, lemma=lemma_for(text[s:e], self.lexicon))
            for s, e in segment(text, self.lexicon)
        ]
        if not tokens:
            tokens = [Token(text, 0, len(text), lemma=fold(text) or text)]
        return self._apply_token_pattern(tokens)
